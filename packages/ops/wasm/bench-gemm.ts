/**
 * Quick standalone gemm measurement (the official benchmarks live in benchmarks/):
 *   tsx --conditions=@tensorgrad/source packages/ops/wasm/bench-gemm.ts [--quick]
 * Prints median GFLOP/s over repeated runs for the naive loop, the TS kernel, WebAssembly on one thread
 * and on two, for square sizes, transposed layouts and the training step's products; and the cost of
 * the copies into WebAssembly memory.
 */
import { tsGemm } from '../src/kernels/gemm-ts.js';
import { createWasmGemm } from '../src/kernels/gemm-wasm.js';
import { wasmThreadsActive } from '../src/kernels/threads.js';
import type { Backend } from '../src/kernels/types.js';
import { wasmFma } from '../src/kernels/wasm-module.js';

const quick = process.argv.includes('--quick');
const reps = quick ? 3 : 9;
const one = createWasmGemm({ name: 'wasm-st', threadMinWork: Infinity });
const two = createWasmGemm({ name: 'wasm-2t', threadMinWork: 0, adaptive: false });
const auto = createWasmGemm({ name: 'wasm' });

function rand(len: number): Float64Array {
  const x = new Float64Array(len);
  for (let i = 0; i < len; i++) x[i] = Math.random() - 0.5;
  return x;
}

function median(f: () => void, r = reps): number {
  f();
  const t: number[] = [];
  for (let i = 0; i < r; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  t.sort((x, y) => x - y);
  return t[r >> 1]!;
}

/** The naive triple loop in its cache-friendly i-p-j order (what a careful first attempt writes). */
function naive(m: number, n: number, k: number, a: Float64Array, b: Float64Array, c: Float64Array): void {
  c.fill(0);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]!;
      for (let j = 0; j < n; j++) c[i * n + j] += av * b[p * n + j]!;
    }
}

type Layout = 'NN' | 'TN' | 'NT';
function run(kernel: Backend, m: number, n: number, k: number, layout: Layout, a: Float64Array, b: Float64Array, c: Float64Array): void {
  // NN: A [m,k], B [k,n]; TN: A viewed from a [k,m] array (Aᵀ·dC); NT: B viewed from [n,k] (dC·Bᵀ).
  if (layout === 'NN') kernel.gemm(m, n, k, a, 0, k, 1, b, 0, n, 1, c, 0, false);
  else if (layout === 'TN') kernel.gemm(m, n, k, a, 0, 1, m, b, 0, n, 1, c, 0, false);
  else kernel.gemm(m, n, k, a, 0, k, 1, b, 0, 1, k, c, 0, false);
}

const gf = (m: number, n: number, k: number, ms: number) => ((2 * m * n * k) / ms / 1e6).toFixed(1);
const rows: string[][] = [['product', 'naive', 'ts', 'wasm-st', 'wasm 2t', 'wasm']];
function measure(label: string, m: number, n: number, k: number, layout: Layout, withNaive: boolean): void {
  const a = rand(m * k), b = rand(k * n), c = new Float64Array(m * n);
  const r = [label];
  r.push(withNaive ? gf(m, n, k, median(() => naive(m, n, k, a, b, c), 3)) : '-');
  r.push(gf(m, n, k, median(() => run(tsGemm, m, n, k, layout, a, b, c), Math.min(reps, 5))));
  for (const kern of [one, two, auto]) r.push(gf(m, n, k, median(() => run(kern, m, n, k, layout, a, b, c))));
  rows.push(r);
}

// Start the worker and let it come up before timing.
two.gemm(64, 64, 64, rand(4096), 0, 64, 1, rand(4096), 0, 64, 1, new Float64Array(4096), 0, false);
await new Promise((r) => setTimeout(r, 300));
two.gemm(64, 64, 64, rand(4096), 0, 64, 1, rand(4096), 0, 64, 1, new Float64Array(4096), 0, false);
if (!wasmThreadsActive()) console.log('(second thread unavailable: the 2t column is one thread)');
console.log(`WebAssembly micro-kernel: ${wasmFma ? '6x4, fused multiply-add (relaxed SIMD)' : '4x4, mul + add'}; medians of ${reps} runs, GFLOP/s`);

for (const n of quick ? [128, 512] : [64, 128, 256, 512, 1024]) measure(`n=${n} NN`, n, n, n, 'NN', n <= 512);
measure('n=512 TN (Aᵀ·B)', 512, 512, 512, 'TN', false);
measure('n=512 NT (A·Bᵀ)', 512, 512, 512, 'NT', false);
measure('X·W1 200x3072·3072x100', 200, 100, 3072, 'NN', false);
measure('Xᵀ·dH 3072x200·200x100', 3072, 100, 200, 'TN', false);
measure('dH·W1ᵀ 200x100·100x3072', 200, 3072, 100, 'NT', false);
measure('linear fwd X·W1ᵀ 200x3072·3072x100', 200, 100, 3072, 'NT', false);
measure('linear dW1 dYᵀ·X 100x200·200x3072', 100, 3072, 200, 'TN', false);
measure('h·W2 200x100·100x10', 200, 10, 100, 'NN', false);
console.log(rows.map((r) => r.map((x, i) => (i === 0 ? x.padEnd(26) : x.padStart(11))).join('')).join('\n'));

// Copy cost at n = 512: the two operand copies in and the product copy out, against the whole call.
{
  const n = 512;
  const a = rand(n * n), b = rand(n * n), c = new Float64Array(n * n);
  const big = new Float64Array(3 * n * n + 64);
  const copy = median(() => {
    big.set(a, 0);
    big.set(b, n * n);
    c.set(big.subarray(2 * n * n, 3 * n * n));
  }, 21);
  const call = median(() => run(one, n, n, n, 'NN', a, b, c));
  console.log(`copies at n=512: ${copy.toFixed(3)} ms of ${call.toFixed(2)} ms per one-thread call (${((100 * copy) / call).toFixed(1)}%)`);
}
