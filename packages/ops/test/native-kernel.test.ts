import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random, fromData, noGrad, randn, type Tensor } from '@tensorgrad/core';
import {
  configureNativeKernel,
  gemmKernel,
  linear,
  logSoftmax,
  mean,
  mul,
  nativeKernelInfo,
  neg,
  relu,
  setGemmKernel,
  startKernelThreads,
  sum,
  wasmKernelInfo,
  type Backend,
} from '@tensorgrad/ops';
import { createNativeGemm, nativeGemm } from '../src/kernels/gemm-native.js';
import { adamLoop, sgdLoop } from '../src/kernels/optim-loops.js';
import { createWasmGemm } from '../src/kernels/gemm-wasm.js';
import { naiveGemm as naive, relError, stridedOperand, type Case, type Layout, type Operand } from './gemm-reference.js';

// The native kernel (native/addon.cc) against the textbook sum, against the WebAssembly FMA kernel bit
// for bit (its rounding contract), with C overlapping its operands, with hostile arguments straight into
// the addon, in child processes (TENSORGRAD_NATIVE=0, TENSORGRAD_NATIVE_ISA=avx2), with its helper
// thread shared by two JavaScript threads, and over a short training run.

const info = nativeKernelInfo();
const available = info.available;
const defaultThreadMinWork = info.available ? info.threadMinWork : 0;
const wasmFma = wasmKernelInfo().fma;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const addonPath = fileURLToPath(new URL('../native/build/tensorgrad-native.node', import.meta.url));

/** The addon's own interface (as gemm-native.ts declares it), loaded the way gemm-native.ts loads it. */
interface Addon {
  gemm(...args: unknown[]): void;
  info(): { isa: string; mr: number; nr: number; helper: string; threadMinWork: number };
}
const addon: Addon | null = available ? (createRequire(import.meta.url)(addonPath) as Addon) : null;

/** One thread always; nativeGemm (auto) uses the helper once threadMinWork is 0 (set below). */
const one = createNativeGemm('native-test-1t', 1);
const rng = new Random(20261205);

function randArray(len: number): Float64Array {
  const x = new Float64Array(len);
  for (let i = 0; i < len; i++) x[i] = rng.normal();
  return x;
}

/** Index of the first element that differs (Object.is), or -1. */
function firstDifference(x: Float64Array, y: Float64Array): number {
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return i;
  return -1;
}

/** A rows×cols operand laid out as asked, from this file's random stream. */
function operand(rows: number, cols: number, layout: Layout): Operand {
  return stridedOperand(rows, cols, layout, randArray);
}

const label = (c: Case): string => `${c.m}x${c.k}·${c.k}x${c.n} ${c.la}/${c.lb}${c.accumulate ? ' +=' : ''}`;

/** Runs each kernel on the same operands and C0 (C at offset 5 in a padded array); returns the Cs. */
function run(kernels: Backend[], { m, n, k, la, lb, accumulate }: Case, cOff = 5): { outs: Float64Array[]; want: Float64Array; c0: Float64Array } {
  const A = operand(m, k, la);
  const B = operand(k, n, lb);
  const c0 = randArray(cOff + m * n + 4);
  const outs = kernels.map((kernel) => {
    const c = c0.slice();
    kernel.gemm(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, c, cOff, accumulate);
    return c;
  });
  const want = c0.slice();
  naive(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, want, cOff, accumulate);
  for (const c of outs) {
    // Entries outside C are untouched.
    for (let i = 0; i < cOff; i++) expect(c[i]).toBe(c0[i]);
    for (let i = cOff + m * n; i < c0.length; i++) expect(c[i]).toBe(c0[i]);
  }
  return { outs, want, c0 };
}

const layouts: Layout[] = ['row', 'transposed', 'strided', 'broadcast', 'flipped', 'flippedT'];
/** Edge tiles of both micro-kernels (8×16, 6×8), m or n = 1, k around the 256-block, two-thread splits. */
const shapes: [number, number, number][] = [
  [1, 1, 600], [1, 37, 20], [37, 1, 20], [17, 33, 1], [40, 30, 1], [9, 17, 255], [7, 15, 256], [25, 33, 257],
  [6, 8, 513], [5, 7, 513], [8, 16, 256], [16, 32, 257], [1, 300, 9], [300, 1, 9], [33, 65, 17], [13, 130, 40],
  [130, 97, 129], [65, 66, 300],
];

function cases(): Case[] {
  const out: Case[] = [];
  let t = 0;
  for (const [m, n, k] of shapes)
    for (const la of layouts)
      for (const lb of layouts) {
        // A broadcast B repeats one row of k: fine, but keep the broadcast pairs few (they add nothing new).
        if (la === 'broadcast' && lb === 'broadcast' && (m + n) % 2 === 0) continue;
        out.push({ m, n, k, la, lb, accumulate: t++ % 2 === 0 });
      }
  return out;
}

describe.skipIf(!available)(`the native kernel (${info.available ? `${info.isa}, ${info.microTile}` : `addon not loaded: ${info.reason}`})`, () => {
  beforeAll(() => configureNativeKernel({ threadMinWork: 0 }));
  afterAll(() => configureNativeKernel({ threadMinWork: defaultThreadMinWork }));

  describe('against the textbook sum (1e-12 relative)', () => {
    it('one thread and two: every layout (negative and zero strides too), edge tiles, k = 1 .. 600', () => {
      let worst = 0;
      let count = 0;
      for (const c of cases()) {
        const { outs, want } = run([one!, nativeGemm!], c);
        for (const got of outs) worst = Math.max(worst, relError(got, want));
        count++;
      }
      expect(count).toBeGreaterThan(500);
      expect(worst).toBeLessThan(1e-12);
    });

    it('tiny products straight into the addon (the backend sends them to the TypeScript kernel)', () => {
      let worst = 0;
      for (const [m, n, k] of [[1, 1, 1], [3, 5, 7], [2, 1, 3], [1, 9, 1], [7, 7, 7]] as const)
        for (const threads of [1, 2])
          for (const accumulate of [false, true]) {
            const A = operand(m, k, 'flipped');
            const B = operand(k, n, 'transposed');
            const c0 = randArray(m * n + 2);
            const got = c0.slice();
            const want = c0.slice();
            addon!.gemm(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, got, 1, accumulate, threads);
            naive(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, want, 1, accumulate);
            expect(got[0]).toBe(c0[0]);
            expect(got[m * n + 1]).toBe(c0[m * n + 1]);
            worst = Math.max(worst, relError(got, want));
          }
      expect(worst).toBeLessThan(1e-12);
    });

    it('k = 0 in the addon: C zeroed, or left as it is when accumulating; m or n = 0 writes nothing', () => {
      const c = new Float64Array([9, 1, 2, 3, 4, 5, 6, 9]);
      addon!.gemm(2, 3, 0, new Float64Array(0), 0, 0, 1, new Float64Array(0), 0, 3, 1, c, 1, true, 0);
      expect([...c]).toEqual([9, 1, 2, 3, 4, 5, 6, 9]);
      addon!.gemm(2, 3, 0, new Float64Array(0), 0, 0, 1, new Float64Array(0), 0, 3, 1, c, 1, false, 0);
      expect([...c]).toEqual([9, 0, 0, 0, 0, 0, 0, 9]);
      c.set([9, 1, 2, 3, 4, 5, 6, 9]);
      addon!.gemm(0, 3, 4, new Float64Array(0), 0, 4, 1, new Float64Array(12), 0, 3, 1, c, 0, false, 0);
      addon!.gemm(2, 0, 4, new Float64Array(8), 0, 4, 1, new Float64Array(0), 0, 0, 1, c, 0, false, 0);
      expect([...c]).toEqual([9, 1, 2, 3, 4, 5, 6, 9]);
    });

    it('NaN and infinities propagate as in the textbook sum (Inf·0 = NaN, Inf - Inf = NaN), edge tiles included', () => {
      for (const [m, n, k] of [[9, 17, 40], [6, 8, 300], [17, 5, 257]] as const) {
        const A = operand(m, k, 'row');
        const B = operand(k, n, 'transposed');
        // Row 1 of A: +Inf at p = 0 (meets B's zero in column 2: NaN there, +/-Inf elsewhere);
        // row 2: +Inf and -Inf (Inf - Inf = NaN where B's signs agree); row 3: NaN.
        A.data[A.off + 1 * A.rs] = Infinity;
        A.data[A.off + 2 * A.rs] = Infinity;
        A.data[A.off + 2 * A.rs + 5 * A.cs] = -Infinity;
        A.data[A.off + 3 * A.rs + 7 * A.cs] = NaN;
        B.data[B.off + 2 * B.cs] = 0;
        // B: an infinity in column n-1 (the last, partial tile), at p = k-1 (the last k block).
        B.data[B.off + (k - 1) * B.rs + (n - 1) * B.cs] = -Infinity;
        for (const kernel of [one!, nativeGemm!]) {
          const got = new Float64Array(m * n);
          const want = new Float64Array(m * n);
          kernel.gemm(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, got, 0, false);
          naive(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, want, 0, false);
          let nonFinite = 0;
          for (let i = 0; i < m * n; i++) {
            if (Number.isFinite(want[i]!)) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-9);
            else {
              nonFinite++;
              expect(got[i], `${kernel.name} ${m}x${k}·${k}x${n} element ${i}`).toBe(want[i]);
            }
          }
          expect(Number.isNaN(got[1 * n + 2]!)).toBe(true);
          expect(Number.isNaN(got[3 * n]!)).toBe(true);
          expect(nonFinite).toBeGreaterThan(3 * n);
        }
      }
    });
  });

  describe.runIf(wasmFma)('bit for bit the WebAssembly FMA kernel', () => {
    const wasm1 = createWasmGemm({ name: 'wasm-test-1t', minWork: 0, threadMinWork: Infinity });
    const wasm2 = createWasmGemm({ name: 'wasm-test-2t', minWork: 0, threadMinWork: 0, adaptive: false });
    beforeAll(async () => {
      expect(await startKernelThreads()).toBe(true);
    });

    function expectSameBits(c: Case, cOff = 5): void {
      const { outs, want } = run([one!, nativeGemm!, wasm1, wasm2], c, cOff);
      const [n1, n2, w1, w2] = outs as [Float64Array, Float64Array, Float64Array, Float64Array];
      expect(firstDifference(n1, w1), `native 1t vs wasm 1t ${label(c)}`).toBe(-1);
      expect(firstDifference(n2, w1), `native 2t vs wasm 1t ${label(c)}`).toBe(-1);
      expect(firstDifference(n1, w2), `native 1t vs wasm 2t ${label(c)}`).toBe(-1);
      expect(relError(n1, want)).toBeLessThan(1e-12);
    }

    it('every layout pair on edge-tile shapes, accumulate or not', () => {
      for (const [m, n, k] of [[9, 17, 255], [25, 33, 257], [6, 8, 513], [37, 1, 20], [1, 300, 9], [130, 97, 129]] as const)
        for (const la of layouts)
          for (const lb of layouts)
            for (const accumulate of [false, true]) expectSameBits({ m, n, k, la, lb, accumulate });
    });

    it('k over several 256-blocks, products large enough for two threads in both kernels, C at offsets 0, 1, 7', () => {
      const big: Case[] = [
        { m: 200, n: 150, k: 700, la: 'row', lb: 'transposed', accumulate: false },
        { m: 61, n: 290, k: 1030, la: 'transposed', lb: 'row', accumulate: true },
        { m: 301, n: 103, k: 512, la: 'strided', lb: 'flipped', accumulate: false },
        { m: 97, n: 13, k: 1000, la: 'flippedT', lb: 'strided', accumulate: true },
        { m: 64, n: 530, k: 300, la: 'broadcast', lb: 'row', accumulate: false },
      ];
      big.forEach((c, i) => expectSameBits(c, [0, 1, 7][i % 3]));
    });

    it('random shapes and layouts', () => {
      for (let t = 0; t < 60; t++) {
        const c: Case = {
          m: 1 + rng.int(120), n: 1 + rng.int(120), k: 1 + rng.int(800),
          la: layouts[rng.int(layouts.length)]!, lb: layouts[rng.int(layouts.length)]!, accumulate: rng.int(2) === 1,
        };
        if (c.m * c.n * c.k < 512) c.k += 512;
        expectSameBits(c, rng.int(9));
      }
    });
  });

  it('one thread and two give the same bits (the split is whole tiles; each element is summed in one place)', () => {
    for (const c of [
      { m: 300, n: 97, k: 800, la: 'row', lb: 'transposed', accumulate: false },
      { m: 97, n: 300, k: 300, la: 'transposed', lb: 'row', accumulate: true },
      { m: 17, n: 1030, k: 257, la: 'flipped', lb: 'strided', accumulate: false },
      { m: 530, n: 9, k: 70, la: 'strided', lb: 'flippedT', accumulate: true },
    ] satisfies Case[]) {
      const { outs } = run([one!, nativeGemm!], c);
      expect(firstDifference(outs[0]!, outs[1]!), label(c)).toBe(-1);
    }
  });

  describe('C overlapping A or B in the same memory', () => {
    /** Runs with C inside `buf` at cOff and A, B read from `buf` where asked, else from copies; returns C. */
    function aliased(threads: 1 | 2, m: number, n: number, k: number, accumulate: boolean, where: { a?: [number, number, number]; b?: [number, number, number] }): { got: Float64Array; want: Float64Array } {
      const len = 4 * (m * n + m * k + k * n) + 64;
      const buf = randArray(len);
      const cOff = 2 * (m * k + k * n) + 17;
      const separateA = operand(m, k, 'row');
      const separateB = operand(k, n, 'transposed');
      const [aOff, aRs, aCs] = where.a ?? [separateA.off, separateA.rs, separateA.cs];
      const [bOff, bRs, bCs] = where.b ?? [separateB.off, separateB.rs, separateB.cs];
      const aData = where.a ? buf : separateA.data;
      const bData = where.b ? buf : separateB.data;
      // The reference: the same product, with A, B and C in separate arrays.
      const aCopy = aData.slice();
      const bCopy = bData.slice();
      const want = buf.slice();
      addon!.gemm(m, n, k, aCopy, aOff, aRs, aCs, bCopy, bOff, bRs, bCs, want, cOff, accumulate, 1);
      // A second view of the same ArrayBuffer for C: overlap is by address, not by array object.
      const cView = new Float64Array(buf.buffer, 8 * cOff, m * n);
      addon!.gemm(m, n, k, aData, aOff, aRs, aCs, bData, bOff, bRs, bCs, cView, 0, accumulate, threads);
      return { got: buf, want };
    }

    it('A is C itself, B is C transposed, A and B both inside C, partial overlaps; one thread and two', () => {
      const cOffOf = (m: number, n: number, k: number): number => 2 * (m * k + k * n) + 17;
      for (const threads of [1, 2] as const)
        for (const accumulate of [false, true]) {
          // Square: A = C (row-major), B = Cᵀ (a transposed view of C). k > 256 and m > MC, so even one
          // thread packs parts of A and B after it has written parts of C.
          const s = 300;
          let r = aliased(threads, s, s, s, accumulate, { a: [cOffOf(s, s, s), s, 1], b: [cOffOf(s, s, s), 1, s] });
          expect(firstDifference(r.got, r.want), `A = C, B = Cᵀ, ${threads}t`).toBe(-1);
          // A starts inside C's second half and runs past its end.
          const [m, n, k] = [150, 70, 300];
          r = aliased(threads, m, n, k, accumulate, { a: [cOffOf(m, n, k) + (m * n) / 2 | 0, k, 1] });
          expect(firstDifference(r.got, r.want), `A over C's tail, ${threads}t`).toBe(-1);
          // B from C's 31st element past its end, read with negative strides.
          r = aliased(threads, m, n, k, accumulate, { b: [cOffOf(m, n, k) + 30 + k * n - 1, -n, -1] });
          expect(firstDifference(r.got, r.want), `B over C from element 30, flipped, ${threads}t`).toBe(-1);
          // Both, A broadcast from one row of C.
          r = aliased(threads, m, n, k, accumulate, { a: [cOffOf(m, n, k) + 3, 0, 1], b: [cOffOf(m, n, k) + 100, n, 1] });
          expect(firstDifference(r.got, r.want), `both inside C, ${threads}t`).toBe(-1);
        }
    });

    it('an operand next to C (touching, not overlapping) is read in place and the product is right', () => {
      const [m, n, k] = [20, 30, 40];
      const buf = randArray(m * k + m * n + k * n);
      const want = buf.slice();
      // A = [0, m·k), C = [m·k, m·k + m·n), B right after C.
      const cOff = m * k;
      const bOff = m * k + m * n;
      addon!.gemm(m, n, k, buf, 0, k, 1, buf, bOff, n, 1, buf, cOff, false, 2);
      naive(m, n, k, want, 0, k, 1, want, bOff, n, 1, want, cOff, false);
      expect(relError(buf.subarray(cOff, bOff), want.subarray(cOff, bOff))).toBeLessThan(1e-12);
      expect(firstDifference(buf.subarray(0, cOff), want.subarray(0, cOff))).toBe(-1);
      expect(firstDifference(buf.subarray(bOff), want.subarray(bOff))).toBe(-1);
    });
  });

  describe('hostile arguments into the addon: a RangeError naming gemm, and nothing written', () => {
    const a = new Float64Array(12).fill(1);
    const b = new Float64Array(20).fill(2);
    const c0 = new Float64Array(15).map((_, i) => i + 0.5);
    /** gemm(3×4 · 4×5) with these overrides (by argument index); C must be unchanged afterwards. */
    function attempt(override: Record<number, unknown>): () => void {
      const args: unknown[] = [3, 5, 4, a, 0, 4, 1, b, 0, 5, 1, c0.slice(), 0, false, 0];
      for (const [i, v] of Object.entries(override)) args[Number(i)] = v;
      return () => {
        const c = args[11];
        try {
          addon!.gemm(...args);
        } finally {
          if (c instanceof Float64Array && c.length === c0.length) expect(firstDifference(c, c0)).toBe(-1);
        }
      };
    }

    function expectRangeError(call: () => void, message: string): void {
      let thrown: unknown = null;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(RangeError);
      expect((thrown as RangeError).message).toBe(message);
      expect((thrown as { code?: string }).code).toBe('ERR_TENSORGRAD_NATIVE');
    }

    it('the baseline call works (so each failure below is the override)', () => {
      const c = c0.slice();
      addon!.gemm(3, 5, 4, a, 0, 4, 1, b, 0, 5, 1, c, 0, false, 0);
      expect([...c]).toEqual(new Array(15).fill(8));
    });

    it('C, A or B reaching past either end of its array', () => {
      const cases: [Record<number, unknown>, RegExp][] = [
        [{ 12: 1 }, /^gemm: C \[3, 5\] does not fit its array$/],
        [{ 12: -1 }, /^gemm: C \[3, 5\] does not fit its array$/],
        [{ 11: new Float64Array(14) }, /^gemm: C \[3, 5\] does not fit its array$/],
        [{ 4: 1 }, /^gemm: A \[3, 4\] reads outside its array$/],
        [{ 4: -1, 6: 2 }, /^gemm: A \[3, 4\] reads outside its array$/],
        [{ 5: 5 }, /^gemm: A \[3, 4\] reads outside its array$/],
        // Negative strides from the start of the array: the first row is fine, the second before index 0.
        [{ 5: -4 }, /^gemm: A \[3, 4\] reads outside its array$/],
        [{ 4: 10, 5: -4, 6: -1 }, /^gemm: A \[3, 4\] reads outside its array$/],
        [{ 8: 1 }, /^gemm: B \[4, 5\] reads outside its array$/],
        [{ 9: 0, 10: 5 }, /^gemm: B \[4, 5\] reads outside its array$/],
        [{ 9: -5, 8: 14 }, /^gemm: B \[4, 5\] reads outside its array$/],
        // Strides that overflow 64-bit offsets ((m-1)·rs ≥ 2^63) or sit at double precision's end.
        [{ 5: 2 ** 52 }, /^gemm: A \[3, 4\] reads outside its array$/],
        [{ 5: -(2 ** 52) }, /^gemm: A \[3, 4\] reads outside its array$/],
        [{ 0: 2 ** 30, 5: 2 ** 52 * 1.5 }, /^gemm: (C \[1073741824, 5\] does not fit|A \[1073741824, 4\] reads outside) its array$/],
        [{ 4: 2 ** 53 - 1, 5: -(2 ** 52), 6: -(2 ** 51) }, /^gemm: A \[3, 4\] reads outside its array$/],
        [{ 8: 2 ** 53 - 2, 9: -(2 ** 53 - 2) / 3, 10: 0 }, /^gemm: B \[4, 5\] reads outside its array$/],
        // m·n far beyond a small C (m·n = 2^60 as a double).
        [{ 0: 2 ** 30, 1: 2 ** 30 }, /^gemm: C \[1073741824, 1073741824\] does not fit its array$/],
        [{ 0: 2 ** 30, 1: 2 ** 30, 2: 0 }, /^gemm: C \[1073741824, 1073741824\] does not fit its array$/],
      ];
      for (const [override, message] of cases) {
        expect(attempt(override), JSON.stringify(override)).toThrow(RangeError);
        expect(attempt(override), JSON.stringify(override)).toThrow(message);
      }
    });

    it('m, n or k negative or above 2^30 (the blocked loops count in 32-bit ints), even with stride-0 operands', () => {
      for (const override of [{ 0: -1 }, { 1: -3 }, { 2: -1 }, { 0: 2 ** 31 - 1, 1: 2 ** 31 - 1 }, { 1: 2 ** 30 + 1 }]) {
        expect(attempt(override), JSON.stringify(override)).toThrow(/^gemm: m, n and k must be in \[0, 2\^30\]$/);
      }
      // k = 2^31 - 1 over two one-element operands (stride 0): every read is in bounds, but the k loop
      // would step past 2^31 - 1 (this crashed the process before the limit was 2^30).
      const c = new Float64Array([7]);
      expect(() => addon!.gemm(1, 1, 2 ** 31 - 1, new Float64Array([1]), 0, 0, 0, new Float64Array([1]), 0, 0, 0, c, 0, false, 1)).toThrow(RangeError);
      expect(c[0]).toBe(7);
    });

    it('numbers that are not indices: fractions, NaN, infinities, beyond 2^53, strings, missing', () => {
      for (const i of [0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 14]) {
        for (const v of [1.5, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 54), '1', undefined, null, 1n, {}]) {
          expectRangeError(attempt({ [i]: v }), `gemm: argument ${i} must be an integer`);
        }
      }
      expect(() => (addon!.gemm as (...args: unknown[]) => void)(3, 5, 4, a, 0, 4, 1, b, 0, 5, 1, c0.slice(), 0, false)).toThrow('gemm: expected 15 arguments');
    });

    it('arrays that are not Float64Arrays, and accumulate that is not a boolean', () => {
      for (const i of [3, 7, 11]) {
        for (const v of [new Float32Array(64), Array.from({ length: 64 }, () => 1), new BigInt64Array(64), new DataView(new ArrayBuffer(512)), new ArrayBuffer(512), null]) {
          expectRangeError(attempt({ [i]: v }), 'gemm: a, b and c must be Float64Arrays');
        }
      }
      for (const v of [1, 0, 'true', null, undefined]) expectRangeError(attempt({ 13: v }), 'gemm: accumulate must be a boolean');
    });

    it('a huge or odd thread count runs the product on one thread (no out-of-range conversion)', () => {
      for (const threads of [2 ** 40, -(2 ** 40), 3, -1]) {
        const c = c0.slice();
        addon!.gemm(3, 5, 4, a, 0, 4, 1, b, 0, 5, 1, c, 0, true, threads);
        expect([...c]).toEqual([...c0].map((v) => v + 8));
      }
    });

    it('a detached array is an empty one: out of bounds, nothing touched', () => {
      const c = new Float64Array(15);
      structuredClone(c.buffer, { transfer: [c.buffer] });
      expect(c.length).toBe(0);
      expect(() => addon!.gemm(3, 5, 4, a, 0, 4, 1, b, 0, 5, 1, c, 0, false, 0)).toThrow(/^gemm: C \[3, 5\] does not fit its array$/);
      const detachedA = new Float64Array(12);
      structuredClone(detachedA.buffer, { transfer: [detachedA.buffer] });
      const ok = c0.slice();
      expect(() => addon!.gemm(3, 5, 4, detachedA, 0, 4, 1, b, 0, 5, 1, ok, 0, false, 0)).toThrow(/^gemm: A \[3, 4\] reads outside its array$/);
      expect(firstDifference(ok, c0)).toBe(-1);
    });
  });

  describe('the helper thread', () => {
    it("is 'on' after a product above the default threadMinWork", () => {
      configureNativeKernel({ threadMinWork: defaultThreadMinWork });
      try {
        const side = Math.ceil(Math.cbrt(defaultThreadMinWork)) + 8;
        const A = operand(side, side, 'row');
        const B = operand(side, side, 'row');
        const c = new Float64Array(side * side);
        nativeGemm!.gemm(side, side, side, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, c, 0, false);
        const now = nativeKernelInfo();
        expect(now.available && now.helper).toBe('on');
        expect(now.available && now.threadMinWork).toBe(defaultThreadMinWork);
      } finally {
        configureNativeKernel({ threadMinWork: 0 });
      }
    });

    it('2,000 threaded products in a row from this thread and 2,000 from a worker thread at once: no deadlock, the one-thread bits', async () => {
      const [m, n, k] = [24, 40, 30];
      const A = operand(m, k, 'row');
      const B = operand(k, n, 'transposed');
      const c0 = randArray(m * n);
      // References on one thread: C = A·B, then C += A·B.
      const first = new Float64Array(m * n);
      addon!.gemm(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, first, 0, false, 1);
      const second = c0.slice();
      addon!.gemm(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, second, 0, true, 1);
      // The worker loads the same addon (one helper per process) and runs the same products.
      const worker = new Worker(
        `const { parentPort, workerData: w } = require('node:worker_threads');
        const addon = require(w.addonPath);
        let bad = 0;
        const c = new Float64Array(w.m * w.n);
        for (let t = 0; t < 2000; t++) {
          const accumulate = t % 2 === 1;
          if (accumulate) c.set(w.c0); // (else the product overwrites C)
          addon.gemm(w.m, w.n, w.k, w.a, w.aOff, w.aRs, w.aCs, w.b, w.bOff, w.bRs, w.bCs, c, 0, accumulate, 2);
          const want = accumulate ? w.second : w.first;
          for (let i = 0; i < c.length; i++) if (!Object.is(c[i], want[i])) { bad++; break; }
        }
        parentPort.postMessage(bad);`,
        {
          eval: true,
          workerData: { addonPath, m, n, k, a: A.data, aOff: A.off, aRs: A.rs, aCs: A.cs, b: B.data, bOff: B.off, bRs: B.rs, bCs: B.cs, c0, first, second },
        },
      );
      const workerBad = new Promise<number>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      let bad = 0;
      const c = new Float64Array(m * n);
      for (let t = 0; t < 2000; t++) {
        const accumulate = t % 2 === 1;
        if (accumulate) c.set(c0);
        nativeGemm!.gemm(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, c, 0, accumulate);
        if (firstDifference(c, accumulate ? second : first) !== -1) bad++;
      }
      expect(bad).toBe(0);
      expect(await workerBad).toBe(0);
      await worker.terminate();
    }, 30_000);
  });

  describe('child processes', () => {
    const child = (env: Record<string, string>, code: string): { out: string; err: string; status: number | null } => {
      const r = spawnSync(process.execPath, ['--conditions=@tensorgrad/source', '--import', 'tsx', '--input-type=module', '-e', code], {
        cwd: repoRoot,
        env: { ...process.env, TENSORGRAD_KERNEL: '', ...env },
        encoding: 'utf8',
        timeout: 60_000,
      });
      return { out: r.stdout, err: r.stderr, status: r.status };
    };
    const opsUrl = pathToFileURL(fileURLToPath(new URL('../src/index.ts', import.meta.url))).href;
    const wasmUrl = pathToFileURL(fileURLToPath(new URL('../src/kernels/gemm-wasm.ts', import.meta.url))).href;

    it("TENSORGRAD_NATIVE=0: the default kernel is 'wasm' and nativeKernelInfo says why native is off", () => {
      const r = child({ TENSORGRAD_NATIVE: '0' }, `
        const ops = await import(${JSON.stringify(opsUrl)});
        console.log(JSON.stringify({ kernel: ops.gemmKernel().name, names: ops.gemmKernelNames(), info: ops.nativeKernelInfo(), wasm: ops.wasmKernelInfo().available }));`);
      expect(r.status, r.err).toBe(0);
      const got = JSON.parse(r.out.trim().split('\n').pop()!);
      expect(got.info).toEqual({ available: false, reason: 'TENSORGRAD_NATIVE=0' });
      expect(got.names).not.toContain('native');
      expect(got.kernel).toBe(got.wasm ? 'wasm' : 'ts');
    }, 60_000);

    it('TENSORGRAD_NATIVE_ISA naming no instruction set here: wasm is the default and the reason names the value', () => {
      const r = child({ TENSORGRAD_NATIVE_ISA: 'sse9' }, `
        const ops = await import(${JSON.stringify(opsUrl)});
        console.log(JSON.stringify({ kernel: ops.gemmKernel().name, info: ops.nativeKernelInfo(), wasm: ops.wasmKernelInfo().available }));`);
      expect(r.status, r.err).toBe(0);
      const got = JSON.parse(r.out.trim().split('\n').pop()!);
      expect(got.info.available).toBe(false);
      expect(got.info.reason).toMatch(/TENSORGRAD_NATIVE_ISA=sse9 is not an instruction set this processor has/);
      expect(got.kernel).toBe(got.wasm ? 'wasm' : 'ts');
    }, 60_000);

    const cpuFlags = ((): string => {
      try {
        return readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '';
      } catch {
        return '';
      }
    })();
    const hasAvx2Fma = / avx2( |$)/.test(cpuFlags) && / fma( |$)/.test(cpuFlags);

    it.runIf(hasAvx2Fma && wasmFma)('TENSORGRAD_NATIVE_ISA=avx2: the 6×8 AVX2 micro-kernel, the WebAssembly FMA bits', () => {
      const r = child({ TENSORGRAD_NATIVE_ISA: 'avx2' }, `
        const ops = await import(${JSON.stringify(opsUrl)});
        const { createWasmGemm } = await import(${JSON.stringify(wasmUrl)});
        const wasm = createWasmGemm({ name: 'w', minWork: 0, threadMinWork: Infinity });
        const native = ops.gemmKernel();
        ops.configureNativeKernel({ threadMinWork: 0 });
        let seed = 1;
        const rand = (len) => Float64Array.from({ length: len }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1);
        let differences = 0;
        for (const [m, n, k, transposed, accumulate] of [[7, 9, 300, false, false], [13, 17, 513, true, true], [50, 61, 257, false, true], [1, 100, 600, true, false], [97, 5, 40, true, true]]) {
          const a = rand(m * k + 1), b = rand(k * n), c0 = rand(m * n + 2);
          const x = c0.slice(), y = c0.slice();
          const [aRs, aCs] = transposed ? [1, m] : [k, 1];
          native.gemm(m, n, k, a, 1, aRs, aCs, b, 0, n, 1, x, 2, accumulate);
          wasm.gemm(m, n, k, a, 1, aRs, aCs, b, 0, n, 1, y, 2, accumulate);
          for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) differences++;
        }
        console.log(JSON.stringify({ kernel: native.name, info: ops.nativeKernelInfo(), differences }));`);
      expect(r.status, r.err).toBe(0);
      const got = JSON.parse(r.out.trim().split('\n').pop()!);
      expect(got.kernel).toBe('native');
      expect(got.info).toMatchObject({ available: true, isa: 'avx2', microTile: '6x8', sameBitsAsWasm: true, helper: 'on' });
      expect(got.differences).toBe(0);
    }, 60_000);
  });

  describe.runIf(wasmFma)('training', () => {
    const initial = gemmKernel().name;
    afterAll(() => setGemmKernel(initial));

    /** 20 SGD steps of the lecture's 2-layer net (linear, ReLU, linear, softmax cross-entropy) from a fixed start. */
    function train(kernel: string): Float64Array[] {
      setGemmKernel(kernel);
      const [N, D, H, C] = [64, 50, 100, 10];
      const x = randn([N, D], { seed: 11 });
      const oneHot = new Float64Array(N * C);
      for (let i = 0; i < N; i++) oneHot[i * C + ((i * 7) % C)] = 1;
      const y = fromData(oneHot, [N, C]);
      const params: Tensor[] = [
        randn([H, D], { seed: 12, std: Math.sqrt(2 / D), requiresGrad: true }),
        randn([H], { seed: 13, std: 0.1, requiresGrad: true }),
        randn([C, H], { seed: 14, std: Math.sqrt(2 / H), requiresGrad: true }),
        randn([C], { seed: 15, std: 0.1, requiresGrad: true }),
      ];
      const [w1, b1, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
      for (let step = 0; step < 20; step++) {
        for (const p of params) p.zeroGrad();
        const scores = linear(relu(linear(x, w1, b1)), w2, b2);
        const loss = neg(mean(sum(mul(logSoftmax(scores), y), 1)));
        loss.backward();
        noGrad(() => {
          for (const p of params) {
            const g = p.grad!.data;
            p.mutate((d) => {
              for (let i = 0; i < d.length; i++) d[i] = d[i]! - 0.5 * g[i]!;
            });
          }
        });
      }
      return params.map((p) => p.data.slice());
    }

    it("20 SGD steps with 'native' and with 'wasm' end with the same bits in every weight", () => {
      const native = train('native');
      const wasm = train('wasm');
      const ts = train('ts');
      for (let i = 0; i < native.length; i++) {
        expect(firstDifference(native[i]!, wasm[i]!), `parameter ${i}`).toBe(-1);
        // The steps did move the weights (and the TypeScript kernel's differently rounded run stays close).
        expect(relError(ts[i]!, native[i]!)).toBeLessThan(1e-9);
      }
      // The TypeScript kernel rounds without fused multiply-adds: some last bit differs, so the
      // comparison above can see a rounding difference.
      expect(native.some((w, i) => firstDifference(w, ts[i]!) !== -1)).toBe(true);
      const start = randn([100, 50], { seed: 12, std: Math.sqrt(2 / 50) }).data;
      expect(relError(native[0]!, start)).toBeGreaterThan(1e-3);
    });
  });
});

describe.skipIf(!available)('the native kernel: y += alpha·x (plain SGD update)', () => {
  const loop = (alpha: number, x: Float64Array, y: Float64Array): void => {
    for (let i = 0; i < y.length; i++) y[i] += alpha * x[i]!;
  };
  const kernels = [nativeGemm!, one!];

  it('rounds as the element-by-element loop, bit for bit, on one and two threads, with specials', () => {
    for (const n of [1000, 1024, 1025, 32767, 32768, 32769, 100_003, 307_200]) {
      const x = randArray(n + 3);
      const y0 = randArray(n);
      x[5] = Infinity;
      x[n - 1] = NaN;
      y0[7] = -Infinity;
      y0[n >> 1] = 1e308;
      x[n >> 1] = 1e308;
      for (const alpha of [-1e-3, 0.5, -0]) {
        const want = y0.slice();
        loop(alpha, x, want);
        for (const kernel of kernels) {
          const got = y0.slice();
          kernel.axpy!(alpha, x, got);
          for (let i = 0; i < n; i++) if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) expect.fail(`${kernel.name} n=${n} alpha=${alpha}: y[${i}] = ${got[i]}, expected ${want[i]}`);
        }
      }
    }
  });

  it('x and y one array: y += alpha·y; overlapping but distinct views: the sequential loop', () => {
    const n = 50_000;
    const base = randArray(n + 16);
    const same = base.slice(0, n);
    const want = same.slice();
    loop(0.25, want, want);
    nativeGemm!.axpy!(0.25, same, same);
    expect(same).toEqual(want);
    // y starts 8 values after x inside one buffer: element i reads x[i] = y[i - 8], already updated.
    const shared = base.slice();
    const x = shared.subarray(0, n);
    const y = shared.subarray(8, 8 + n);
    const expected = base.slice();
    loop(0.5, expected.subarray(0, n), expected.subarray(8, 8 + n));
    nativeGemm!.axpy!(0.5, x, y);
    expect(shared).toEqual(expected);
  });

  it('plain SGD goes through it; momentum and weight decay keep their own loops', () => {
    const n = 40_000;
    const w0 = randArray(n);
    const g = randArray(n);
    const plain = w0.slice();
    nativeGemm!.sgdUpdate!(plain, g, null, { lr: 0.1, momentum: 0, weightDecay: 0, nesterov: false });
    const want = w0.slice();
    loop(-0.1, g, want);
    expect(plain).toEqual(want);
    const decayed = w0.slice();
    nativeGemm!.sgdUpdate!(decayed, g, null, { lr: 0.1, momentum: 0, weightDecay: 0.01, nesterov: false });
    const wantDecayed = w0.map((v, i) => v - 0.1 * (g[i]! + 0.01 * v));
    expect(decayed).toEqual(wantDecayed);
  });

  it('refuses an x shorter than y with a RangeError naming axpy', () => {
    const raw = createRequire(import.meta.url)(addonPath) as { axpy(alpha: number, x: unknown, y: unknown, threads: number): boolean };
    expect(() => raw.axpy(1, new Float64Array(10), new Float64Array(11), 0)).toThrow(/axpy: x has 10 values, fewer than y's 11/);
    expect(() => raw.axpy(1, [1, 2], new Float64Array(2), 0)).toThrow(RangeError);
    expect(() => raw.axpy(1, new Float32Array(4), new Float64Array(2), 0)).toThrow(/Float64Arrays/);
  });
});

describe.skipIf(!available)('the native kernel: SGD (momentum, weight decay, Nesterov) and Adam updates', () => {
  const kernels = [nativeGemm!, one!];
  const same = (got: Float64Array, want: Float64Array, what: string): void => {
    for (let i = 0; i < want.length; i++) {
      if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) expect.fail(`${what}: [${i}] = ${got[i]}, expected ${want[i]}`);
    }
  };
  const withSpecials = (a: Float64Array): Float64Array => {
    a[3] = NaN;
    a[11] = Infinity;
    a[19] = -0;
    a[27] = 1e-310;
    return a;
  };

  it('SGD rounds as the element-by-element loop, bit for bit, on one and two threads', () => {
    const cases = [
      { lr: 0.1, momentum: 0, weightDecay: 0.01, nesterov: false },
      { lr: 0.05, momentum: 0.9, weightDecay: 0, nesterov: false },
      { lr: 0.05, momentum: 0.9, weightDecay: 1e-4, nesterov: false },
      { lr: 0.05, momentum: 0.9, weightDecay: 1e-4, nesterov: true },
    ];
    for (const n of [1024, 5000, 32768, 70_001]) {
      const w0 = withSpecials(randArray(n));
      const g = withSpecials(randArray(n + 2));
      const b0 = randArray(n);
      for (const c of cases) {
        const want = w0.slice();
        const wantB = b0.slice();
        sgdLoop(want, g, wantB, c);
        for (const kernel of kernels) {
          const w = w0.slice();
          const b = b0.slice();
          kernel.sgdUpdate!(w, g, b, c);
          same(w, want, `${kernel.name} n=${n} ${JSON.stringify(c)} w`);
          if (c.momentum !== 0) same(b, wantB, `${kernel.name} n=${n} ${JSON.stringify(c)} buffer`);
        }
      }
    }
  });

  it('Adam rounds as the element-by-element loop, bit for bit, on one and two threads', () => {
    for (const n of [1024, 5000, 32768, 70_001]) {
      const w0 = withSpecials(randArray(n));
      const g = withSpecials(randArray(n));
      const m0 = randArray(n);
      const v0 = randArray(n).map(Math.abs);
      for (const c of [
        { weightDecay: 0, beta1: 0.9, beta2: 0.999, stepSize: 1e-3 / (1 - 0.9 ** 3), sqrtCorrection2: Math.sqrt(1 - 0.999 ** 3), eps: 1e-8 },
        { weightDecay: 0.01, beta1: 0.8, beta2: 0.99, stepSize: 0.01, sqrtCorrection2: 0.5, eps: 1e-6 },
      ]) {
        const [w1, m1, v1] = [w0.slice(), m0.slice(), v0.slice()];
        adamLoop(w1, g, m1, v1, c);
        for (const kernel of kernels) {
          const [w, m, v] = [w0.slice(), m0.slice(), v0.slice()];
          kernel.adamUpdate!(w, g, m, v, c);
          same(w, w1, `${kernel.name} n=${n} w`);
          same(m, m1, `${kernel.name} n=${n} m`);
          same(v, v1, `${kernel.name} n=${n} v`);
        }
      }
    }
  });

  it('overlapping arrays take the sequential loop; short ones are a RangeError naming the op', () => {
    const n = 40_000;
    const c = { lr: 0.1, momentum: 0.9, weightDecay: 0, nesterov: false };
    const shared = randArray(2 * n + 8);
    const expected = shared.slice();
    sgdLoop(expected.subarray(0, n), expected.subarray(n, 2 * n), expected.subarray(4, n + 4), c);
    nativeGemm!.sgdUpdate!(shared.subarray(0, n), shared.subarray(n, 2 * n), shared.subarray(4, n + 4), c);
    expect(shared).toEqual(expected);
    const raw = createRequire(import.meta.url)(addonPath) as {
      sgd(...args: unknown[]): boolean;
      adam(...args: unknown[]): boolean;
    };
    expect(() => raw.sgd(new Float64Array(10), new Float64Array(9), null, 0.1, 0, 0.1, false, 0)).toThrow(/sgd: g has 9 values, fewer than w's 10/);
    expect(() => raw.sgd(new Float64Array(10), new Float64Array(10), null, 0.1, 0.9, 0, false, 0)).toThrow(/sgd: buffer must be a Float64Array/);
    expect(() => raw.adam(new Float64Array(10), new Float64Array(10), new Float64Array(10), new Float64Array(3), 0, 0.9, 0.99, 1, 1, 1e-8, 0)).toThrow(/adam: v has 3 values/);
    expect(() => raw.adam(new Float64Array(10), new Float64Array(10), new Float64Array(10), new Float64Array(10), 0, '0.9', 0.99, 1, 1, 1e-8, 0)).toThrow(/adam: the coefficients/);
  });
});
