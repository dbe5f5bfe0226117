import b from 'benny';
import type { CaseResult, Summary } from 'benny/lib/internal/common-types.js';
import path from 'node:path';
import { PerformanceObserver, constants as perfConstants, type PerformanceEntry } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** Where every run writes its JSON, charts and summary (git-ignored). */
export const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** How long benchmark.js may sample one case, and how many samples it needs at least. */
export interface Budget {
  maxTime: number;
  minSamples: number;
}

export interface BenchOptions {
  quick: boolean;
}

/** A case to time: `fn` runs one unit of work (a training step, one matmul...). */
export interface Case {
  name: string;
  fn: () => unknown;
  budget?: Budget;
}

export interface CaseTiming {
  name: string;
  /** Seconds per call: the mean over benchmark.js's samples (what benny's ops and chart use). */
  mean: number;
  /** Seconds per call: the median sample (what the summary uses: robust to bursts of other load). */
  median: number;
  /** Relative margin of error of the mean, in percent (benchmark.js's rme). */
  rme: number;
  samples: number;
  /**
   * V8 major (Mark-Compact) collections between the case's first and last timed call. A two-thread
   * kernel slows by 10–25% in runs where they come every few steps (concurrent marking takes the second
   * core; see the README): this count tells such a run from a quiet one.
   */
  majorGcs?: number;
}

/**
 * Runs the cases as one benny suite and saves benny's JSON and chart under results/.
 *
 * benny calls every case function once while it builds the suite, before benchmark.js takes over; for a
 * case that takes seconds that call is pure waste (and it would run every case's work up front, before
 * the case that sets a backend or kernel runs). So the first call of each wrapped case returns at once;
 * benchmark.js's own first (unsampled) call then serves as the warm-up.
 */
async function runRound(file: string, title: string, cases: readonly Case[], fallback: Budget): Promise<Map<string, CaseTiming>> {
  const windows = new Map<string, { first: number; last: number }>();
  const entries = cases.map((c) => {
    let primed = false;
    const window = { first: Infinity, last: -Infinity };
    windows.set(c.name, window);
    const wrapped = (): unknown => {
      if (!primed) {
        primed = true;
        return undefined;
      }
      if (window.first === Infinity) window.first = performance.now();
      const result = c.fn();
      window.last = performance.now();
      return result;
    };
    const budget = c.budget ?? fallback;
    return b.add(c.name, wrapped, { minSamples: budget.minSamples, maxTime: budget.maxTime, delay: 0.005 });
  });
  // benny announces every file it saves; run.ts names the folder once instead.
  const log = console.log;
  console.log = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('Saved to: ')) return;
    log(...args);
  };
  // Major GCs, timestamped on the same clock as the windows above.
  const majors: number[] = [];
  const note = (list: readonly PerformanceEntry[]): void => {
    for (const e of list) if ((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) majors.push(e.startTime);
  };
  const observer = new PerformanceObserver((list) => note(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  let summary: Summary;
  try {
    summary = await b.suite(
      title,
      ...entries,
      b.cycle((result: CaseResult) => {
        const { median, mean, relativeMarginOfError } = result.details;
        console.log(`  ${result.name.padEnd(40)} median ${formatSeconds(median).padStart(9)}/call  mean ${formatSeconds(mean).padStart(9)} ±${relativeMarginOfError.toFixed(1)}%  (${result.samples} samples)`);
        return false;
      }),
      b.save({ file, folder: resultsDir, format: 'json', details: true }),
      b.save({ file, folder: resultsDir, format: 'chart.html' }),
    );
  } finally {
    console.log = log;
  }
  // Node creates a 'gc' entry on the event loop after the collection (with the collection's own start
  // time), and benchmark.js may time a case without yielding: let the queued entries arrive first.
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  note(observer.takeRecords());
  observer.disconnect();
  const out = new Map<string, CaseTiming>();
  for (const r of summary.results) {
    const w = windows.get(r.name);
    const majorGcs = w === undefined ? undefined : majors.filter((t) => t >= w.first && t <= w.last).length;
    out.set(r.name, { name: r.name, mean: r.details.mean, median: r.details.median, rme: r.details.relativeMarginOfError, samples: r.samples, majorGcs });
  }
  return out;
}

/**
 * Runs the suite `rounds` times, every other round in reverse order, and keeps for each case the round
 * with the lowest median. On a machine shared with other work, a burst of load lands on whichever cases
 * run during it; a second round at another time, in another order, lets each case show its undisturbed
 * speed, so the ratios between cases stay fair. Each round's JSON and chart are saved (`-round2`, ...).
 */
export async function runSuite(file: string, title: string, cases: readonly Case[], fallback: Budget, rounds = 1): Promise<Map<string, CaseTiming>> {
  const best = new Map<string, CaseTiming>();
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? cases : [...cases].reverse();
    const suffix = rounds > 1 ? `-round${r + 1}` : '';
    const timings = await runRound(`${file}${suffix}`, rounds > 1 ? `${title} (round ${r + 1} of ${rounds})` : title, order, fallback);
    for (const [name, timing] of timings) {
      const previous = best.get(name);
      if (previous === undefined || timing.median < previous.median) best.set(name, timing);
    }
  }
  // Back in the cases' own order.
  return new Map(cases.flatMap((c) => (best.has(c.name) ? [[c.name, best.get(c.name)!] as const] : [])));
}

export function formatSeconds(s: number): string {
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(2)} ms`;
  return `${(s * 1e6).toFixed(1)} µs`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[u]}`;
}

/** Thousands separators, no decimals (for samples/s). */
export function formatCount(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

export function formatRatio(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  return `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;
}
