/**
 * The browser row of `pnpm bench` (suite.ts opens this page in Chromium): the two-layer net's training
 * step in this page, tensorgrad on each of its gemm kernels and tfjs's cpu and wasm backends (float32,
 * one thread, as in the Node suite; the wasm binaries are assets of this build, nothing is fetched from
 * elsewhere), from the same minibatch and initial weights as the Node suite (src/net.ts), in the same
 * page and the same run. Results go to `window.__bench`; `?quick=1` runs one config, one round.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.wasm?url';
import { gemmKernelNames, setGemmKernel, wasmKernelInfo } from 'tensorgrad';
import { configLabel, makeMinibatch, tensorgradStep, type NetConfig, type TrainingStep } from '../src/net.js';
import { tfjsStep, type TfBackend } from '../src/tfjs-step.js';
import type { BrowserBench, BrowserCase } from './types.js';

const quick = new URLSearchParams(location.search).get('quick') === '1';
const configs: NetConfig[] = quick ? [{ N: 200, D: 3072, H: 100, C: 10 }] : [{ N: 200, D: 3072, H: 100, C: 10 }, { N: 64, D: 784, H: 256, C: 10 }];
/** Milliseconds of timed steps per case and round, and at least this many steps. */
const budgetMs = quick ? 700 : 1500;
const minSamples = 5;

const bench: BrowserBench = { status: 'running', userAgent: navigator.userAgent, isolated: crossOriginIsolated, tfjs: '', rounds: quick ? 1 : 2, results: [] };
(globalThis as unknown as { __bench: BrowserBench }).__bench = bench;

function log(line: string): void {
  document.getElementById('log')!.textContent += `${line}\n`;
  console.log(line);
}

/** Lets the page paint and the driver read the console between cases. */
const yieldToPage = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

async function initTfjs(): Promise<string> {
  setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd });
  // One thread, as in the Node suite: the comparison is with tensorgrad's one-thread kernel and its two.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('cpu');
  await tf.ready();
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend did not initialize');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return `tfjs ${tf.version.tfjs}, cpu, wasm ${simd ? 'simd' : 'no simd'}, 1 thread, float32`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Untimed steps until the kernel's second thread is up (for the wasm kernel, at most 3 s): a Web Worker
 * starts only while this thread returns to its event loop, which a timing loop never does. A page that
 * trains in animation frames, as the playground does, gets its second thread the same way.
 */
async function warmUp(step: TrainingStep, kernel: string | undefined): Promise<number> {
  const firstLoss = step.step();
  step.step();
  if (kernel === 'wasm' && crossOriginIsolated) {
    const until = performance.now() + 3000;
    while (!wasmKernelInfo().secondThread && performance.now() < until) {
      await sleep(20);
      step.step();
    }
  }
  return firstLoss;
}

/** Median seconds per step over at least `minSamples` steps and `budgetMs`. */
function time(step: TrainingStep, firstLoss: number): { median: number; samples: number; firstLoss: number } {
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minSamples || performance.now() - start < budgetMs) {
    const t0 = performance.now();
    step.step();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return { median: times.length % 2 === 1 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2, samples: times.length, firstLoss };
}

interface Engine {
  engine: BrowserCase['engine'];
  kernel?: string;
  build(config: NetConfig, batch: ReturnType<typeof makeMinibatch>): TrainingStep & { dispose?(): void };
}

function engines(): Engine[] {
  const out: Engine[] = [];
  for (const kernel of ['wasm', 'wasm-st', 'ts'].filter((k) => gemmKernelNames().includes(k))) {
    out.push({
      engine: 'tensorgrad',
      kernel,
      build: (config, batch) => {
        setGemmKernel(kernel);
        const net = tensorgradStep(config, batch);
        return {
          step: () => {
            setGemmKernel(kernel);
            return net.step();
          },
        };
      },
    });
  }
  for (const backend of ['cpu', 'wasm'] as TfBackend[]) out.push({ engine: `tfjs-${backend}`, build: (config, batch) => tfjsStep(backend, config, batch) });
  return out;
}

async function run(): Promise<void> {
  bench.tfjs = await initTfjs();
  log(`${bench.userAgent}; cross-origin isolated: ${bench.isolated}; ${bench.tfjs}`);
  const list = engines();
  for (const config of configs) {
    const batch = makeMinibatch(config);
    const best = new Map<string, BrowserCase>();
    for (let round = 1; round <= bench.rounds; round++) {
      // The second round runs the engines in reverse order, so neither side always goes first.
      for (const engine of round % 2 === 1 ? list : [...list].reverse()) {
        await yieldToPage();
        const step = engine.build(config, batch);
        const timing = time(step, await warmUp(step, engine.kernel));
        step.dispose?.();
        const name = `${engine.engine}${engine.kernel === undefined ? '' : ` ${engine.kernel}`}`;
        const row: BrowserCase = {
          config,
          engine: engine.engine,
          ...(engine.kernel === undefined ? {} : { kernel: engine.kernel }),
          ...timing,
          ...(engine.kernel === 'wasm' ? { secondThread: wasmKernelInfo().secondThread } : {}),
        };
        log(`${configLabel(config)} round ${round} ${name.padEnd(16)} ${Math.round(config.N / timing.median).toLocaleString('en-US').padStart(8)} samples/s  (${timing.samples} steps, first loss ${timing.firstLoss.toFixed(5)})`);
        const kept = best.get(name);
        if (kept === undefined || row.median < kept.median) best.set(name, row);
      }
    }
    bench.results.push(...best.values());
  }
  bench.status = 'done';
  log('done');
}

run().catch((error: unknown) => {
  bench.status = 'error';
  bench.error = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  log(`error: ${bench.error}`);
});
