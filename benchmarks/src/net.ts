import { Linear, Random, ReLU, SGD, Sequential, fromData, noGrad, randn, softmaxCrossEntropy, toKernelMemory, type Tensor } from 'tensorgrad';

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
}

/** The model, its input and its optimizer, built from the shared start. */
export interface Net {
  x: Tensor;
  model: Sequential;
  optimizer: SGD;
}

/**
 * The two-layer net through tensorgrad's public nn API, as a user writes it: Sequential(Linear, ReLU,
 * Linear) and SGD. The layers keep PyTorch's layout (weight [out, in], y = x·Wᵀ + b) and start from the
 * shared initial weights, written in under noGrad.
 */
export function buildNet(config: NetConfig, batch: Minibatch): Net {
  const { N, D, H, C } = config;
  const first = new Linear(D, H);
  const second = new Linear(H, C);
  noGrad(() => {
    first.weight.mutate((w) => w.set(batch.w1));
    second.weight.mutate((w) => w.set(batch.w2));
  });
  const model = new Sequential(first, new ReLU(), second);
  // The minibatch is read by a product at every step: it lives in the kernel's memory, as tfjs's x
  // lives in its backend (NumPy's in NumPy's), rather than being copied in by each forward.
  return { x: toKernelMemory(fromData(batch.x, [N, D])), model, optimizer: new SGD(model.parameters(), { lr: learningRate }) };
}

/**
 * The training step: zeroGrad, forward, softmaxCrossEntropy, backward, SGD update. By default the step
 * keeps its gradient buffers (`zeroGrad({ setToNone: false })`, as the README's Speed section advises):
 * backward then adds into them in place and a step allocates no weight-sized array. `setToNone: true`
 * is PyTorch's default zero_grad(), which drops them (the bench shows both).
 */
export function tensorgradStep(config: NetConfig, batch: Minibatch, { setToNone = false }: { setToNone?: boolean } = {}): TrainingStep {
  const { x, model, optimizer } = buildNet(config, batch);
  return {
    step() {
      optimizer.zeroGrad({ setToNone });
      const loss = softmaxCrossEntropy(model.forward(x), batch.labels);
      loss.backward();
      optimizer.step();
      return loss.item();
    },
  };
}
