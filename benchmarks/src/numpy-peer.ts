import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Budget, CaseTiming } from './bench.js';
import { learningRate, makeMinibatch, type NetConfig } from './net.js';

export interface NumpyRun {
  /** One line on the BLAS that ran: numpy version, OpenBLAS core, threads, environment changes. */
  description: string;
  timings: (CaseTiming & { config: NetConfig; firstLoss: number })[];
}

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'numpy_step.py');

/**
 * Times the NumPy float64 step in a python3 child, pinned to one thread. Some machines here set
 * OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (older OpenBLAS builds misbehave without them); they slow a
 * current NumPy, so this child alone runs without both, and the report says so. Returns `{ skipped }`
 * with the reason when python3 or NumPy is missing.
 */
export function runNumpyPeer(configs: readonly NetConfig[], budget: Budget): NumpyRun | { skipped: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'VECLIB_MAXIMUM_THREADS', 'NUMEXPR_NUM_THREADS', 'BLIS_NUM_THREADS']) env[name] = '1';
  const unset = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'].filter((name) => env[name] !== undefined).map((name) => `${name}=${env[name]}`);
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
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
    child = spawnSync('python3', [script, JSON.stringify(request)], { env, encoding: 'utf8', maxBuffer: 16 << 20 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (child.error !== undefined) return { skipped: `python3 not runnable (${child.error.message})` };
  if (child.status !== 0) {
    const reason = /No module named '?numpy/.test(child.stderr) ? 'NumPy is not installed' : `numpy_step.py exited ${child.status}: ${child.stderr.trim().split('\n').pop()}`;
    return { skipped: reason };
  }
  const out = JSON.parse(child.stdout) as {
    blas: { numpy: string; corename?: string; threads?: number; library?: string };
    results: { config: [number, number, number, number]; mean: number; median: number; rme: number; samples: number; firstLoss: number }[];
  };
  const blas = out.blas;
  const description =
    `NumPy ${blas.numpy}, ${blas.library ?? 'BLAS not identified'}` +
    (blas.corename !== undefined ? `, OpenBLAS core ${blas.corename}, ${blas.threads} thread(s)` : '') +
    `; ${unset.length > 0 ? `unset in the child only: ${unset.join(' ')}` : 'OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE were not set'}`;
  return {
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
