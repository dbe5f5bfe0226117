// A strict Content-Security-Policy (no 'unsafe-eval') forbids code generated from strings. Node's
// --disallow-code-generation-from-strings enforces the same rule (eval and new Function throw), so a
// child process under that flag shows that tensors, ops, backward, printing and a training loop need no
// runtime code generation. The control: scijs ndarray() itself fails under the flag.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';

const script = `
import { tensor, randn, fromNdarray } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { Linear, ReLU, SGD, Sequential, softmaxCrossEntropy, spiral } from '@tensorgrad/nn';
let evalBlocked = false;
try { new Function('return 1')(); } catch { evalBlocked = true; }
const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
// Strided views (transpose, negative-step slice), their row-major copies and in-place writes through them.
const t = ops.transpose(x);
const reversed = ops.slice(x, [null, [null, null, -1]]);
const y = ops.sum(ops.mul(ops.matmul(t, x), 0.5));
y.backward();
const w = tensor([[1, 2], [3, 4]]);
ops.transpose(w).mutate((d) => d.set([10, 20, 30, 40]));
const nd = x.nd;
const data = spiral({ pointsPerClass: 10, seed: 1 });
const net = new Sequential(new Linear(2, 8, { seed: 1 }), new ReLU(), new Linear(8, 3, { seed: 2 }));
const opt = new SGD(net.parameters(), { lr: 0.5 });
let first = 0, last = 0;
for (let i = 0; i < 100; i++) {
  opt.zeroGrad();
  const loss = softmaxCrossEntropy(net.forward(data.x), data.y);
  loss.backward();
  opt.step();
  if (i === 0) first = loss.item();
  last = loss.item();
}
let ndarrayError = null;
try {
  const { createRequire } = await import('node:module');
  const ndarray = createRequire(import.meta.resolve('@tensorgrad/core'))('ndarray');
  ndarray(new Float64Array(4), [2, 2]);
} catch (e) { ndarrayError = e.constructor.name + ': ' + e.message; }
console.log(JSON.stringify({
  evalBlocked,
  grad: x.grad.toArray(),
  transposed: Array.from(t.data),
  reversed: reversed.toArray(),
  written: w.toArray(),
  pick: nd.pick(1, null).get(2),
  printed: String(randn([2, 2], { seed: 1 })).split('\\n').length,
  first, last,
  ndarrayError,
}));
`;

describe('no runtime code generation (strict Content-Security-Policy)', () => {
  it('creates, views, differentiates, prints and trains with eval and new Function disabled', () => {
    const out = execFileSync(
      process.execPath,
      ['--disallow-code-generation-from-strings', '--import', 'tsx', '--conditions=@tensorgrad/source', '--input-type=module', '-e', script],
      // The TypeScript gemm kernel: in a browser, compiling WebAssembly needs 'wasm-unsafe-eval' as well.
      { cwd: new URL('..', import.meta.url), encoding: 'utf8', env: { ...process.env, TENSORGRAD_KERNEL: 'ts' } },
    );
    const result = JSON.parse(out.trim().split('\n').pop()!);
    expect(result.evalBlocked).toBe(true);
    // f = 0.5 Σ_ij Σ_k x_ki x_kj = 0.5 Σ_k (Σ_i x_ki)², so df/dx_ki = Σ_j x_kj (the row sum).
    expect(result.grad).toEqual([[6, 6, 6], [15, 15, 15]]);
    expect(result.transposed).toEqual([1, 4, 2, 5, 3, 6]);
    expect(result.reversed).toEqual([[3, 2, 1], [6, 5, 4]]);
    // Row-major values written through the transposed view land transposed in w.
    expect(result.written).toEqual([[10, 30], [20, 40]]);
    expect(result.pick).toBe(6);
    expect(result.printed).toBe(2);
    expect(result.last).toBeLessThan(result.first);
    expect(result.ndarrayError).toMatch(/^EvalError: Code generation from strings disallowed/);
  });
});
