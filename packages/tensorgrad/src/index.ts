export * from '@tensorgrad/core';
export * from '@tensorgrad/ops';
export * from '@tensorgrad/nn';
