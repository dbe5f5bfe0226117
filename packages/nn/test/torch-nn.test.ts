// nn's everyday kit against PyTorch 1.13 itself: fixtures/torch-nn.json (written by fixtures/gen_torch_nn.py,
// committed: CI has no torch). Optimizers over five steps with given gradients (parameters after every step,
// then the state dict's buffers), schedulers' lr over 20 epochs, clipGradNorm, softmaxCrossEntropy (labels and
// probability targets, [N, C] and [N, C, d1, ...], label smoothing), LayerNorm, embedding, in float64.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromData, type Tensor } from '@tensorgrad/core';
import { Adam, AdamW, CosineAnnealingLR, LayerNorm, LinearLR, RMSprop, SGD, StepLR, clipGradNorm, embedding, softmaxCrossEntropy, type LRScheduler, type Optimizer } from '@tensorgrad/nn';

interface OptimizerCase {
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop';
  note: string;
  options: Record<string, unknown>;
  steps: number[][][];
  state: Record<string, number | number[]>[];
}

interface SchedulerCase {
  scheduler: 'StepLR' | 'CosineAnnealingLR' | 'LinearLR';
  options: Record<string, number>;
  lr: number;
  lrs: number[];
}

interface CrossEntropyCase {
  note: string;
  scoresShape: number[];
  kind: 'labels' | 'probabilities';
  labelSmoothing: number;
  reduction: 'mean' | 'sum' | 'none';
  scores: number[];
  targets: number[];
  targetShape: number[];
  dy: number[];
  lossShape: number[];
  loss: number[];
  dscores: number[];
  dtargets?: number[];
}

interface ClipCase {
  normType: number | 'inf';
  maxNorm: number;
  grads: number[][];
  shapes: number[][];
  total: number;
  clipped: number[][];
}

export const fixture = JSON.parse(readFileSync(new URL('./fixtures/torch-nn.json', import.meta.url), 'utf8')) as {
  torch: string;
  parameters: number[][];
  parameterShapes: number[][];
  gradients: number[][][];
  optimizers: OptimizerCase[];
  schedulers: SchedulerCase[];
  clip: ClipCase[];
  crossEntropy: CrossEntropyCase[];
  layerNorm: { shape: number[]; normalizedShape: number[]; eps: number; x: number[]; dy: number[]; y: number[]; dx: number[]; weight?: number[]; bias?: number[]; dweight?: number[]; dbias?: number[] }[];
  embedding: { paddingIdx: number | null; weight: number[]; indices: number[][]; y: number[]; dy: number[]; dweight: number[] }[];
};

/** |got - want| ≤ rtol·|want| + atol, entry by entry, with the entry named on failure. */
export function expectClose(got: ArrayLike<number>, want: readonly number[], what: string, rtol = 1e-12, atol = 1e-15): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    expect(err, `${what}[${i}]: got ${got[i]}, want ${want[i]}`).toBeLessThanOrEqual(rtol * Math.abs(want[i]!) + atol);
  }
}

const makers: Record<OptimizerCase['optimizer'], (params: Tensor[], options: Record<string, unknown>) => Optimizer> = {
  SGD: (p, o) => new SGD(p, o),
  Adam: (p, o) => new Adam(p, o),
  AdamW: (p, o) => new AdamW(p, o),
  RMSprop: (p, o) => new RMSprop(p, o),
};

function parameters(): Tensor[] {
  return fixture.parameters.map((values, i) => fromData(Float64Array.from(values), fixture.parameterShapes[i]!, { requiresGrad: true }));
}

describe('optimizers against PyTorch 1.13: five steps with given gradients', () => {
  it.each(fixture.optimizers.map((c) => [c.optimizer, c.note, c] as const))('%s (%s)', (_name, _note, c) => {
    const params = parameters();
    const opt = makers[c.optimizer](params, c.options);
    c.steps.forEach((want, step) => {
      params.forEach((p, i) => p._setGrad(fromData(Float64Array.from(fixture.gradients[step]![i]!), p.shape), false));
      opt.step();
      params.forEach((p, i) => expectClose(p.data, want[i]!, `step ${step + 1}, parameter ${i}`));
    });
    const { state } = opt.stateDict();
    c.state.forEach((want, i) => {
      const entry = state[String(i)]!;
      expect(Object.keys(entry).sort()).toEqual(Object.keys(want).sort());
      for (const [key, value] of Object.entries(want)) {
        if (typeof value === 'number') expect(entry[key]).toBe(value);
        else expectClose((entry[key] as Tensor).data, value, `state ${i}.${key}`);
      }
    });
  });
});

const schedulerMakers: Record<SchedulerCase['scheduler'], (opt: Optimizer, o: Record<string, number>) => LRScheduler> = {
  StepLR: (opt, { stepSize, ...o }) => new StepLR(opt, stepSize!, o),
  CosineAnnealingLR: (opt, { tMax, ...o }) => new CosineAnnealingLR(opt, tMax!, o),
  LinearLR: (opt, o) => new LinearLR(opt, o),
};

describe('learning-rate schedulers against PyTorch 1.13: 20 epochs', () => {
  it.each(fixture.schedulers.map((c) => [c.scheduler, JSON.stringify(c.options), c] as const))('%s %s', (_name, _options, c) => {
    const opt = new SGD([fromData(new Float64Array(1), [1], { requiresGrad: true })], { lr: c.lr });
    const scheduler = schedulerMakers[c.scheduler](opt, c.options);
    const lrs = [scheduler.getLastLr()];
    for (let epoch = 0; epoch < 20; epoch++) {
      opt.step();
      scheduler.step();
      lrs.push(scheduler.getLastLr());
      expect(opt.lr).toBe(scheduler.getLastLr());
    }
    expectClose(lrs, c.lrs, 'lr', 1e-13);
  });
});

describe('clipGradNorm against PyTorch 1.13', () => {
  it.each(fixture.clip.map((c) => [String(c.normType), c.maxNorm, c] as const))('order %s, maxNorm %s', (_order, _max, c) => {
    const params = c.grads.map((values, i) => {
      const p = fromData(new Float64Array(values.length), c.shapes[i]!, { requiresGrad: true });
      p.grad = fromData(Float64Array.from(values), c.shapes[i]!);
      return p;
    });
    const total = clipGradNorm(params, c.maxNorm, { normType: c.normType === 'inf' ? Infinity : c.normType });
    expectClose([total], [c.total], 'total');
    params.forEach((p, i) => expectClose(p.grad!.data, c.clipped[i]!, `gradient ${i}`));
  });
});

describe('softmaxCrossEntropy against PyTorch 1.13 (F.cross_entropy): loss and gradients', () => {
  it.each(fixture.crossEntropy.map((c) => [c.note, c.reduction, c] as const))('%s, %s', (_note, _reduction, c) => {
    const z = fromData(Float64Array.from(c.scores), c.scoresShape, { requiresGrad: true });
    const targets = fromData(Float64Array.from(c.targets), c.targetShape, { requiresGrad: c.kind === 'probabilities' });
    const loss = softmaxCrossEntropy(z, targets, { reduction: c.reduction, labelSmoothing: c.labelSmoothing });
    expect(loss.shape).toEqual(c.lossShape);
    expectClose(loss.data, c.loss, 'loss');
    loss.backward(fromData(Float64Array.from(c.dy), c.lossShape));
    expect(z.grad!.shape).toEqual(c.scoresShape);
    expectClose(z.grad!.data, c.dscores, 'dscores');
    if (c.dtargets !== undefined) {
      expect(targets.grad!.shape).toEqual(c.scoresShape);
      expectClose(targets.grad!.data, c.dtargets, 'dtargets');
    }
  });
});

describe('embedding against PyTorch 1.13 (F.embedding): rows and the weight gradient', () => {
  it.each(fixture.embedding.map((c) => [String(c.paddingIdx), c] as const))('paddingIdx %s', (_padding, c) => {
    const w = fromData(Float64Array.from(c.weight), [5, 3], { requiresGrad: true });
    const y = embedding(fromData(Float64Array.from(c.indices.flat()), [2, 3]), w, c.paddingIdx);
    expect(y.shape).toEqual([2, 3, 3]);
    expect(Array.from(y.data)).toEqual(c.y);
    y.backward(fromData(Float64Array.from(c.dy), [2, 3, 3]));
    expectClose(w.grad!.data, c.dweight, 'dweight', 1e-15);
  });
});

describe('LayerNorm against PyTorch 1.13 (F.layer_norm): output and the gradients of x, weight and bias', () => {
  it.each(fixture.layerNorm.map((c) => [JSON.stringify(c.shape), JSON.stringify(c.normalizedShape), c] as const))('x %s over %s', (_shape, _normalized, c) => {
    const layer = new LayerNorm(c.normalizedShape, { eps: c.eps, elementwiseAffine: c.weight !== undefined });
    if (c.weight !== undefined) layer.loadStateDict({ weight: fromData(Float64Array.from(c.weight), c.normalizedShape), bias: fromData(Float64Array.from(c.bias!), c.normalizedShape) });
    else expect(layer.parameters()).toEqual([]);
    const x = fromData(Float64Array.from(c.x), c.shape, { requiresGrad: true });
    const y = layer.forward(x);
    expectClose(y.data, c.y, 'y');
    y.backward(fromData(Float64Array.from(c.dy), c.shape));
    expect(x.grad!.shape).toEqual(c.shape);
    expectClose(x.grad!.data, c.dx, 'dx', 1e-11, 1e-14);
    if (c.dweight !== undefined) {
      expect(layer.weight!.grad!.shape).toEqual(c.normalizedShape);
      expect(layer.bias!.grad!.shape).toEqual(c.normalizedShape);
      expectClose(layer.weight!.grad!.data, c.dweight, 'dweight');
      expectClose(layer.bias!.grad!.data, c.dbias!, 'dbias');
    }
  });
});
