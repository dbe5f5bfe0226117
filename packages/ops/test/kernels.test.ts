import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random, ValueError } from '@tensorgrad/core';
import { gemmKernel, gemmKernelNames, nativeKernelInfo, setGemmKernel, startKernelThreads, wasmKernelInfo, type Backend } from '@tensorgrad/ops';
import { tsGemm } from '../src/kernels/gemm-ts.js';
import { createWasmGemm } from '../src/kernels/gemm-wasm.js';
import { chooseTwo, noteTime, recordFor } from '../src/kernels/thread-choice.js';
import { wasmTakenOver, wasmThreadsActive, wasmWorkerChunks, wasmWorkerPackedChunks } from '../src/kernels/threads.js';
import { wasmAvailable, wasmFma } from '../src/kernels/wasm-module.js';
import { gemmWasmFmaShared, gemmWasmPlain, gemmWasmShared } from '../src/kernels/gemm-wasm-bytes.js';
import { naiveGemm as naive, relError, stridedOperand, type Case, type Layout, type Operand } from './gemm-reference.js';

// Every product goes to WebAssembly however small (minWork 0); `two` uses the worker for every product.
const one = createWasmGemm({ name: 'wasm-test-1t', minWork: 0, threadMinWork: Infinity });
const two = createWasmGemm({ name: 'wasm-test-2t', minWork: 0, threadMinWork: 0, adaptive: false });
/** Takes over the worker's chunk in progress as soon as this thread runs out of chunks. */
const eager = createWasmGemm({ name: 'wasm-test-take-over', minWork: 0, threadMinWork: 0, adaptive: false, takeOverAfter: 0 });

const rng = new Random(20261123);

function randArray(len: number): Float64Array {
  const x = new Float64Array(len);
  for (let i = 0; i < len; i++) x[i] = rng.normal();
  return x;
}

/** A rows×cols operand laid out as asked, from this file's random stream. */
function operand(rows: number, cols: number, layout: Layout): Operand {
  return stridedOperand(rows, cols, layout, randArray);
}

function check(kernel: Backend, { m, n, k, la, lb, accumulate }: Case): number {
  const A = operand(m, k, la);
  const B = operand(k, n, lb);
  const cOff = 5;
  const c0 = randArray(cOff + m * n + 4);
  const got = c0.slice();
  const want = c0.slice();
  kernel.gemm(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, got, cOff, accumulate);
  naive(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, want, cOff, accumulate);
  // Entries outside C are untouched.
  for (let i = 0; i < cOff; i++) expect(got[i]).toBe(c0[i]);
  for (let i = cOff + m * n; i < c0.length; i++) expect(got[i]).toBe(c0[i]);
  return relError(got, want);
}

const layouts: Layout[] = ['row', 'transposed', 'strided'];
const shapes: [number, number, number][] = [
  [1, 1, 1], [1, 7, 5], [7, 1, 5], [5, 7, 1], [1, 1, 37], [1, 300, 9], [300, 1, 9], [3, 5, 7],
  [13, 17, 19], [4, 4, 4], [8, 12, 16], [33, 65, 17], [67, 5, 130], [5, 67, 300], [65, 66, 257], [130, 97, 129],
];

function cases(): Case[] {
  const out: Case[] = [];
  for (const [m, n, k] of shapes)
    for (const la of layouts)
      for (const lb of layouts) out.push({ m, n, k, la, lb, accumulate: (m + n + k + la.length + lb.length) % 3 === 0 });
  // Row stride 0 on either side (a vector viewed as a broadcast matrix).
  out.push({ m: 6, n: 9, k: 11, la: 'broadcast', lb: 'row', accumulate: false });
  out.push({ m: 9, n: 70, k: 11, la: 'broadcast', lb: 'transposed', accumulate: true });
  return out;
}

describe('gemm kernels against the textbook sum (1e-12 relative)', () => {
  it('the TypeScript kernel (the oracle), through its small and its packed paths', () => {
    let worst = 0;
    for (const c of cases()) worst = Math.max(worst, check(tsGemm, c));
    expect(worst).toBeLessThan(1e-12);
  });

  it.runIf(wasmAvailable)('WebAssembly, one thread: odd sizes, 1×N, N×1, k = 1, transposed and strided operands', () => {
    let worst = 0;
    for (const c of cases()) worst = Math.max(worst, check(one, c));
    expect(worst).toBeLessThan(1e-12);
  });

  it.runIf(wasmAvailable)('WebAssembly against the TypeScript kernel on random shapes and layouts', () => {
    const all: Layout[] = ['row', 'transposed', 'strided'];
    for (let t = 0; t < 60; t++) {
      const m = 1 + rng.int(90), n = 1 + rng.int(90), k = 1 + rng.int(300);
      const A = operand(m, k, all[rng.int(3)]!);
      const B = operand(k, n, all[rng.int(3)]!);
      const x = new Float64Array(m * n);
      const y = new Float64Array(m * n);
      tsGemm.gemm(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, x, 0, false);
      one.gemm(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, y, 0, false);
      expect(relError(y, x), `${m}x${k}·${k}x${n}`).toBeLessThan(1e-12);
    }
  });

  it.runIf(wasmAvailable)('k = 0 gives zeros (or leaves C when accumulating); empty m or n writes nothing', () => {
    for (const kernel of [tsGemm, one]) {
      const c = new Float64Array([1, 2, 3, 4, 5, 6]);
      kernel.gemm(2, 3, 0, new Float64Array(0), 0, 0, 1, new Float64Array(0), 0, 3, 1, c, 0, false);
      expect([...c]).toEqual([0, 0, 0, 0, 0, 0]);
      c.set([1, 2, 3, 4, 5, 6]);
      kernel.gemm(2, 3, 0, new Float64Array(0), 0, 0, 1, new Float64Array(0), 0, 3, 1, c, 0, true);
      expect([...c]).toEqual([1, 2, 3, 4, 5, 6]);
      kernel.gemm(0, 3, 4, new Float64Array(0), 0, 4, 1, new Float64Array(12), 0, 3, 1, c, 0, false);
      expect([...c]).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it.runIf(wasmAvailable)('exact on small integers (no reassociation error at all)', () => {
    const m = 37, n = 41, k = 29;
    const a = Float64Array.from({ length: m * k }, (_, i) => (i % 7) - 3);
    const b = Float64Array.from({ length: k * n }, (_, i) => (i % 5) - 2);
    const x = new Float64Array(m * n), y = new Float64Array(m * n);
    naive(m, n, k, a, 0, k, 1, b, 0, n, 1, x, 0, false);
    one.gemm(m, n, k, a, 0, k, 1, b, 0, n, 1, y, 0, false);
    expect([...y]).toEqual([...x]);
  });
});

/**
 * Each generated module on its own (the kernel in use picks one: fused multiply-add where relaxed SIMD
 * is available, else plain SIMD over shared memory, else over a plain memory), driven by hand: operands
 * copied in at fixed addresses, every layout through strides.
 */
function rawModule(base64: string, shared: boolean, prepackB = false): Backend {
  // The project's lib has no WebAssembly typings (ES2022, no DOM): a minimal view of the API.
  const W = (globalThis as unknown as { WebAssembly: {
    Memory: new (d: object) => { buffer: ArrayBufferLike; grow(pages: number): number };
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  } }).WebAssembly;
  const memory = new W.Memory({ initial: 64, maximum: 32768, shared });
  const instance = new W.Instance(new W.Module(Buffer.from(base64, 'base64')), { env: { memory } });
  const gemm = instance.exports.gemm as (...args: number[]) => void;
  const packB = instance.exports.packB as (...args: number[]) => void;
  const work = 0, base = 4 << 20;
  return {
    name: 'raw',
    gemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, accumulate) {
      // prepackB: all of B packed first (packB), and the product reads it from there (gemm's bPacked).
      const packed = 8 * (a.length + b.length + m * n + 8);
      const need = base + packed + (prepackB ? 8 * k * (n + 8) : 64);
      if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
      const f = new Float64Array(memory.buffer);
      const aAt = base / 8, bAt = aAt + a.length, cAt = bAt + b.length;
      f.set(a, aAt);
      f.set(b, bAt);
      f.set(c.subarray(cOff, cOff + m * n), cAt);
      if (prepackB) packB(k, n, 8 * (bAt + bOff), bRs, bCs, base + packed);
      gemm(m, n, k, 8 * (aAt + aOff), aRs, aCs, 8 * (bAt + bOff), bRs, bCs, 8 * cAt, n, accumulate ? 1 : 0, work, prepackB ? base + packed : 0);
      c.set(f.subarray(cAt, cAt + m * n), cOff);
    },
  };
}

describe.runIf(wasmAvailable)('each generated WebAssembly module against the textbook sum', () => {
  const modules: [string, string, boolean][] = [['plain SIMD, shared memory', gemmWasmShared, true], ['plain SIMD, plain memory', gemmWasmPlain, false]];
  if (wasmFma) modules.push(['fused multiply-add (relaxed SIMD)', gemmWasmFmaShared, true]);
  for (const [label, base64, shared] of modules) {
    it(label, () => {
      const kernel = rawModule(base64, shared);
      let worst = 0;
      for (const c of cases()) if (c.k > 0) worst = Math.max(worst, check(kernel, c));
      expect(worst).toBeLessThan(1e-12);
    });

    it(`${label}: B packed once (packB) gives the self-packing product bit for bit`, () => {
      const self = rawModule(base64, shared);
      const prepacked = rawModule(base64, shared, true);
      // More than one column block (n > NC = 512) and k-slice (k > KC = 256), an odd k (a transposed B
      // packs two k steps at a time and the last one alone), edge slivers (n % NR != 0).
      const big: Case[] = [
        { m: 13, n: 517, k: 301, la: 'row', lb: 'transposed', accumulate: false },
        { m: 7, n: 530, k: 513, la: 'transposed', lb: 'row', accumulate: true },
        { m: 9, n: 515, k: 259, la: 'strided', lb: 'strided', accumulate: false },
      ];
      let worst = 0;
      for (const c of [...cases(), ...big]) {
        if (c.k === 0) continue;
        worst = Math.max(worst, check(prepacked, c));
        expect(sameProducts(self, prepacked, c), JSON.stringify(c)).toBe(true);
      }
      expect(worst).toBeLessThan(1e-12);
    });
  }
});

/** Whether two kernels give exactly the same C (===, so -0 and 0 agree) on the same operands. */
function sameProducts(x: Backend, y: Backend, { m, n, k, la, lb, accumulate }: Case): boolean {
  const A = operand(m, k, la);
  const B = operand(k, n, lb);
  const cx = randArray(m * n);
  const cy = cx.slice();
  x.gemm(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, cx, 0, accumulate);
  y.gemm(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, cy, 0, accumulate);
  for (let i = 0; i < cx.length; i++) if (cx[i] !== cy[i]) return false;
  return true;
}

describe.runIf(wasmAvailable)('WebAssembly on two threads', () => {
  beforeAll(async () => {
    // The first product starts the worker (asynchronously, computing on one thread meanwhile).
    check(two, { m: 16, n: 16, k: 16, la: 'row', lb: 'row', accumulate: false });
    for (let i = 0; i < 200 && !wasmThreadsActive(); i++) await new Promise((r) => setTimeout(r, 25));
  });

  it('the worker starts and the split products match (split along m and along n)', async () => {
    expect(wasmThreadsActive()).toBe(true);
    const before = wasmWorkerChunks();
    let worst = 0;
    for (const c of cases()) worst = Math.max(worst, check(two, c));
    // Large products, split along m and along n, until the worker has demonstrably computed chunks. On a
    // loaded machine the worker may be descheduled for a while (this thread then computes every chunk
    // itself), so keep trying for up to 20 s, sleeping between tries to leave it a core.
    const deadline = Date.now() + 20_000;
    for (let t = 0; t < 2 || (wasmWorkerChunks() === before && Date.now() < deadline); t++) {
      worst = Math.max(worst, check(two, { m: 300, n: 97, k: 150, la: 'row', lb: 'transposed', accumulate: t % 2 === 0 }));
      worst = Math.max(worst, check(two, { m: 61, n: 290, k: 150, la: 'transposed', lb: 'row', accumulate: t % 2 === 1 }));
      if (wasmWorkerChunks() === before) await new Promise((r) => setTimeout(r, 20));
    }
    expect(wasmWorkerChunks()).toBeGreaterThan(before);
    expect(worst).toBeLessThan(1e-12);
  });

  it('split along m into 6 or more chunks, B is packed once and shared: the one-thread numbers, bit for bit', async () => {
    // Along m every chunk multiplies by all of B: the main thread packs it once while the worker starts
    // its first chunk (packing B itself), and chunks started afterwards read the shared packing. Chunk
    // boundaries are whole register tiles, so each entry of C is computed exactly as on one thread.
    const shapes: Case[] = [
      { m: 300, n: 97, k: 800, la: 'row', lb: 'transposed', accumulate: false }, // 6 chunks
      // n > NC and k > KC (several packed blocks), odd k (the transposed packing's single last step).
      { m: 530, n: 517, k: 301, la: 'row', lb: 'transposed', accumulate: true }, // 8 chunks
      { m: 301, n: 103, k: 801, la: 'transposed', lb: 'strided', accumulate: false }, // 6 chunks
      { m: 97, n: 13, k: 1000, la: 'strided', lb: 'row', accumulate: true }, // 2 chunks: each packs B
    ];
    const before = wasmWorkerPackedChunks();
    let worst = 0;
    const deadline = Date.now() + 20_000;
    for (let t = 0; t < 2 || (wasmWorkerPackedChunks() === before && Date.now() < deadline); t++) {
      for (const c of shapes) {
        for (const kernel of [two, eager]) {
          worst = Math.max(worst, check(kernel, c));
          expect(sameProducts(one, kernel, c), `${kernel.name} ${JSON.stringify(c)}`).toBe(true);
        }
      }
      if (wasmWorkerPackedChunks() === before) await new Promise((r) => setTimeout(r, 20));
    }
    // The worker has computed chunks from the shared packing (and the main thread always does).
    expect(wasmWorkerPackedChunks()).toBeGreaterThan(before);
    expect(worst).toBeLessThan(1e-12);
  });

  it("the main thread taking over the worker's chunk in progress gives the same products", async () => {
    // The worker computes into its own tile and publishes only if the chunk was not taken over: with
    // takeOverAfter 0 this thread takes over whatever the worker holds when it runs out of chunks, so
    // both outcomes (taken over, published) happen; every product must be right either way.
    const before = wasmTakenOver();
    let worst = 0;
    const deadline = Date.now() + 20_000;
    for (let t = 0; t < 6 || (wasmTakenOver() === before && Date.now() < deadline); t++) {
      worst = Math.max(worst, check(eager, { m: 300, n: 97, k: 150, la: 'row', lb: 'transposed', accumulate: t % 2 === 0 }));
      worst = Math.max(worst, check(eager, { m: 61, n: 290, k: 300, la: 'transposed', lb: 'row', accumulate: t % 2 === 1 }));
      // Right after a take-over the worker may still be computing a chunk of the previous job.
      worst = Math.max(worst, check(two, { m: 130, n: 120, k: 70, la: 'row', lb: 'row', accumulate: t % 3 === 0 }));
      if (wasmTakenOver() === before) await new Promise((r) => setTimeout(r, 5));
    }
    expect(wasmTakenOver()).toBeGreaterThan(before);
    expect(worst).toBeLessThan(1e-12);
  });
});

describe.runIf(wasmAvailable)('operands kept resident between calls (GemmHints)', () => {
  /** C = A·B through `kernel` with hints, against the textbook sum. */
  function product(kernel: Backend, m: number, n: number, k: number, A: ReturnType<typeof operand>, B: ReturnType<typeof operand>, hints: object): number {
    const got = new Float64Array(m * n);
    const want = new Float64Array(m * n);
    kernel.gemm(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, got, 0, false, hints);
    naive(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, want, 0, false);
    return relError(got, want);
  }

  it("linear's pattern: x as A with a token, then as B with the same token, on one and two threads", () => {
    for (const kernel of [one, two, eager]) {
      // x is 120×700 (84,000 values: large enough to be kept); the forward reads x·Wᵀ, the backward dyᵀ·x.
      const x = operand(120, 700, 'row');
      const token = {};
      expect(product(kernel, 120, 30, 700, x, operand(700, 30, 'transposed'), { aToken: token })).toBeLessThan(1e-12);
      // Another product between the two (a second layer) must not disturb the kept operand.
      expect(product(kernel, 120, 40, 30, operand(120, 30, 'row'), operand(30, 40, 'row'), {})).toBeLessThan(1e-12);
      expect(product(kernel, 30, 700, 120, operand(30, 120, 'transposed'), x, { bToken: token })).toBeLessThan(1e-12);
      // The same token over other storage, or the same storage under a new token, is copied afresh.
      const y = operand(120, 700, 'row');
      expect(product(kernel, 30, 700, 120, operand(30, 120, 'transposed'), y, { bToken: token })).toBeLessThan(1e-12);
      x.data.fill(0.5);
      expect(product(kernel, 30, 700, 120, operand(30, 120, 'transposed'), x, { bToken: {} })).toBeLessThan(1e-12);
    }
  });
});

describe('choice between one and two threads', () => {
  /** Runs `calls` calls of one shape whose one- and two-thread times are given; returns the choices. */
  function drive(r: ReturnType<typeof recordFor>, calls: number, oneMs: number, twoMs: number): boolean[] {
    const picks: boolean[] = [];
    for (let i = 0; i < calls; i++) {
      const two = chooseTwo(r);
      picks.push(two);
      noteTime(r, two, two ? twoMs : oneMs);
    }
    return picks;
  }

  it('tries two threads, one, two, then keeps the faster and probes the other now and then', () => {
    const r = recordFor({ shapes: new Map(), lastTwo: true }, 'shape');
    const picks = drive(r, 3 + 128, 10, 6);
    expect(picks.slice(0, 3)).toEqual([true, false, true]);
    expect(picks.slice(3).filter((p) => !p).length).toBe(2); // two probes of one thread in 128 calls
    const s = recordFor({ shapes: new Map(), lastTwo: true }, 'shape');
    const slow = drive(s, 3 + 64, 6, 10);
    // While one thread wins: a probe of two threads every 4th call of the first 32, then every 16th.
    expect(slow.slice(3, 32).filter((p) => p).length).toBe(8);
    expect(slow.slice(32).filter((p) => p).length).toBe(2);
  });

  it('switches to one thread when two get slower (the other core got busy), and back when they recover', () => {
    const r = recordFor({ shapes: new Map(), lastTwo: true }, 'shape');
    drive(r, 40, 10, 6); // past the first 32 calls of the shape (see chooseTwo)
    const busy = drive(r, 20, 10, 15);
    // Two threaded calls go by (with a probe of one thread between them, since the first was slow)
    // before the median of the last three flips; then one probe of two threads in 16 calls.
    expect(busy.slice(0, 4).filter((p) => p).length).toBe(2);
    expect(busy.slice(4).filter((p) => p).length).toBe(1);
    const recovered = drive(r, 40, 10, 6);
    // The next probe finds two threads fast again, probes again at once, and the choice flips back.
    expect(recovered.slice(-16).every((p) => p)).toBe(true);
  });

  it('keeps a bounded record per shape', () => {
    const chooser = { shapes: new Map(), lastTwo: true };
    for (let i = 0; i < 200; i++) recordFor(chooser, `s${i}`);
    expect(chooser.shapes.size).toBeLessThanOrEqual(64);
    expect(recordFor(chooser, 's199')).toBe(recordFor(chooser, 's199'));
  });
});

describe('kernel selection', () => {
  const initial = gemmKernel().name;
  afterAll(() => setGemmKernel(initial));

  it("lists 'ts' always and 'wasm' / 'wasm-st' where WebAssembly SIMD is available", () => {
    expect(gemmKernelNames()).toContain('ts');
    if (wasmAvailable) expect(gemmKernelNames()).toEqual(expect.arrayContaining(['wasm', 'wasm-st']));
  });

  it('wasmKernelInfo reports the module in use', () => {
    const info = wasmKernelInfo();
    expect(info.available).toBe(wasmAvailable);
    expect(info.fma).toBe(wasmFma);
    expect(info.microTile).toBe(wasmFma ? '6x4' : '4x4');
    expect(['not started', 'starting', 'on', 'backed off', 'unavailable']).toContain(info.threads);
    expect(info.secondThread).toBe(info.threads === 'on' || info.threads === 'backed off');
    if (info.threads === 'not started') expect(info.worker).toBeNull();
  });

  it('startKernelThreads brings the second thread up before any product; wasmKernelInfo names its kind', async () => {
    const up = await startKernelThreads();
    expect(up).toBe(wasmAvailable && typeof SharedArrayBuffer !== 'undefined');
    const info = wasmKernelInfo();
    expect(info.secondThread).toBe(up);
    expect(info.worker).toBe(up ? 'worker_threads' : null);
  });

  it('defaults to native where its addon loaded, else wasm, unless TENSORGRAD_KERNEL says otherwise', () => {
    const env = process.env.TENSORGRAD_KERNEL;
    expect(initial).toBe(env !== undefined && env !== '' ? env : nativeKernelInfo().available ? 'native' : wasmAvailable ? 'wasm' : 'ts');
  });

  it('setGemmKernel switches, and an unknown name is a ValueError naming the known ones', () => {
    setGemmKernel('ts');
    expect(gemmKernel().name).toBe('ts');
    expect(() => setGemmKernel('cuda')).toThrow(ValueError);
    expect(() => setGemmKernel('cuda')).toThrow(/^setGemmKernel: unknown kernel 'cuda' \(known: ts/);
  });
});

describe.runIf(wasmAvailable)('strided operands: only the elements read are copied in (gathered)', () => {
  /** An operand that reads every `step`-th row and every `colStep`-th column of a larger stored matrix. */
  function strided(rows: number, cols: number, step: number, colStep: number, transposed: boolean): { data: Float64Array; off: number; rs: number; cs: number } {
    const storedCols = cols * colStep + 3;
    const data = randArray(rows * step * storedCols + 7);
    // transposed: the same elements read with the roles of the strides swapped (a Wᵀ-like view).
    return transposed ? { data, off: 5, rs: colStep, cs: step * storedCols } : { data, off: 5, rs: step * storedCols, cs: colStep };
  }

  it('products of row-step slices, column blocks and strided transposed views match the textbook sum, on one and two threads', () => {
    const cases: [number, number, number, number, number, boolean][] = [
      // m, n, k, row step, column step, A transposed
      [60, 50, 70, 10, 1, false], // every 10th row of a tall dataset
      [64, 48, 96, 1, 3, false], // every 3rd column
      [50, 40, 90, 7, 2, true], // a strided transposed view
      [200, 100, 300, 10, 1, false], // large enough for the worker
    ];
    for (const kernel of [one, two, eager]) {
      for (const [m, n, k, step, colStep, transposed] of cases) {
        const A = transposed ? strided(k, m, step, colStep, true) : strided(m, k, step, colStep, false);
        const B = strided(k, n, step, 1, false);
        for (const accumulate of [false, true]) {
          const got = randArray(m * n + 4);
          const want = Float64Array.from(got);
          kernel.gemm(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, got, 4, accumulate);
          naive(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, want, 4, accumulate);
          expect(relError(got, want)).toBeLessThan(1e-12);
          expect(got.slice(0, 4)).toEqual(want.slice(0, 4));
        }
      }
    }
  });

  it("a strided x kept resident between linear's two products (forward x·Wᵀ, backward dyᵀ·x)", () => {
    for (const kernel of [one, two]) {
      const x = strided(120, 700, 6, 1, false); // 120 of 720 rows: the span is 6x what is read
      const token = {};
      const w = { data: randArray(700 * 30), off: 0, rs: 1, cs: 700 }; // Wᵀ as a view of W [30, 700]
      const check = (m: number, n: number, k: number, A: typeof x, B: typeof x, hints: object): void => {
        const got = new Float64Array(m * n);
        const want = new Float64Array(m * n);
        kernel.gemm(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, got, 0, false, hints);
        naive(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, want, 0, false);
        expect(relError(got, want)).toBeLessThan(1e-12);
      };
      check(120, 30, 700, x, w, { aToken: token });
      const dyT = { data: randArray(120 * 30), off: 0, rs: 1, cs: 30 };
      check(30, 700, 120, dyT, x, { bToken: token });
      // Values changed under a new token: copied afresh.
      x.data.fill(0.25);
      check(30, 700, 120, dyT, x, { bToken: {} });
    }
  });
});
