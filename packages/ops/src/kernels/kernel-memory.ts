import { GraphError, Tensor, ValueError, fromData } from '@tensorgrad/core';
import { inKernelMemory, kernelStorage } from './gemm-wasm.js';

/**
 * `t` with its values in the matmul kernel's own memory (see kernelStorage), as a tfjs tensor keeps its
 * data in its backend: the kernel then reads it in place at every product instead of copying it in.
 * For an input used at every step (a fixed minibatch of 200×3072 values: a 4.9 MB copy, 0.3 ms of a
 * 7.5 ms training step) or any large tensor read by many products. Returns `t` itself when its storage
 * is there already or cannot be (a small tensor, the TypeScript kernel's platform without
 * SharedArrayBuffer); else a new leaf holding a copy, with `t`'s shape, name and requiresGrad.
 */
/**
 * A zero-filled array of `length` values that lives where `reference` does: in the kernel's memory
 * (kernelStorage) when `reference` is there, else an ordinary Float64Array. For what an op or an
 * optimizer keeps beside a tensor (a weight's gradient, SGD's velocity, Adam's moments), so that the
 * kernel's loops can work on them together in place.
 */
export function storageLike(reference: Float64Array, length: number): Float64Array {
  return inKernelMemory(reference) ? kernelStorage(length) : new Float64Array(length);
}

export function toKernelMemory(t: Tensor): Tensor {
  if (!(t instanceof Tensor)) throw new ValueError('toKernelMemory', 'expected a Tensor');
  if (inKernelMemory(t.nd.data)) return t;
  if (t._node !== null && t.requiresGrad) {
    throw new GraphError('toKernelMemory', 'the tensor was computed by an op; a copy would cut it off from its graph — call it on a leaf, or on t.detach()');
  }
  const storage = kernelStorage(t.size);
  if (!inKernelMemory(storage)) return t;
  storage.set(t.data);
  return fromData(storage, t.shape, { requiresGrad: t.requiresGrad, name: t.name });
}
