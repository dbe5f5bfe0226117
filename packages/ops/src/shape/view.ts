export { viewOf as view } from '@tensorgrad/core';
