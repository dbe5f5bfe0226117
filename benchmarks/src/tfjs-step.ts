/**
 * The training step in tfjs (either backend), apart from tfjs-peer.ts's Node-only set-up, so that the
 * browser benchmark's page (browser/page.ts) runs the very step the Node suite times.
 */
import * as tf from '@tensorflow/tfjs';
import { learningRate, type Minibatch, type NetConfig, type TrainingStep } from './net.js';

export type TfBackend = 'cpu' | 'wasm';

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
