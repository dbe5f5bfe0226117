// Review of kept gradient buffers (PendingGradient, in-place AccumulateGrad) and storage in the
// WebAssembly kernel's memory (kernelStorage). Each test names a defect found in review, and failed
// before its fix.
import { afterEach, describe, expect, it } from 'vitest';
import { Random, ValueError, fromData, randn } from '@tensorgrad/core';
import { add, gemmKernel, kernelStorage, linear, matmul, mul, relu, setGemmKernel, sum } from '@tensorgrad/ops';
import { Linear, ReLU, Sequential } from '@tensorgrad/nn';
import { tsGemm } from '../packages/ops/src/kernels/gemm-ts.js';
import { kernelArena, releaseKernelStorage } from '../packages/ops/src/kernels/arena.js';
import { createWasmGemm } from '../packages/ops/src/kernels/gemm-wasm.js';
import { wasmAvailable } from '../packages/ops/src/kernels/wasm-module.js';

const shared = wasmAvailable && typeof SharedArrayBuffer !== 'undefined';
const rng = new Random(11);

function maxDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < y.length; i++) d = Math.max(d, Math.abs(x[i]! - y[i]!));
  return d;
}

const initialKernel = gemmKernel().name;
afterEach(() => setGemmKernel(initialKernel));

describe('kept .grad and PendingGradient', () => {
  // Defect: runBackward's `sources` guard (a .grad that is also the seed's storage is summed into a new
  // tensor) covers `collected` leaves only. A PendingGradient bound for a leaf whose kept .grad IS the
  // seed writes into the storage it reads as dy: the TS kernel computes garbage (the wasm kernel is
  // saved by its overlap check on one thread, not on two: see the race below). The old path (fresh dW,
  // then added) was correct.
  it('backward(W.grad) into a weight whose kept .grad is that seed: the sum, as with a fresh gradient (TS kernel)', () => {
    setGemmKernel('ts');
    const n = 8;
    const x = randn([n, n], { seed: 1 });
    const w = randn([n, n], { seed: 2, requiresGrad: true });
    linear(x, w).backward(randn([n, n], { seed: 3 }));
    const g1 = Float64Array.from(w.grad!.data);
    const fresh = randn([n, n], { seed: 2, requiresGrad: true });
    linear(x, fresh).backward(fromData(g1.slice(), [n, n]));
    const expected = g1.map((v, i) => v + fresh.grad!.data[i]!);
    linear(x, w).backward(w.grad!);
    expect(maxDiff(w.grad!.data, expected)).toBeLessThan(1e-9);
  });

  it('a kept, zeroed .grad gets bit-for-bit the gradient a fresh one gets (rows beyond one k-block)', () => {
    for (const kernel of ['ts', 'wasm'] as const) {
      setGemmKernel(kernel);
      const x = randn([600, 64], { seed: 4 });
      const run = (keep: boolean): Float64Array => {
        const w = randn([32, 64], { seed: 5, requiresGrad: true });
        sum(linear(x, w)).backward();
        w.zeroGrad({ setToNone: !keep });
        sum(linear(x, w)).backward();
        return Float64Array.from(w.grad!.data);
      };
      expect(run(true)).toEqual(run(false));
    }
  });

  // Defect: a kept, zeroed .grad that gets linear's dW AND another gradient in the same backward (an
  // L2 term on W, as in the lecture's loss, or W used by two linear ops) is summed in another order:
  // collected g_reg goes into .grad first, then the kernel accumulates dW block by block over k
  // (rows > 256), where the default loop adds g_reg to the finished dW. ~1/3 of the elements differ by
  // an ulp, so the two loops' trajectories drift apart. Fix: defer a PendingGradient only when it is
  // the leaf's sole gradient in this backward; otherwise toTensor() and sum as before.
  it('with an L2 term on W, the kept loop gets bit-for-bit the default loop gradient', () => {
    for (const kernel of ['ts', 'wasm'] as const) {
      setGemmKernel(kernel);
      const x = randn([300, 64], { seed: 15 });
      const run = (keep: boolean): Float64Array => {
        const w = randn([32, 64], { seed: 16, requiresGrad: true });
        const loss = () => add(sum(relu(linear(x, w))), mul(sum(mul(w, w)), 0.5));
        loss().backward();
        w.zeroGrad({ setToNone: !keep });
        loss().backward();
        return Float64Array.from(w.grad!.data);
      };
      expect(run(true)).toEqual(run(false));
    }
  });

  // Not bit-identical to the old path when gradients accumulate (no zeroGrad between backward calls):
  // the kernel adds each k-block of dyᵀx into .grad in turn, where the old path added the finished
  // product. Rounding-level only (about a third of the elements differ by an ulp), as the docs say.
  it('accumulating two backward calls matches the old fresh-then-add path to rounding', () => {
    setGemmKernel('ts');
    const x1 = randn([600, 64], { seed: 6 });
    const x2 = randn([600, 64], { seed: 7 });
    const w = randn([32, 64], { seed: 8, requiresGrad: true });
    sum(linear(x1, w)).backward();
    const first = Float64Array.from(w.grad!.data);
    sum(linear(x2, w)).backward(); // adds into the kept .grad in place
    const v = randn([32, 64], { seed: 8, requiresGrad: true });
    sum(linear(x2, v)).backward(); // a fresh gradient
    const expected = first.map((g, i) => g + v.grad!.data[i]!);
    const scale = Math.max(...expected.map(Math.abs));
    expect(maxDiff(w.grad!.data, expected)).toBeLessThan(1e-14 * scale);
  });

  // Defect: Module.zeroGrad validates its options only through each tensor's zeroGrad, so a module
  // without tensors (or every Optimizer-less container) accepts a typo silently.
  it('Module.zeroGrad checks its options even when the module holds no tensor', () => {
    expect(() => new Sequential(new ReLU()).zeroGrad({ setToNon: false } as never)).toThrow(ValueError);
  });
});

describe.runIf(shared)('storage in the kernel memory', () => {
  // Defect (gemm-wasm.ts runTwoThreads with cAt < 0 because C overlaps an operand): C is computed
  // aside, but each finished chunk is copied out into C (= the operand's storage) while the worker's
  // chunk still reads that operand. Along n every chunk reads all of A, so the product reads values it
  // has already overwritten. Intermittent (1 in 4-8 calls at 8×4096×4096 on an idle machine): the
  // loop stops at the first wrong product. KERNELS.md promises "computes aside and copies".
  it('two threads: a C that overlaps A in the kernel memory still gets A·B', () => {
    const two = createWasmGemm({ name: 'review-2t', minWork: 0, threadMinWork: 0, adaptive: false });
    const [m, n, k] = [8, 4096, 4096];
    const a0 = new Float64Array(m * k).map(() => rng.normal());
    const b = kernelStorage(k * n);
    for (let i = 0; i < b.length; i++) b[i] = rng.normal();
    const expected = new Float64Array(m * n);
    tsGemm.gemm(m, n, k, a0, 0, k, 1, b, 0, n, 1, expected, 0, false);
    const buffer = kernelStorage(m * k); // A, and C over the same storage (k === n)
    let worst = 0;
    for (let rep = 0; rep < 40 && worst < 1e-9; rep++) {
      buffer.set(a0);
      two.gemm(m, n, k, buffer, 0, k, 1, b, 0, n, 1, buffer, 0, false);
      worst = maxDiff(buffer, expected);
    }
    releaseKernelStorage(buffer);
    releaseKernelStorage(b);
    expect(worst).toBeLessThan(1e-9);
  });

  it('the resident x is not reused after kernelStorage moves the arena between forward and backward', () => {
    // x (plain, >= MIN_RESIDENT values) is resident after the forward; blocks allocated and freed before
    // the backward move the scratch area up and back down.
    const x = randn([200, 400], { seed: 9 });
    const w0 = randn([100, 400], { seed: 10 });
    const storage = kernelStorage(w0.size);
    storage.set(w0.data);
    const w = fromData(storage, w0.shape, { requiresGrad: true });
    const y = linear(x, w);
    const blocks = [kernelStorage(300_000), kernelStorage(5000)];
    for (let i = 0; i < blocks[0]!.length; i++) blocks[0]![i] = 1e6; // scribble over the old scratch
    releaseKernelStorage(blocks[1]!);
    releaseKernelStorage(blocks[0]!);
    const dy = randn([200, 100], { seed: 12 });
    y.backward(dy);
    const expected = new Float64Array(100 * 400);
    tsGemm.gemm(100, 400, 200, dy.data, 0, 1, 100, x.data, 0, 400, 1, expected, 0, false);
    expect(maxDiff(w.grad!.data, expected)).toBeLessThan(1e-9);
  });

  // Sharp edge, now in the nn and ops READMEs: structuredClone (and postMessage) of a Float64Array over
  // a SharedArrayBuffer shares it. A snapshot of a weight is taken with slice().
  it('a Linear weight is snapshot by slice(); structuredClone of it shares the memory, as documented', () => {
    const layer = new Linear(3072, 100, { seed: 1 });
    const snapshot = layer.weight.data.slice();
    const shared = structuredClone(layer.weight.data);
    const before = snapshot[0];
    layer.weight.nd.data[0] = 123; // what an optimizer step does through mutate
    expect(snapshot[0]).toBe(before);
    expect(shared[0]).toBe(123);
  });

  // Last in the file: the unfixed call leaves the arena's top NaN for every later product.
  // Defect: kernelStorage(length) does not check length. NaN makes arena.top NaN (blockBytes(NaN)),
  // after which every wasm product silently returns zeros; -5 throws a RangeError, 1.5 gives length 1.
  it('kernelStorage rejects a length that is not a non-negative integer (NaN used to break every later matmul)', () => {
    const a = randn([300, 300], { seed: 13 });
    const b = randn([300, 300], { seed: 14 });
    const expected = matmul(a, b).data.slice();
    let thrown: unknown = null;
    try {
      kernelStorage(Number.NaN);
    } catch (error) {
      thrown = error;
    }
    expect(Number.isFinite(kernelArena().top)).toBe(true);
    expect(maxDiff(matmul(a, b).data, expected)).toBeLessThan(1e-9);
    expect(thrown).toBeInstanceOf(ValueError);
    expect(() => kernelStorage(-5)).toThrow(ValueError);
  });
});
