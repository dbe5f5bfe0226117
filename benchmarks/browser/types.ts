import type { NetConfig } from '../src/net.js';

/** One engine's training step in the page. Seconds per step: the median of the per-step times. */
export interface BrowserCase {
  config: NetConfig;
  engine: 'tensorgrad' | 'tfjs-cpu' | 'tfjs-wasm';
  /** tensorgrad's gemm kernel. */
  kernel?: string;
  median: number;
  /** Steps timed (in the round kept). */
  samples: number;
  /** Loss of the first step from the shared start: every engine should agree. */
  firstLoss: number;
  /** tensorgrad's wasm kernel: whether its second thread (a Web Worker) had started by the end. */
  secondThread?: boolean;
}

/** What the page leaves on `window.__bench` for the suite (suite.ts) to read. */
export interface BrowserBench {
  status: 'running' | 'done' | 'error';
  error?: string;
  userAgent: string;
  /** crossOriginIsolated: SharedArrayBuffer, hence tensorgrad's second thread. */
  isolated: boolean;
  tfjs: string;
  rounds: number;
  results: BrowserCase[];
}
