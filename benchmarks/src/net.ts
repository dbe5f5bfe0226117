import { Linear, Random, ReLU, SGD, Sequential, fromData, noGrad, randn, slice, softmaxCrossEntropy, type Tensor } from 'tensorgrad';
import { toKernelMemory } from 'tensorgrad/kernels';

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

/**
 * Which training loop a step runs. 'default' is what a PyTorch user writes: `opt.zeroGrad()` (gradients
 * set to null) and the minibatch as an ordinary tensor. 'tuned' is the loop the nn README's Speed section
 * describes: `zeroGrad({ setToNone: false })` (gradient buffers zero-filled in place) and the minibatch
 * moved into the kernel's memory once with `toKernelMemory`.
 */
export type StepLoop = 'default' | 'tuned';

/** The model, its input and its optimizer, built from the shared start. */
export interface Net {
  x: Tensor;
  model: Sequential;
  optimizer: SGD;
}

/**
 * The two-layer net through tensorgrad's public nn API, as a user writes it: Sequential(Linear, ReLU,
 * Linear) and SGD. The layers keep PyTorch's layout (weight [out, in], y = x·Wᵀ + b) and start from the
 * shared initial weights, written in under noGrad. The minibatch is an ordinary tensor wrapping the shared
 * values (`fromData`), or `x` when given (a view into a larger dataset: see stridedRows, columnBlock); the
 * tuned loop moves it into the kernel's memory, as tfjs's x lives in its backend.
 */
export function buildNet(config: NetConfig, batch: Minibatch, { loop = 'default', x }: { loop?: StepLoop; x?: Tensor } = {}): Net {
  const { N, D, H, C } = config;
  const first = new Linear(D, H);
  const second = new Linear(H, C);
  noGrad(() => {
    first.weight.mutate((w) => w.set(batch.w1));
    second.weight.mutate((w) => w.set(batch.w2));
  });
  const model = new Sequential(first, new ReLU(), second);
  const input = x ?? fromData(batch.x, [N, D]);
  return { x: loop === 'tuned' ? toKernelMemory(input) : input, model, optimizer: new SGD(model.parameters(), { lr: learningRate }) };
}

/**
 * The training step: zeroGrad, forward, softmaxCrossEntropy, backward, SGD update, in the given loop
 * (see StepLoop; the default loop is the bench's headline, the tuned one its second row).
 */
export function tensorgradStep(config: NetConfig, batch: Minibatch, options: { loop?: StepLoop; x?: Tensor } = {}): TrainingStep {
  const { x, model, optimizer } = buildNet(config, batch, options);
  if (options.loop === 'tuned') {
    return {
      step() {
        optimizer.zeroGrad({ setToNone: false });
        const loss = softmaxCrossEntropy(model.forward(x), batch.labels);
        loss.backward();
        optimizer.step();
        return loss.item();
      },
    };
  }
  return {
    step() {
      optimizer.zeroGrad();
      const loss = softmaxCrossEntropy(model.forward(x), batch.labels);
      loss.backward();
      optimizer.step();
      return loss.item();
    },
  };
}

/** How many dataset rows stridedRows steps over per minibatch row. */
export const rowStride = 10;

/** How many columns columnBlock's wider tensor has on each side of the block. */
export const columnMargin = 512;

/**
 * The minibatch as a strided view of a larger dataset: rows 0, k, 2k, ... of a [k·N, D] tensor
 * (`slice(data, [[0, k·N, k]])`, no copy), as a loop over a dataset that picks every k-th sample gets it.
 * Those rows hold the shared minibatch, the others other random values, so the first-step loss agrees.
 */
export function stridedRows({ N, D }: NetConfig, batch: Minibatch, k = rowStride): Tensor {
  const data = randn([k * N, D], { seed: 1000 }).data;
  for (let i = 0; i < N; i++) data.set(batch.x.subarray(i * D, (i + 1) * D), i * k * D);
  return slice(fromData(data, [k * N, D]), [[0, k * N, k]]);
}

/**
 * The minibatch as a block of columns of a wider tensor: columns m .. m+D-1 of an [N, D + 2m] tensor
 * (`slice(wide, [null, [m, m + D]])`, no copy; rows D + 2m apart), holding the shared minibatch.
 */
export function columnBlock({ N, D }: NetConfig, batch: Minibatch, m = columnMargin): Tensor {
  const width = D + 2 * m;
  const data = randn([N, width], { seed: 1001 }).data;
  for (let i = 0; i < N; i++) data.set(batch.x.subarray(i * D, (i + 1) * D), i * width + m);
  return slice(fromData(data, [N, width]), [null, [m, m + D]]);
}
