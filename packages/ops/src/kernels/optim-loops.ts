import type { AdamCoefficients, SgdCoefficients } from './types.js';

/**
 * The optimizers' arithmetic as plain element-by-element loops: the TypeScript kernel's updates, and
 * the fallback of every kernel for arrays its own loops cannot take (optim-updates.ts for WebAssembly,
 * whose f64x2 loops round the same, operation for operation).
 */

/**
 * Arrays under this many values take these loops in every kernel: calling SIMD or native code for them
 * costs more than it saves.
 */
export const UPDATE_KERNEL_MIN = 1 << 10;

/** y += alpha·x over y.length elements, one by one: the fallback of every kernel's axpy (see backend.ts). */
export function axpyLoop(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i]!;
}

/**
 * SGD's update of w from g (and the velocity `buffer` when momentum > 0), element by element, with
 * PyTorch's rule; each case reads no more than it needs. The fallback of every kernel's sgdUpdate.
 */
export function sgdLoop(w: Float64Array, g: Float64Array, buffer: Float64Array | null, c: SgdCoefficients): void {
  const { lr, momentum, weightDecay, nesterov } = c;
  if (momentum === 0) {
    if (weightDecay === 0) axpyLoop(-lr, g, w);
    else for (let i = 0; i < w.length; i++) w[i] = w[i]! - lr * (g[i]! + weightDecay * w[i]!);
    return;
  }
  const b = buffer!;
  if (weightDecay === 0 && !nesterov) {
    for (let i = 0; i < w.length; i++) {
      const vi = momentum * b[i]! + g[i]!;
      b[i] = vi;
      w[i] = w[i]! - lr * vi;
    }
    return;
  }
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]! + weightDecay * w[i]!;
    const vi = momentum * b[i]! + gi;
    b[i] = vi;
    w[i] = w[i]! - lr * (nesterov ? gi + momentum * vi : vi);
  }
}

/** Adam's update of w, m and v from g, element by element: the fallback of every kernel's adamUpdate. */
export function adamLoop(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, c: AdamCoefficients): void {
  const { weightDecay, beta1, beta2, stepSize, sqrtCorrection2, eps } = c;
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]! + weightDecay * w[i]!;
    const mi = beta1 * m[i]! + c1 * gi;
    const vi = beta2 * v[i]! + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i]! - (stepSize * mi) / (Math.sqrt(vi) / sqrtCorrection2 + eps);
  }
}
