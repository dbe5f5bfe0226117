/**
 * Suite 3: matmul GFLOP/s (2·m·n·k flops per product) through tensorgrad's `matmul`, for every gemm kernel,
 * against the textbook triple loop: square n×n products, then the three products of the training step at
 * (N, D, H) = (200, 3072, 100): X·W, Xᵀ·dY and dY·Wᵀ, with the transposes as stride views (as backward
 * reads them).
 *
 * The square rows are the headline: `matmul(randn([n, n]), randn([n, n]))` as a user writes it, plain
 * tensors in JavaScript memory, a fresh result each call. Beside them, in the same suite, the same
 * operands moved into the kernels' memory (the WebAssembly arena, which the native kernel reads and
 * writes too) with `toKernelMemory` (read in place: no copy in): at n = 512 in a quick run, every n in a
 * full one. At n = 512 each kernel's product is also timed call by call (after benchmark.js, with
 * performance.now() around each call), for the spread between calls. A quick run times those extra
 * rows on the default kernel and wasm only.
 *
 * The step's products have their operands where the default training step has them: x in JavaScript
 * memory (an ordinary tensor), W in the kernel's memory (nn's Linear keeps its weight there), dY, as a
 * gradient from an elementwise op, in JavaScript memory. Every result is a new tensor in JavaScript memory
 * (its copy out is timed).
 */
import { matmul, randn, transpose, type Tensor } from 'tensorgrad';
import { toKernelMemory } from 'tensorgrad/kernels';
import { formatSeconds, runSuite, type BenchOptions, type Budget, type Case } from './src/bench.js';
import { availableKernels, timesVariants, useKernel } from './src/kernels.js';
import type { MatmulCallsRow, MatmulRow, Report } from './src/report.js';

export const squareSizes = [64, 128, 256, 512, 1024];

/** The square size whose products are also timed call by call. */
export const spreadSize = 512;

/** What a row's label gets when its operands were moved into the kernel's memory. */
export const kernelMemorySuffix = ', kernel memory';

/** C = A·B by the definition, i-j-p order over row-major arrays: the baseline every kernel must beat. */
export function naiveMatmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
      c[i * n + j] = s;
    }
  }
  return c;
}

interface Operands {
  label: string;
  a: Tensor;
  b: Tensor;
}

interface Product {
  /** For file names. */
  slug: string;
  /** The headline operands, and optionally the same values placed elsewhere (timed in the same suite). */
  variants: Operands[];
  /** Time each kernel's calls one by one too (for the spread). */
  perCall?: boolean;
}

function budgetFor(flops: number, quick: boolean, naive: boolean): Budget {
  // The naive loop at n = 1024 takes seconds per call: one sample is enough to show the gap.
  if (naive && flops > 1e9) return { maxTime: 0, minSamples: 1 };
  if (flops > 1e9) return { maxTime: quick ? 0.25 : 1, minSamples: 3 };
  return quick ? { maxTime: 0.25, minSamples: 3 } : { maxTime: 1, minSamples: 5 };
}

function quantile(sorted: readonly number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

/**
 * Seconds of each of `calls` calls of `fn` (after `warmup` untimed ones), sorted. Calls enough for a
 * spread (at least 15, up to 50) within about `seconds` at the median benchmark.js measured.
 */
function timeCalls(fn: () => unknown, median: number, seconds: number, warmup = 3): number[] {
  const calls = Math.max(15, Math.min(50, Math.round(seconds / median)));
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    fn();
    times.push((performance.now() - start) / 1e3);
  }
  return times.sort((x, y) => x - y);
}

async function measure(file: string, group: MatmulRow['group'], products: readonly Product[], options: BenchOptions, report: Report): Promise<void> {
  const kernels = availableKernels();
  // A quick run times the other operands and the per-call spread on the default kernel and wasm only.
  const full = (kernel: string): boolean => timesVariants(kernel, report.defaultKernel, options.quick);
  for (const { slug, variants, perCall } of products) {
    const head = variants[0]!;
    const [m, k] = head.a.shape as [number, number];
    const n = head.b.shape[1]!;
    const flops = 2 * m * n * k;
    // Case names: the kernel for the headline operands, `<kernel><suffix>` for the others.
    const caseName = (kernel: string, v: Operands): string => (v === head ? kernel : `${kernel}${v.label.slice(head.label.length)}`);
    const cases: (Case & { kernel: string; operands: Operands })[] = kernels.flatMap((kernel) =>
      (full(kernel) ? variants : [head]).map((v) => ({
        name: caseName(kernel, v),
        kernel,
        operands: v,
        fn: () => {
          useKernel(kernel);
          return matmul(v.a, v.b);
        },
        budget: budgetFor(flops, options.quick, false),
      })),
    );
    // The naive loop gets contiguous operands (a transposed view is copied once, outside the timing).
    const aData = head.a.data;
    const bData = head.b.data;
    cases.push({ name: 'naive', kernel: 'naive', operands: head, fn: () => naiveMatmul(aData, bData, m, k, n), budget: budgetFor(flops, options.quick, true) });
    const timings = await runSuite(`${file}-${slug}`, `matmul ${head.label}: [${m}×${k}]·[${k}×${n}]`, cases, budgetFor(flops, options.quick, false));
    for (const c of cases) {
      const timing = timings.get(c.name);
      if (timing !== undefined) report.matmul.push({ group, label: c.operands.label, m, k, n, kernel: c.kernel, timing });
    }
    if (!perCall) continue;
    for (const c of cases) {
      const timing = timings.get(c.name);
      if (c.kernel === 'naive' || !full(c.kernel) || timing === undefined) continue;
      const times = timeCalls(c.fn, timing.median, options.quick ? 0.75 : 2);
      const row: MatmulCallsRow = { label: c.operands.label, m, k, n, kernel: c.kernel, calls: times.length, p10: quantile(times, 0.1), median: quantile(times, 0.5), p90: quantile(times, 0.9) };
      report.matmulCalls.push(row);
      const rate = ((2 * m * k * n) / row.median / 1e9).toFixed(1);
      console.log(`  ${`${c.name}, per call`.padEnd(40)} median ${formatSeconds(row.median).padStart(9)}/call (${rate} GFLOP/s)  p10 ${formatSeconds(row.p10)}  p90 ${formatSeconds(row.p90)}  p90/p10 ${(row.p90 / row.p10).toFixed(2)}  (${row.calls} calls)`);
    }
  }
}

export async function run(options: BenchOptions, report: Report): Promise<void> {
  const sizes = options.quick ? squareSizes.filter((n) => n <= 512) : squareSizes;
  const square = sizes.map((n): Product => {
    const a = randn([n, n], { seed: n });
    const b = randn([n, n], { seed: n + 1 });
    const inKernel = !options.quick || n === spreadSize;
    return {
      slug: `${n}`,
      variants: [{ label: `n=${n}`, a, b }, ...(inKernel ? [{ label: `n=${n}${kernelMemorySuffix}`, a: toKernelMemory(a), b: toKernelMemory(b) }] : [])],
      perCall: n === spreadSize,
    };
  });
  await measure('matmul-square', 'square', square, options, report);

  const [N, D, H] = [200, 3072, 100];
  const x = randn([N, D], { seed: 1 });
  const w = toKernelMemory(randn([D, H], { seed: 2 }));
  const dy = randn([N, H], { seed: 3 });
  const step: Product[] = [
    { slug: 'X_W', variants: [{ label: 'X·W', a: x, b: w }] },
    { slug: 'XT_dY', variants: [{ label: 'Xᵀ·dY', a: transpose(x), b: dy }] },
    { slug: 'dY_WT', variants: [{ label: 'dY·Wᵀ', a: dy, b: transpose(w) }] },
  ];
  await measure('matmul-step', 'step', step, options, report);
}
