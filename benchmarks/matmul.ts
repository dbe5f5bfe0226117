/**
 * Suite 3: matmul GFLOP/s (2·m·n·k flops per product) through tensorgrad's `matmul`, for every gemm kernel,
 * against the textbook triple loop: square n×n products, then the three products of the training step at
 * (N, D, H) = (200, 3072, 100): X·W, Xᵀ·dY and dY·Wᵀ, with the transposes as stride views (as backward
 * reads them). Operands live where the training step keeps them: the square ones, x and W in the
 * WebAssembly kernel's memory (toKernelMemory; nn's Linear keeps its weight there), so the kernel reads
 * them in place; dY, as a gradient from an elementwise op, in ordinary JavaScript memory, copied in by
 * each call. Every result is a new tensor in JavaScript memory (its copy out is timed).
 */
import { matmul, randn, toKernelMemory, transpose, type Tensor } from 'tensorgrad';
import { runSuite, type BenchOptions, type Budget, type Case } from './src/bench.js';
import { availableKernels, useKernel } from './src/kernels.js';
import type { MatmulRow, Report } from './src/report.js';

export const squareSizes = [64, 128, 256, 512, 1024];

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

interface Product {
  label: string;
  /** For file names. */
  slug: string;
  a: Tensor;
  b: Tensor;
}

function budgetFor(flops: number, quick: boolean, naive: boolean): Budget {
  // The naive loop at n = 1024 takes seconds per call: one sample is enough to show the gap.
  if (naive && flops > 1e9) return { maxTime: 0, minSamples: 1 };
  if (flops > 1e9) return { maxTime: quick ? 0.25 : 1, minSamples: 3 };
  return quick ? { maxTime: 0.25, minSamples: 3 } : { maxTime: 1, minSamples: 5 };
}

async function measure(file: string, group: MatmulRow['group'], products: readonly Product[], options: BenchOptions, report: Report): Promise<void> {
  const kernels = availableKernels();
  for (const { label, slug, a, b } of products) {
    const [m, k] = a.shape as [number, number];
    const n = b.shape[1]!;
    const flops = 2 * m * n * k;
    const cases: Case[] = kernels.map((kernel) => ({
      name: kernel,
      fn: () => {
        useKernel(kernel);
        return matmul(a, b);
      },
      budget: budgetFor(flops, options.quick, false),
    }));
    // The naive loop gets contiguous operands (a transposed view is copied once, outside the timing).
    const aData = a.data;
    const bData = b.data;
    cases.push({ name: 'naive', fn: () => naiveMatmul(aData, bData, m, k, n), budget: budgetFor(flops, options.quick, true) });
    const timings = await runSuite(`${file}-${slug}`, `matmul ${label}: [${m}×${k}]·[${k}×${n}]`, cases, budgetFor(flops, options.quick, false));
    for (const c of cases) {
      const timing = timings.get(c.name);
      if (timing !== undefined) report.matmul.push({ group, label, m, k, n, kernel: c.name, timing });
    }
  }
}

export async function run(options: BenchOptions, report: Report): Promise<void> {
  const sizes = options.quick ? squareSizes.filter((n) => n <= 512) : squareSizes;
  const square = sizes.map((n) => ({ label: `n=${n}`, slug: `${n}`, a: toKernelMemory(randn([n, n], { seed: n })), b: toKernelMemory(randn([n, n], { seed: n + 1 })) }));
  await measure('matmul-square', 'square', square, options, report);

  const [N, D, H] = [200, 3072, 100];
  const x = toKernelMemory(randn([N, D], { seed: 1 }));
  const w = toKernelMemory(randn([D, H], { seed: 2 }));
  const dy = randn([N, H], { seed: 3 });
  const step: Product[] = [
    { label: 'X·W', slug: 'X_W', a: x, b: w },
    { label: 'Xᵀ·dY', slug: 'XT_dY', a: transpose(x), b: dy },
    { label: 'dY·Wᵀ', slug: 'dY_WT', a: dy, b: transpose(w) },
  ];
  await measure('matmul-step', 'step', step, options, report);
}
