// Optimizer and scheduler state dicts: the layout (PyTorch's { state, paramGroups }, copies), a load that
// resumes bit for bit, refusals that change nothing, and a training run checkpointed at step k (model,
// optimizer and scheduler, also through saveWeights/loadWeights) and resumed in new objects, which ends
// with the same weights, bit for bit, as the run that was never interrupted.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, fromData, tensor, type Tensor } from '@tensorgrad/core';
import { inKernelMemory } from '@tensorgrad/ops';
import {
  Adam,
  AdamW,
  CosineAnnealingLR,
  LinearLR,
  Linear,
  RMSprop,
  ReLU,
  SGD,
  Sequential,
  StepLR,
  clipGradNorm,
  loadWeights,
  saveWeights,
  softmaxCrossEntropy,
  type LRScheduler,
  type Optimizer,
  type OptimizerStateDict,
  type StateDict,
} from '@tensorgrad/nn';
import { refuses } from '../../../test/refusals.js';

type Make = (params: Tensor[]) => Optimizer;

const variants: [string, Make][] = [
  ['SGD', (p) => new SGD(p, { lr: 0.1 })],
  ['SGD momentum, nesterov, weight decay', (p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
  ['Adam', (p) => new Adam(p, { lr: 0.01, weightDecay: 0.1 })],
  ['Adam amsgrad', (p) => new Adam(p, { lr: 0.01, amsgrad: true })],
  ['AdamW', (p) => new AdamW(p, { lr: 0.01 })],
  ['AdamW amsgrad', (p) => new AdamW(p, { lr: 0.01, weightDecay: 0.1, amsgrad: true })],
  ['RMSprop', (p) => new RMSprop(p)],
  ['RMSprop centered, momentum', (p) => new RMSprop(p, { lr: 0.01, momentum: 0.8, centered: true, weightDecay: 0.05 })],
];

/** Three parameters: w [2, 2], u [2], and b [3], which gets no gradient (so it has no state). */
function parameters(): Tensor[] {
  return [
    tensor([[0.5, -1], [2, 0.25]], { requiresGrad: true, name: 'w' }),
    tensor([1, 2], { requiresGrad: true }),
    tensor([0.1, 0.2, 0.3], { requiresGrad: true, name: 'b' }),
  ];
}

/** Gradients that change from step to step: a function of the step and the parameter's values. */
function setGradients(params: Tensor[], step: number): void {
  for (const p of params.slice(0, 2)) p._setGrad(fromData(p.data.map((v, i) => Math.sin(3 * v + step + i) + 0.1 * step), p.shape), false);
}

function train(opt: Optimizer, params: Tensor[], from: number, to: number): void {
  for (let step = from; step < to; step++) {
    setGradients(params, step);
    opt.step();
  }
}

const bits = (params: Tensor[]): string[][] => params.map((p) => Array.from(new BigUint64Array(Float64Array.from(p.data).buffer), (b) => b.toString(16)));

describe('optimizer stateDict', () => {
  it("is PyTorch's layout: state by parameter index (only parameters that stepped), one param group", () => {
    const params = parameters();
    const opt = new Adam(params, { lr: 0.01, betas: [0.8, 0.9] });
    train(opt, params, 0, 3);
    const dict = opt.stateDict();
    expect(Object.keys(dict)).toEqual(['state', 'paramGroups']);
    expect(Object.keys(dict.state)).toEqual(['0', '1']);
    expect(Object.keys(dict.state['0']!)).toEqual(['step', 'expAvg', 'expAvgSq']);
    expect(dict.state['0']!.step).toBe(3);
    expect((dict.state['1']!.expAvg as Tensor).shape).toEqual([2]);
    expect(dict.paramGroups).toEqual([{ lr: 0.01, betas: [0.8, 0.9], eps: 1e-8, weightDecay: 0, amsgrad: false, params: [0, 1, 2] }]);
    // JSON-friendly hyper-parameters: betas is a plain array, not the optimizer's frozen pair.
    expect(Object.isFrozen(dict.paramGroups[0]!.betas)).toBe(false);
  });

  it('is a snapshot: training on does not change it', () => {
    const params = parameters();
    const opt = new RMSprop(params, { momentum: 0.5, centered: true });
    train(opt, params, 0, 2);
    const dict = opt.stateDict();
    const before = JSON.stringify(Object.values(dict.state).map((e) => Object.values(e).map((v) => (typeof v === 'number' ? v : Array.from(v.data)))));
    train(opt, params, 2, 4);
    const after = JSON.stringify(Object.values(dict.state).map((e) => Object.values(e).map((v) => (typeof v === 'number' ? v : Array.from(v.data)))));
    expect(after).toBe(before);
    expect(opt.stateDict().state['0']!.step).toBe(4);
    expect(Object.keys(dict.state['0']!)).toEqual(['step', 'squareAvg', 'momentumBuffer', 'gradAvg']);
  });

  it('SGD without momentum keeps no state; with momentum, the momentumBuffer', () => {
    const params = parameters();
    const plain = new SGD(params, { lr: 0.1 });
    train(plain, params, 0, 2);
    expect(plain.stateDict().state).toEqual({});
    const heavy = new SGD(params, { lr: 0.1, momentum: 0.9 });
    train(heavy, params, 0, 1);
    expect(Object.keys(heavy.stateDict().state)).toEqual(['0', '1']);
    expect(Array.from((heavy.stateDict().state['1']!.momentumBuffer as Tensor).data)).toEqual(Array.from(params[1]!._peekGrad()!.data));
  });
});

describe.each(variants)('%s: loadStateDict', (_name, make) => {
  it('into a new optimizer over new parameters resumes bit for bit', () => {
    const params = parameters();
    const opt = make(params);
    train(opt, params, 0, 3);
    const dict = opt.stateDict();
    const copies = params.map((p) => fromData(p.data.slice(), p.shape, { requiresGrad: true }));
    const resumed = make(copies);
    resumed.loadStateDict(dict);
    train(opt, params, 3, 7);
    train(resumed, copies, 3, 7);
    expect(bits(copies)).toEqual(bits(params));
    // The state dict was copied in: loading it again into a third optimizer still works the same.
    const again = params.map((p) => p.detach());
    expect(() => make(again).loadStateDict(dict)).not.toThrow();
  });

  it('a refused load changes nothing: the next steps match an optimizer that never saw it', () => {
    const params = parameters();
    const twin = parameters();
    const opt = make(params);
    const ref = make(twin);
    train(opt, params, 0, 2);
    train(ref, twin, 0, 2);
    const good = opt.stateDict();
    const lr = opt.lr;
    const bad: unknown[] = [
      { ...good, paramGroups: [{ ...good.paramGroups[0], lr: -1 }] },
      { ...good, paramGroups: [{ ...good.paramGroups[0], params: [0, 1] }] },
      { ...good, state: { ...good.state, 7: good.state['0'] } },
      { ...good, extra: 1 },
      null,
    ];
    if (Object.keys(good.state).length > 0) {
      const entry = good.state['1']!;
      const [key] = Object.keys(entry).filter((k) => k !== 'step');
      bad.push({ ...good, state: { ...good.state, 1: { ...entry, [key!]: tensor([1, 2, 3]) } } });
      bad.push({ ...good, state: { ...good.state, 1: { ...entry, bogus: 1 } } });
    }
    for (const dict of bad) {
      expect(() => opt.loadStateDict(dict as OptimizerStateDict)).toThrow();
      expect(opt.lr).toBe(lr);
    }
    train(opt, params, 2, 5);
    train(ref, twin, 2, 5);
    expect(bits(params)).toEqual(bits(twin));
    expect(JSON.stringify(opt.stateDict().paramGroups)).toBe(JSON.stringify(ref.stateDict().paramGroups));
  });
});

describe('optimizer loadStateDict refusals name what is wrong', () => {
  function trained(): [Adam, OptimizerStateDict] {
    const params = parameters();
    const opt = new Adam(params, { lr: 0.01 });
    train(opt, params, 0, 2);
    return [opt, opt.stateDict()];
  }

  it('a parameter count that differs', () => {
    const [, dict] = trained();
    refuses(() => new Adam(parameters().slice(0, 2)).loadStateDict(dict), ValueError, 'loadStateDict', 'the state dict holds 3 parameters, but this Adam has 2');
  });

  it('a buffer of another shape is a ShapeError naming the entry, the parameter and both shapes', () => {
    const [opt, dict] = trained();
    dict.state['0']!.expAvgSq = tensor([1, 2, 3, 4]);
    refuses(() => opt.loadStateDict(dict), ShapeError, 'loadStateDict', "state['0'] (parameter 0 'w' of shape [2, 2]).expAvgSq has shape [4], but the parameter has shape [2, 2]");
  });

  it('a missing or unexpected key in an entry, given the hyper-parameters', () => {
    const [opt, dict] = trained();
    refuses(() => opt.loadStateDict({ ...dict, paramGroups: [{ ...dict.paramGroups[0]!, amsgrad: true }] }), ValueError, 'loadStateDict', "lacks 'maxExpAvgSq'");
    delete dict.state['1']!.step;
    refuses(() => opt.loadStateDict(dict), ValueError, 'loadStateDict', "state['1'] (parameter 1 of shape [2]) lacks 'step'");
  });

  it('a hyper-parameter the constructor would refuse, or one missing', () => {
    const [opt, dict] = trained();
    const group = dict.paramGroups[0]!;
    refuses(() => opt.loadStateDict({ ...dict, paramGroups: [{ ...group, betas: [1, 0.9] }] }), ValueError, 'loadStateDict', 'paramGroups[0]: Adam: betas[0] must be a finite number in [0, 1), got 1');
    refuses(() => opt.loadStateDict({ ...dict, paramGroups: [{ ...group, momentum: 0.9 }] }), ValueError, 'loadStateDict', "paramGroups[0]: Adam: unknown option 'momentum'");
    const { eps: _eps, ...withoutEps } = group;
    refuses(() => opt.loadStateDict({ ...dict, paramGroups: [withoutEps as typeof group] }), ValueError, 'loadStateDict', "paramGroups[0] lacks the hyper-parameter 'eps' of Adam");
  });

  it('a step count that is not an integer >= 0, an entry for no parameter, an SGD state into Adam', () => {
    const [opt, dict] = trained();
    refuses(() => opt.loadStateDict({ ...dict, state: { ...dict.state, 0: { ...dict.state['0']!, step: 1.5 } } }), ValueError, 'loadStateDict', '.step must be an integer >= 0, got 1.5');
    refuses(() => opt.loadStateDict({ ...dict, state: { '01': dict.state['0']! } }), ValueError, 'loadStateDict', "state has an entry '01', which is not the index of one of Adam's 3 parameters");
    const params = parameters();
    const sgd = new SGD(params, { lr: 0.1, momentum: 0.9 });
    train(sgd, params, 0, 1);
    refuses(() => opt.loadStateDict(sgd.stateDict()), ValueError, 'loadStateDict', "paramGroups[0] lacks the hyper-parameters 'betas', 'eps', 'amsgrad' of Adam");
  });
});

describe('scheduler stateDict', () => {
  it('holds plain numbers; a scheduler that loads it continues the schedule', () => {
    const p = parameters();
    const opt = new SGD(p, { lr: 0.5 });
    const scheduler = new CosineAnnealingLR(opt, 5, { etaMin: 0.01 });
    for (let i = 0; i < 7; i++) scheduler.step();
    const dict = scheduler.stateDict();
    expect(dict).toEqual({ tMax: 5, etaMin: 0.01, baseLr: 0.5, lastEpoch: 7, lastLr: opt.lr });
    const opt2 = new SGD(parameters(), { lr: 0.5 });
    opt2.loadStateDict(opt.stateDict());
    const resumed = new CosineAnnealingLR(opt2, 99);
    opt2.loadStateDict(opt.stateDict()); // the lr, which the new scheduler's first step set to its epoch 0
    resumed.loadStateDict(dict);
    for (let i = 0; i < 9; i++) {
      scheduler.step();
      resumed.step();
      expect(opt2.lr).toBe(opt.lr);
    }
    expect(resumed.tMax).toBe(5);
  });

  it('refuses a key missing or unexpected, and a bad value, changing nothing', () => {
    const scheduler = new StepLR(new SGD(parameters(), { lr: 0.5 }), 2);
    const dict = scheduler.stateDict();
    refuses(() => scheduler.loadStateDict({ ...dict, tMax: 3 }), ValueError, 'loadStateDict', "StepLR's state dict: unexpected 'tMax'");
    const { gamma: _gamma, ...withoutGamma } = dict;
    refuses(() => scheduler.loadStateDict(withoutGamma), ValueError, 'loadStateDict', "missing 'gamma'");
    refuses(() => scheduler.loadStateDict({ ...dict, stepSize: 0 }), ValueError, 'loadStateDict', 'StepLR: stepSize must be an integer >= 1, got 0');
    refuses(() => scheduler.loadStateDict({ ...dict, lastEpoch: -2 }), ValueError, 'loadStateDict', 'lastEpoch must be an integer >= 0, got -2');
    expect(scheduler.stateDict()).toEqual(dict);
  });
});

/** A small classifier, its data, and one training step with a scheduler and gradient clipping. */
function setup(make: (params: Tensor[]) => Optimizer, schedule: (opt: Optimizer) => LRScheduler) {
  const model = new Sequential(new Linear(4, 8, { seed: 11 }), new ReLU(), new Linear(8, 3, { seed: 12 }));
  const opt = make(model.parameters());
  const scheduler = schedule(opt);
  return { model, opt, scheduler };
}

const x = fromData(Float64Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.7)), [6, 4]);
const labels = [0, 1, 2, 2, 1, 0];

function trainSteps(run: ReturnType<typeof setup>, steps: number): void {
  for (let i = 0; i < steps; i++) {
    run.opt.zeroGrad();
    softmaxCrossEntropy(run.model.forward(x), labels).backward();
    clipGradNorm(run.model.parameters(), 0.5);
    run.opt.step();
    run.scheduler.step();
  }
}

const runs: [string, Make, (opt: Optimizer) => LRScheduler][] = [
  ['AdamW + cosine annealing', (p) => new AdamW(p, { lr: 0.05, amsgrad: true }), (o) => new CosineAnnealingLR(o, 6, { etaMin: 0.001 })],
  ['RMSprop centered + step decay', (p) => new RMSprop(p, { lr: 0.01, momentum: 0.9, centered: true }), (o) => new StepLR(o, 3, { gamma: 0.5 })],
  ['SGD momentum + linear warm-up', (p) => new SGD(p, { lr: 0.1, momentum: 0.9 }), (o) => new LinearLR(o, { startFactor: 0.1, totalIters: 5 })],
  ['Adam + linear warm-up', (p) => new Adam(p, { lr: 0.01 }), (o) => new LinearLR(o, { startFactor: 0.25, totalIters: 4 })],
];

describe.each(runs)('a run checkpointed at step 4 and resumed (%s)', (_name, make, schedule) => {
  it('from state dicts in memory: the same weights as the uninterrupted run, bit for bit', () => {
    const whole = setup(make, schedule);
    trainSteps(whole, 10);

    const first = setup(make, schedule);
    trainSteps(first, 4);
    const checkpoint = { model: first.model.stateDict(), optimizer: first.opt.stateDict(), scheduler: first.scheduler.stateDict() };
    trainSteps(first, 3); // the interrupted run goes on a little: the checkpoint must not move with it

    const second = setup(make, schedule);
    second.model.loadStateDict(checkpoint.model);
    second.opt.loadStateDict(checkpoint.optimizer);
    second.scheduler.loadStateDict(checkpoint.scheduler);
    trainSteps(second, 6);
    expect(bits(second.model.parameters())).toEqual(bits(whole.model.parameters()));
    expect(second.opt.lr).toBe(whole.opt.lr);
  });

  it('through the weights file format: saveWeights for the tensors, the manifest metadata for the numbers', async () => {
    const whole = setup(make, schedule);
    trainSteps(whole, 10);

    const first = setup(make, schedule);
    trainSteps(first, 4);
    const folder = await mkdtemp(join(tmpdir(), 'tensorgrad-resume-'));
    try {
      // The optimizer's buffers as a flat state dict ('state.0.expAvg'), its counts and hyper-parameters
      // and the scheduler's state as metadata.
      const { state, paramGroups } = first.opt.stateDict();
      const tensors: StateDict = {};
      const counts: Record<string, number> = {};
      for (const [index, entry] of Object.entries(state)) {
        for (const [key, value] of Object.entries(entry)) {
          if (typeof value === 'number') counts[`${index}.${key}`] = value;
          else tensors[`${index}.${key}`] = value;
        }
      }
      await saveWeights(first.model, join(folder, 'model'));
      await saveWeights(tensors, join(folder, 'optimizer'), { metadata: { counts, paramGroups, scheduler: first.scheduler.stateDict() } });

      const second = setup(make, schedule);
      second.model.loadStateDict(await loadWeights(join(folder, 'model')));
      const buffers = await loadWeights(join(folder, 'optimizer'));
      const manifest = JSON.parse(await readFile(join(folder, 'optimizer', 'manifest.json'), 'utf8')) as { metadata: { counts: Record<string, number>; paramGroups: OptimizerStateDict['paramGroups']; scheduler: Record<string, number> } };
      const restored: OptimizerStateDict = { state: {}, paramGroups: manifest.metadata.paramGroups };
      for (const [key, value] of [...Object.entries(buffers), ...Object.entries(manifest.metadata.counts)]) {
        const [index, name] = key.split('.') as [string, string];
        (restored.state[index] ??= {})[name] = value;
      }
      second.opt.loadStateDict(restored);
      second.scheduler.loadStateDict(manifest.metadata.scheduler);
      trainSteps(second, 6);
      expect(bits(second.model.parameters())).toEqual(bits(whole.model.parameters()));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('a weight in the kernel memory (a Linear of 4,096 values or more)', () => {
  it.each([
    ['SGD momentum', (p: Tensor[]) => new SGD(p, { lr: 0.05, momentum: 0.9 })],
    ['Adam', (p: Tensor[]) => new Adam(p, { lr: 0.01 })],
    ['AdamW amsgrad', (p: Tensor[]) => new AdamW(p, { lr: 0.01, amsgrad: true })],
    ['RMSprop centered, momentum', (p: Tensor[]) => new RMSprop(p, { lr: 0.001, momentum: 0.5, centered: true })],
  ] as const)('%s: loaded buffers sit beside the weight, and the resumed run is bit for bit the same', (_name, make) => {
    const input = fromData(Float64Array.from({ length: 3 * 80 }, (_, i) => Math.cos(i)), [3, 80]);
    const build = () => new Linear(80, 64, { seed: 21 });
    const stepOnce = (layer: Linear, opt: Optimizer): void => {
      opt.zeroGrad();
      softmaxCrossEntropy(layer.forward(input), [1, 5, 63]).backward();
      opt.step();
    };
    const whole = build();
    const wholeOpt = make(whole.parameters());
    for (let i = 0; i < 5; i++) stepOnce(whole, wholeOpt);
    const first = build();
    const firstOpt = make(first.parameters());
    for (let i = 0; i < 2; i++) stepOnce(first, firstOpt);
    const second = build();
    const secondOpt = make(second.parameters());
    second.loadStateDict(first.stateDict());
    secondOpt.loadStateDict(firstOpt.stateDict());
    // Where the weight is in the kernel memory, so is every loaded buffer (the kernel's loops take them together).
    const internals = secondOpt as unknown as { velocity?: Map<Tensor, Float64Array>; state?: Map<Tensor, Record<string, unknown>> };
    const buffers = internals.velocity?.get(second.weight) !== undefined ? [internals.velocity.get(second.weight)!] : Object.values(internals.state!.get(second.weight)!).filter((v): v is Float64Array => v instanceof Float64Array);
    expect(buffers.length).toBeGreaterThan(0);
    for (const b of buffers) expect(inKernelMemory(b)).toBe(inKernelMemory(second.weight.nd.data));
    for (let i = 0; i < 3; i++) stepOnce(second, secondOpt);
    expect(bits(second.parameters())).toEqual(bits(whole.parameters()));
  });
});
