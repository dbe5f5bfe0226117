/**
 * The training step `pnpm bench` headlines, (N, D, H, C) = (200, 3072, 100, 10), timed on the active
 * kernel: the default loop (zeroGrad, forward, softmax cross-entropy, backward, SGD step) on a seeded
 * random minibatch. Its products (200 × 3072 × 100) are large enough for the second thread.
 */
import { Linear, ReLU, SGD, Sequential, randn, softmaxCrossEntropy } from 'tensorgrad';

export interface SpeedResult {
  samplesPerSecond: number;
  steps: number;
  seconds: number;
}

export const SPEED_CONFIG = { N: 200, D: 3072, H: 100, C: 10 } as const;

/**
 * Runs steps for about `seconds` and returns samples per second. Untimed steps first, until `ready()`
 * (at most 3 s): the kernel's second thread, a Web Worker, starts only while this thread returns to its
 * event loop, which the timing loop never does.
 */
export async function timeTrainingStep(seconds = 1, ready: () => boolean = () => true): Promise<SpeedResult> {
  const { N, D, H, C } = SPEED_CONFIG;
  const x = randn([N, D], { seed: 1 });
  const labels = new Int32Array(N).map((_, i) => (i * 7) % C);
  const model = new Sequential(new Linear(D, H, { seed: 2 }), new ReLU(), new Linear(H, C, { seed: 3 }));
  const optimizer = new SGD(model.parameters(), { lr: 1e-3 });
  const step = (): number => {
    optimizer.zeroGrad();
    const loss = softmaxCrossEntropy(model.forward(x), labels);
    loss.backward();
    optimizer.step();
    return loss.item();
  };
  step();
  step();
  const until = performance.now() + 3000;
  while (!ready() && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    step();
  }
  let steps = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000 || steps < 3) {
    step();
    steps++;
    elapsed = performance.now() - start;
  }
  return { samplesPerSecond: (N * steps) / (elapsed / 1000), steps, seconds: elapsed / 1000 };
}
