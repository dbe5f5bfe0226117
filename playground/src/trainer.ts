/**
 * The course's 2-layer net learning the spiral, one gradient step at a time, as `pnpm train` trains it
 * (examples/train-two-layer.ts): Linear(2, hidden) -> ReLU -> Linear(hidden, 3), softmax cross-entropy
 * plus 0.5·λ·ΣW² over both weight matrices, full-batch gradient descent. No DOM here: the browser test
 * runs the same class in Node for the reference numbers.
 */
import { Linear, ReLU, SGD, Sequential, accuracy, add, fromData, l2Regularization, noGrad, predictClasses, softmaxCrossEntropy, spiral, type Dataset } from 'tensorgrad';

export interface TrainerSettings {
  hidden: number;
  /** Step size of SGD. */
  lr: number;
  /** The course's λ (the loss adds 0.5·λ·ΣW²). */
  reg: number;
  /** Seed of the points and of the initial weights. */
  seed: number;
}

/** `pnpm train`'s defaults (examples/lib/cli.ts). */
export const DEFAULT_SETTINGS: Readonly<TrainerSettings> = { hidden: 100, lr: 1, reg: 1e-3, seed: 0 };

export interface StepResult {
  /** The loss (data + regularization) before this step's update. */
  loss: number;
  /** Accuracy on the whole spiral before this step's update. */
  accuracy: number;
}

export class SpiralTrainer {
  readonly data: Dataset;
  readonly settings: TrainerSettings;
  private model!: Sequential;
  private weights!: [Linear['weight'], Linear['weight']];
  private optimizer!: SGD;
  /** One entry per step taken: the loss and accuracy before its update. */
  readonly losses: number[] = [];
  readonly accuracies: number[] = [];
  /** Milliseconds spent inside step(), for the throughput figure. */
  stepMs = 0;

  constructor(settings: Partial<TrainerSettings> = {}) {
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
    this.data = spiral({ seed: this.settings.seed });
    this.reset();
  }

  get steps(): number {
    return this.losses.length;
  }

  get points(): number {
    return this.data.y.length;
  }

  /** New weights from the seed (a new hidden size takes effect here); the history is cleared. */
  reset(): void {
    const { hidden, seed } = this.settings;
    const first = new Linear(2, hidden, { seed: seed + 1 });
    const second = new Linear(hidden, this.data.classes, { seed: seed + 2 });
    this.model = new Sequential(first, new ReLU(), second);
    this.weights = [first.weight, second.weight];
    this.optimizer = new SGD(this.model.parameters(), { lr: this.settings.lr });
    this.losses.length = 0;
    this.accuracies.length = 0;
    this.stepMs = 0;
  }

  /** Takes effect at the next step (SGD's lr setter refuses a bad value and keeps the last good one). */
  setLearningRate(lr: number): void {
    this.optimizer.lr = lr;
    this.settings.lr = lr;
  }

  setRegularization(reg: number): void {
    if (!Number.isFinite(reg) || reg < 0) throw new RangeError(`regularization must be a finite number >= 0, got ${reg}`);
    this.settings.reg = reg;
  }

  /** A new hidden size rebuilds the net: the weights start again from the seed. */
  setHidden(hidden: number): void {
    if (!Number.isInteger(hidden) || hidden < 1) throw new RangeError(`hidden size must be a positive integer, got ${hidden}`);
    this.settings.hidden = hidden;
    this.reset();
  }

  /** One step of gradient descent on the whole spiral. */
  step(): StepResult {
    const start = performance.now();
    this.optimizer.zeroGrad();
    const scores = this.model.forward(this.data.x);
    const loss = add(softmaxCrossEntropy(scores, this.data.y), l2Regularization(this.weights, this.settings.reg / 2));
    loss.backward();
    this.optimizer.step();
    const result = { loss: loss.item(), accuracy: accuracy(scores, this.data.y) };
    this.stepMs += performance.now() - start;
    this.losses.push(result.loss);
    this.accuracies.push(result.accuracy);
    return result;
  }

  /** Accuracy of the current weights on the whole spiral. */
  accuracy(): number {
    return noGrad(() => accuracy(this.model.forward(this.data.x), this.data.y));
  }

  /**
   * The class the net predicts at each point of a size × size grid over [-extent, extent]², row by row from
   * the top (y = +extent) down: the decision regions.
   */
  predictGrid(size: number, extent: number): Int32Array {
    const xy = new Float64Array(size * size * 2);
    for (let row = 0; row < size; row++) {
      for (let col = 0; col < size; col++) {
        const i = row * size + col;
        xy[2 * i] = -extent + ((col + 0.5) * 2 * extent) / size;
        xy[2 * i + 1] = extent - ((row + 0.5) * 2 * extent) / size;
      }
    }
    return noGrad(() => predictClasses(this.model.forward(fromData(xy, [size * size, 2]))));
  }
}
