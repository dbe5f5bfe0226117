import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { learningRate, type Minibatch, type NetConfig, type TrainingStep } from './net.js';

export type TfBackend = 'cpu' | 'wasm';

export interface TfjsInfo {
  /** The backends that initialized (cpu always; wasm unless its module failed to load). */
  backends: TfBackend[];
  description: string;
}

let initialized: Promise<TfjsInfo> | null = null;

/**
 * Registers tfjs's cpu and wasm backends once. The wasm binaries come from the installed
 * @tensorflow/tfjs-backend-wasm package (a file path, so nothing is fetched). Threads are off: the
 * multithreaded build needs workers that tfjs does not start under Node, and one thread keeps the
 * comparison with a one-thread kernel plain. Says which wasm build runs (simd or not).
 */
export function initTfjs(): Promise<TfjsInfo> {
  initialized ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.wasm'));
    setWasmPaths(wasmDir + path.sep);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    // tfjs greets Node users once (console.warn) with advice to install tfjs-node; keep the report clean.
    const warn = console.warn;
    console.warn = () => {};
    const backends: TfBackend[] = [];
    let wasmFailure = '';
    try {
      await tf.setBackend('cpu');
      await tf.ready();
      tf.tensor([0]).dispose(); // the greeting comes with the cpu backend's first write
      backends.push('cpu');
      try {
        if (await tf.setBackend('wasm')) backends.push('wasm');
        else wasmFailure = 'setBackend returned false';
      } catch (error) {
        wasmFailure = error instanceof Error ? error.message : String(error);
      }
    } finally {
      console.warn = warn;
    }
    const simd = backends.includes('wasm') && (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const wasm = backends.includes('wasm') ? `wasm ${simd ? 'simd' : 'no simd'}, 1 thread` : `wasm backend unavailable (${wasmFailure})`;
    return { backends, description: `tfjs ${tf.version.tfjs}, cpu, ${wasm}, float32` };
  })();
  return initialized;
}

/** Switches tfjs's global backend. Both are initialized already, so tf.setBackend completes synchronously. */
function useBackend(name: TfBackend): void {
  if (tf.getBackend() !== name) void tf.setBackend(name);
  if (tf.getBackend() !== name) throw new Error(`tfjs backend ${name} is not ready`);
}

/**
 * The same step in tfjs, float32: dense layers as tfjs lays them out ([in, out]), mean softmax
 * cross-entropy, and tf.train.sgd's minimize (gradients through tfjs's tape, update in place).
 * Reading the loss back forces every kernel to finish.
 */
export function tfjsStep(backend: TfBackend, { N, D, H, C }: NetConfig, batch: Minibatch): TrainingStep & { dispose(): void } {
  useBackend(backend);
  const x = tf.tensor2d(Float32Array.from(batch.x), [N, D]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(batch.labels, 'int32'), C));
  // The shared weights are [out, in]; tfjs's dense layout is [in, out].
  const w1 = tf.variable(tf.tidy(() => tf.transpose(tf.tensor2d(Float32Array.from(batch.w1), [H, D]))));
  const b1 = tf.variable(tf.zeros([H]));
  const w2 = tf.variable(tf.tidy(() => tf.transpose(tf.tensor2d(Float32Array.from(batch.w2), [C, H]))));
  const b2 = tf.variable(tf.zeros([C]));
  const optimizer = tf.train.sgd(learningRate);
  const loss = (): tf.Scalar => {
    const hidden = tf.relu(tf.add(tf.matMul(x, w1), b1));
    const scores = tf.add(tf.matMul(hidden, w2), b2);
    return tf.losses.softmaxCrossEntropy(y, scores) as tf.Scalar;
  };
  return {
    step() {
      useBackend(backend);
      const value = optimizer.minimize(loss, true)!;
      const out = value.dataSync()[0]!;
      value.dispose();
      return out;
    },
    dispose() {
      tf.dispose([x, y, w1, b1, w2, b2]);
      optimizer.dispose();
    },
  };
}
