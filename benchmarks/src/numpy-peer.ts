import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Budget, CaseTiming } from './bench.js';
import { learningRate, makeMinibatch, type NetConfig } from './net.js';
import type { NumpyEnv } from './report.js';

export interface NumpyRun {
  /** The environment the child ran in (see runNumpyPeer). */
  env: NumpyEnv;
  /** The OpenBLAS core that ran (undefined when the BLAS is not OpenBLAS or could not be asked). */
  core: string | undefined;
  /** One line on the BLAS that ran: numpy version, OpenBLAS core, threads, how it was probed, the environment. */
  description: string;
  timings: (CaseTiming & { config: NetConfig; firstLoss: number })[];
}

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'numpy_step.py');

/** The variables OpenBLAS reads at load time to pick its kernel and blocking. */
export const openblasVariables = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

/** Those of openblasVariables this machine sets, as NAME=value. */
export function openblasSettings(): string[] {
  return openblasVariables.filter((name) => process.env[name] !== undefined).map((name) => `${name}=${process.env[name]}`);
}

/**
 * Times the NumPy float64 step in a python3 child, pinned to one thread. Some machines here set
 * OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (older OpenBLAS builds misbehave without them), which may make a
 * current OpenBLAS run another kernel than it would pick itself: `env: 'machine'` runs the child in the
 * environment as this process has it, `env: 'unset'` without both (in that child only). The child reports
 * the OpenBLAS core that ran. Returns `{ skipped }` with the reason when python3 or NumPy is missing.
 */
export function runNumpyPeer(configs: readonly NetConfig[], budget: Budget, env: NumpyEnv): NumpyRun | { skipped: string } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'VECLIB_MAXIMUM_THREADS', 'NUMEXPR_NUM_THREADS', 'BLIS_NUM_THREADS']) childEnv[name] = '1';
  const settings = openblasSettings();
  if (env !== 'machine') for (const name of openblasVariables) delete childEnv[name];
  if (env === 'malloc-kept') {
    // NumPy's step allocates fresh temporaries of megabytes; glibc serves them with mmap and returns them
    // with munmap, so every step writes to fresh pages, and a page fault is expensive on this virtual
    // machine. With these thresholds malloc keeps freed memory and reuses it. A reference row only: a
    // NumPy user does not set them, so the ratios use the two rows above.
    childEnv.MALLOC_MMAP_THRESHOLD_ = String(32 << 20);
    childEnv.MALLOC_TRIM_THRESHOLD_ = String(256 << 20);
  }
  // The minibatch and initial weights of the other engines, handed over as raw float64 files.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tensorgrad-bench-'));
  const request = {
    configs: configs.map((config, i) => {
      const batch = makeMinibatch(config);
      const file = path.join(dir, `step-${i}.f64`);
      writeFileSync(file, Buffer.concat([batch.x, Float64Array.from(batch.labels), batch.w1, batch.w2].map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength))));
      return { shape: [config.N, config.D, config.H, config.C], data: file };
    }),
    maxTime: budget.maxTime,
    minSamples: budget.minSamples,
    lr: learningRate,
  };
  let child;
  try {
    child = spawnSync('python3', [script, JSON.stringify(request)], { env: childEnv, encoding: 'utf8', maxBuffer: 16 << 20 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (child.error !== undefined) return { skipped: `python3 not runnable (${child.error.message})` };
  if (child.status !== 0) {
    const reason = /No module named '?numpy/.test(child.stderr) ? 'NumPy is not installed' : `numpy_step.py exited ${child.status}: ${child.stderr.trim().split('\n').pop()}`;
    return { skipped: reason };
  }
  const out = JSON.parse(child.stdout) as {
    blas: { numpy: string; probe: string; env: Record<string, string>; corename?: string; threads?: number; library?: string };
    results: { config: [number, number, number, number]; mean: number; median: number; rme: number; samples: number; firstLoss: number }[];
  };
  const blas = out.blas;
  const seen = Object.entries(blas.env).map(([name, value]) => `${name}=${value}`);
  const environment =
    env === 'malloc-kept'
      ? `OpenBLAS variables unset and MALLOC_MMAP_THRESHOLD_=${32 << 20} MALLOC_TRIM_THRESHOLD_=${256 << 20} in the child only (reference: malloc keeps freed memory)`
      : env === 'unset'
      ? `${settings.length > 0 ? `unset in the child only: ${settings.join(' ')}` : 'OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE not set on this machine'}`
      : `the machine's environment (${seen.length > 0 ? seen.join(' ') : 'OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE not set'})`;
  const description =
    `NumPy ${blas.numpy}, ${blas.library ?? 'BLAS not identified'}` +
    (blas.corename !== undefined ? `, OpenBLAS core ${blas.corename}, ${blas.threads} thread(s)` : '') +
    ` (asked with ${blas.probe}); ${environment}`;
  return {
    env,
    core: blas.corename ?? undefined,
    description,
    timings: out.results.map((r) => ({
      name: 'numpy f64 1 thread',
      config: { N: r.config[0], D: r.config[1], H: r.config[2], C: r.config[3] },
      mean: r.mean,
      median: r.median,
      rme: r.rme,
      samples: r.samples,
      firstLoss: r.firstLoss,
    })),
  };
}
