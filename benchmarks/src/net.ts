import { Random, fromData, noGrad, randn, record, zeros, type Tensor } from '@tensorgrad/core';
import { add, matmul, relu, transpose } from '@tensorgrad/ops';

/** The two-layer net of the lecture: N samples of D features, H hidden units, C classes. */
export interface NetConfig {
  N: number;
  D: number;
  H: number;
  C: number;
}

export function configLabel({ N, D, H, C }: NetConfig): string {
  return `(${N}, ${D}, ${H}, ${C})`;
}

/** Learning rate of every engine's SGD step: small, so that many timed steps keep the numbers finite. */
export const learningRate = 1e-3;

/**
 * The minibatch and initial weights every engine starts from: the same values (rounded to float32 for
 * tfjs), so their first-step losses agree and each does exactly the same work. Weights are laid out as
 * PyTorch's nn.Linear keeps them: w1 is [H, D], w2 is [C, H] (He initialisation, zero biases).
 */
export interface Minibatch {
  x: Float64Array;
  labels: Int32Array;
  w1: Float64Array;
  w2: Float64Array;
}

export function makeMinibatch({ N, D, H, C }: NetConfig, seed = 1): Minibatch {
  const x = randn([N, D], { seed }).data;
  const rng = new Random(seed + 1);
  const labels = new Int32Array(N);
  for (let i = 0; i < N; i++) labels[i] = rng.int(C);
  const w1 = randn([H, D], { seed: seed + 2, std: Math.sqrt(2 / D) }).data;
  const w2 = randn([C, H], { seed: seed + 3, std: Math.sqrt(2 / H) }).data;
  return { x, labels, w1, w2 };
}

export interface TrainingStep {
  /** One forward, backward and SGD update; returns the loss before the update. */
  step(): number;
  /** The tensors SGD updates (for checks). */
  parameters: Tensor[];
}

/**
 * Mean softmax cross-entropy over the rows of `scores`, as one recorded op (forward and backward in one
 * place). Only used until @tensorgrad/nn's softmaxCrossEntropy lands; then the step goes through nn.
 */
function softmaxCrossEntropy(scores: Tensor, labels: Int32Array): Tensor {
  const [n, c] = scores.shape as [number, number];
  const s = scores.data;
  const p = new Float64Array(n * c);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    // Shift by the row max so exp never overflows; softmax is unchanged by the shift.
    let m = -Infinity;
    for (let j = 0; j < c; j++) m = Math.max(m, s[i * c + j]!);
    let z = 0;
    for (let j = 0; j < c; j++) z += p[i * c + j] = Math.exp(s[i * c + j]! - m);
    for (let j = 0; j < c; j++) p[i * c + j]! /= z;
    loss -= s[i * c + labels[i]!]! - m - Math.log(z);
  }
  // d loss / d scores = (softmax - onehot) / n
  return record('softmaxCrossEntropy', [scores], fromData(new Float64Array([loss / n]), []), (dy) => {
    const g = dy.item() / n;
    const d = new Float64Array(n * c);
    for (let i = 0; i < n * c; i++) d[i] = p[i]! * g;
    for (let i = 0; i < n; i++) d[i * c + labels[i]!]! -= g;
    return [fromData(d, [n, c])];
  });
}

/**
 * The training step through tensorgrad's public API. Weights are laid out as PyTorch's nn.Linear keeps
 * them ([out, in], y = x·Wᵀ + b), so the products are those of the nn layers.
 */
export function tensorgradStep(config: NetConfig, batch: Minibatch): TrainingStep {
  const { N, D, H, C } = config;
  const x = fromData(batch.x, [N, D]);
  // Copies: SGD updates the weights in place, and every engine must start from the same values.
  const w1 = fromData(batch.w1.slice(), [H, D], { requiresGrad: true });
  const b1 = zeros([H], { requiresGrad: true });
  const w2 = fromData(batch.w2.slice(), [C, H], { requiresGrad: true });
  const b2 = zeros([C], { requiresGrad: true });
  const parameters = [w1, b1, w2, b2];
  return {
    parameters,
    step() {
      const hidden = relu(add(matmul(x, transpose(w1)), b1));
      const scores = add(matmul(hidden, transpose(w2)), b2);
      const loss = softmaxCrossEntropy(scores, batch.labels);
      loss.backward();
      noGrad(() => {
        for (const p of parameters) {
          const g = p.grad!.data;
          p.mutate((w) => {
            for (let i = 0; i < w.length; i++) w[i]! -= learningRate * g[i]!;
          });
          p.grad = null;
        }
      });
      return loss.item();
    },
  };
}
