/**
 * Fused linear (y = x·Wᵀ + b, one op) against matmul(x, transpose(W)) + b, forward and backward:
 *   tsx --conditions=@tensorgrad/source packages/ops/wasm/bench-linear.ts
 */
import { randn } from '@tensorgrad/core';
import { add, linear, matmul, sum, transpose } from '@tensorgrad/ops';

const shapes: [number, number, number][] = [[200, 3072, 100], [200, 100, 10], [64, 784, 256], [64, 256, 10]];
const reps = 15;
function median(f: () => void): number {
  for (let i = 0; i < 3; i++) f();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[reps >> 1]!;
}
for (const [N, D, H] of shapes) {
  const x = randn([N, D], { seed: 1, requiresGrad: true });
  const W = randn([H, D], { seed: 2, requiresGrad: true });
  const b = randn([H], { seed: 3, requiresGrad: true });
  const fused = () => { sum(linear(x, W, b)).backward(); x.zeroGrad(); W.zeroGrad(); b.zeroGrad(); };
  const unfused = () => { sum(add(matmul(x, transpose(W)), b)).backward(); x.zeroGrad(); W.zeroGrad(); b.zeroGrad(); };
  const fwdF = () => linear(x, W, b);
  const fwdU = () => add(matmul(x, transpose(W)), b);
  const [tf, tu, ff, fu] = [median(fused), median(unfused), median(fwdF), median(fwdU)];
  console.log(`N=${N} in=${D} out=${H}: fwd+bwd fused ${tf.toFixed(3)} ms vs matmul+add ${tu.toFixed(3)} ms (${(tu / tf).toFixed(2)}x); fwd ${ff.toFixed(3)} vs ${fu.toFixed(3)} ms`);
}
