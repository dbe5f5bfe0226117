import type { CaseTiming } from './bench.js';
import type { BrowserBench } from '../browser/types.js';
import type { NetConfig } from './net.js';

/**
 * A tensorgrad row that differs from the headline step other than by kernel: 'tuned', the tuned loop
 * (`zeroGrad({ setToNone: false })`, minibatch moved with `toKernelMemory`); 'strided rows' and 'column
 * block', the default loop with the minibatch a strided view of a larger tensor (src/net.ts).
 */
export type StepVariant = 'tuned' | 'strided rows' | 'column block';

/** Which environment the NumPy child ran in: the machine's, or without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE. */
/**
 * How the NumPy child runs: in the machine's environment; with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset;
 * and, for reference only (never in the ratios), also with glibc's malloc told to keep freed memory
 * (see numpy-peer.ts).
 */
export type NumpyEnv = 'machine' | 'unset' | 'malloc-kept';

/** One engine's training step at one config. `kernel` is set for tensorgrad rows, `blas` for NumPy's. */
export interface StepRow {
  config: NetConfig;
  engine: 'tensorgrad' | 'tfjs-cpu' | 'tfjs-wasm' | 'numpy';
  kernel?: string;
  /** Unset for the headline row: the default loop on an ordinary contiguous minibatch. */
  variant?: StepVariant;
  /** NumPy rows: the environment the child ran in and the OpenBLAS core it reported. */
  blas?: { env: NumpyEnv; core?: string };
  timing: CaseTiming;
}

/** One product: a square n×n matmul or one of the training step's three products. */
export interface MatmulRow {
  group: 'square' | 'step';
  label: string;
  m: number;
  k: number;
  n: number;
  /** A gemm kernel's name, or 'naive' for the textbook triple loop. */
  kernel: string;
  timing: CaseTiming;
}

/** Per-call times of one product (performance.now() around each call, after a warm-up), for the spread. */
export interface MatmulCallsRow {
  /** The MatmulRow label of the same product. */
  label: string;
  m: number;
  k: number;
  n: number;
  kernel: string;
  calls: number;
  /** Seconds per call: the 10th percentile, the median and the 90th percentile. */
  p10: number;
  median: number;
  p90: number;
}

export interface JacobianRow {
  label: string;
  /** Bytes the method allocates (the gradient itself, or the Jacobian). */
  bytes: number;
  /** Undefined when the case is only counted, never run (the 409,600² Jacobian). */
  timing?: CaseTiming;
  /** The row this one is compared with (its time and bytes over that row's). */
  baseline?: string;
}

export interface OverheadRow {
  config: NetConfig;
  kernel: string;
  /** Mean wall seconds per step over every call the case made (benchmark.js's samples are in `timing`). */
  step: number;
  /** Mean seconds per step inside the gemm kernel over the same calls, and gemm calls per step. */
  gemm: number;
  callsPerStep: number;
  timing: CaseTiming;
}

/** One phase of a profiled training step: mean seconds per step, and the part of it inside gemm. */
export interface PhaseRow {
  config: NetConfig;
  kernel: string;
  phase: string;
  seconds: number;
  gemm: number;
}

/** The cases of the overhead suite's second-order rows (overhead.ts: secondOrder). */
export type SecondOrderCase = 'forward + backward' | 'forward + backward, createGraph' | 'hvp (all four parameters)';

/** One case of the second-order rows: the net's forward + backward, plain or with createGraph, or an hvp. */
export interface SecondOrderRow {
  config: NetConfig;
  kernel: string;
  case: SecondOrderCase;
  timing: CaseTiming;
}

/** Everything one `pnpm bench` run measured, filled in by the suites and printed by summary.ts. */
export interface Report {
  quick: boolean;
  started: string;
  seconds: number;
  /** The kernel matmul uses when nothing chooses one (gemmKernel().name at the start): the headline rows' and the targets'. */
  defaultKernel: string;
  machine: Record<string, string>;
  /** Lines about what ran where (kernels, tfjs build, NumPy's BLAS), and what was skipped. */
  notes: string[];
  steps: StepRow[];
  matmul: MatmulRow[];
  matmulCalls: MatmulCallsRow[];
  jacobian: JacobianRow[];
  overhead: OverheadRow[];
  phases: PhaseRow[];
  /** The overhead suite's second-order rows (createGraph and hvp beside the plain backward). */
  secondOrder?: SecondOrderRow[];
  /** The browser suite's page (browser/page.ts): every engine in one Chromium page; which browser ran it. */
  browser?: BrowserBench & { browser: string };
}
