// Options objects are checked key by key: a misspelt option used to be ignored silently (Adam trained at
// its default rate with { learningRate: 0.1 }; tensor(..., { requiresGrad: 'yes' }) stored 'yes').
import { describe, expect, it } from 'vitest';
import {
  ValueError,
  closestOption,
  fromData,
  full,
  ones,
  rand,
  randn,
  tensor,
  zeros,
  type TensorgradError,
} from '@tensorgrad/core';
import { Adam, DataLoader, Dropout, Linear, SGD, mse, saveWeights, softmaxCrossEntropy, spiral, svmLoss } from '@tensorgrad/nn';

function refusal(f: () => unknown): TensorgradError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ValueError);
    return e as TensorgradError;
  }
  throw new Error('expected a ValueError');
}

const param = () => tensor([1, 2], { requiresGrad: true });

describe('unknown options are refused, naming the op, the key and the closest known key', () => {
  it('Adam { learningRate } suggests lr (it used to train at the default 1e-3)', () => {
    const e = refusal(() => new Adam([param()], { learningRate: 0.1 } as never));
    expect(e.message).toBe("Adam: unknown option 'learningRate' (did you mean 'lr'?); Adam takes 'lr', 'betas', 'eps', 'weightDecay', 'amsgrad'");
    expect(e.op).toBe('Adam');
  });

  it('one-letter typos and other spellings find their key', () => {
    expect(refusal(() => new SGD([param()], { lr: 0.1, momentun: 0.9 } as never)).message).toMatch(/^SGD: unknown option 'momentun' \(did you mean 'momentum'\?\)/);
    expect(refusal(() => new Linear(2, 2, { biass: false } as never)).message).toMatch(/^Linear: unknown option 'biass' \(did you mean 'bias'\?\)/);
    expect(refusal(() => tensor([1], { requires_grad: true } as never)).message).toMatch(/^tensor: unknown option 'requires_grad' \(did you mean 'requiresGrad'\?\)/);
    expect(refusal(() => new SGD([param()], { weight_decay: 0.1 } as never)).message).toMatch(/did you mean 'weightDecay'\?/);
    expect(refusal(() => new DataLoader(zeros([4, 2]), [0, 1, 0, 1], { batch_size: 2 } as never)).message).toMatch(/^DataLoader: unknown option 'batch_size' \(did you mean 'batchSize'\?\)/);
    // Nothing close: no guess, just the list.
    expect(refusal(() => zeros([2], { dtype: 'float32' } as never)).message).toBe("zeros: unknown option 'dtype'; zeros takes 'requiresGrad', 'name'");
    expect(closestOption('xyz', ['lr', 'momentum'])).toBeUndefined();
  });

  it('every options-taking function in core and nn checks its keys', () => {
    const bad = { bogus: 1 } as never;
    const cases: [string, () => unknown][] = [
      ['tensor', () => tensor([1], bad)],
      ['zeros', () => zeros([1], bad)],
      ['ones', () => ones([1], bad)],
      ['full', () => full([1], 2, bad)],
      ['rand', () => rand([1], bad)],
      ['randn', () => randn([1], bad)],
      ['fromData', () => fromData(new Float64Array(1), [1], bad)],
      ['backward', () => tensor([1], { requiresGrad: true }).sum().backward(undefined, bad)],
      ['Linear', () => new Linear(2, 2, bad)],
      ['Dropout', () => new Dropout(0.5, bad)],
      ['SGD', () => new SGD([param()], bad)],
      ['Adam', () => new Adam([param()], bad)],
      ['softmaxCrossEntropy', () => softmaxCrossEntropy(zeros([1, 2]), [0], bad)],
      ['svmLoss', () => svmLoss(zeros([1, 2]), [0], bad)],
      ['mse', () => mse(zeros([1]), zeros([1]), bad)],
      ['spiral', () => spiral(bad)],
      ['DataLoader', () => new DataLoader(zeros([2, 2]), [0, 1], bad)],
    ];
    for (const [op, f] of cases) expect(refusal(f).message, op).toMatch(new RegExp(`^${op}: unknown option 'bogus'`));
  });

  it('saveWeights rejects with the same error', async () => {
    await expect(saveWeights({ w: param() }, '/nonexistent-dir-never-written', { meta: 1 } as never)).rejects.toThrow(
      "saveWeights: unknown option 'meta' (did you mean 'metadata'?)",
    );
  });

  it('known options still work, and undefined values are defaults', () => {
    expect(tensor([1, 2], { requiresGrad: true, name: 'w', shape: [2, 1] }).shape).toEqual([2, 1]);
    expect(new SGD([param()], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: undefined }).nesterov).toBe(true);
    expect(svmLoss(tensor([[1, 2]]), [0], { margin: 2, reduction: 'sum' }).item()).toBe(3);
  });
});

describe('flags must be booleans', () => {
  it("requiresGrad: 'yes' is refused instead of stored", () => {
    expect(refusal(() => tensor([1], { requiresGrad: 'yes' } as never)).message).toBe(`tensor: option 'requiresGrad' must be true or false, got "yes"`);
    expect(refusal(() => zeros([1], { requiresGrad: 1 } as never)).message).toBe(`zeros: option 'requiresGrad' must be true or false, got 1`);
    const t = tensor([1]);
    expect(refusal(() => (t.requiresGrad = 'yes' as never)).message).toBe(`requiresGrad: requiresGrad must be true or false, got "yes"`);
    expect(t.requiresGrad).toBe(false);
  });

  it('bias, nesterov, shuffle, dropLast, retainGraph and name are type-checked', () => {
    expect(refusal(() => new Linear(2, 2, { bias: 'false' } as never)).message).toBe(`Linear: option 'bias' must be true or false, got "false"`);
    expect(refusal(() => new SGD([param()], { momentum: 0.9, nesterov: 1 } as never)).message).toMatch(/^SGD: option 'nesterov' must be true or false, got 1/);
    expect(refusal(() => new DataLoader(zeros([2, 2]), [0, 1], { shuffle: 'no' } as never)).message).toMatch(/^DataLoader: option 'shuffle'/);
    expect(refusal(() => new DataLoader(zeros([2, 2]), [0, 1], { dropLast: 0 } as never)).message).toMatch(/^DataLoader: option 'dropLast'/);
    expect(refusal(() => tensor([1], { requiresGrad: true }).sum().backward(undefined, { retainGraph: 'yes' } as never)).message).toMatch(/^backward: option 'retainGraph'/);
    expect(refusal(() => tensor([1], { name: 3 } as never)).message).toBe(`tensor: option 'name' must be a string, got 3`);
  });

  it('Module.train(mode) takes a boolean', () => {
    const layer = new Linear(2, 2);
    expect(refusal(() => layer.train('eval' as never)).message).toBe(`train: mode must be true or false, got "eval"`);
    expect(layer.training).toBe(true);
    expect(layer.train(false).training).toBe(false);
  });

  it('nesterov with momentum 0 is refused, as in PyTorch', () => {
    expect(refusal(() => new SGD([param()], { lr: 0.1, nesterov: true })).message).toBe('SGD: nesterov momentum requires a momentum > 0, got momentum 0');
  });
});

describe('seeds are checked once, by core, naming the function called', () => {
  it('a seed beyond 2^53 is refused by spiral, DataLoader, Dropout, Linear and randn themselves', () => {
    const big = 2 ** 60;
    const unsafe = 'seed must be an integer of magnitude at most 2^53 - 1 (beyond, integers are not exact), got 1152921504606847000';
    expect(() => spiral({ seed: big })).toThrow(`spiral: ${unsafe}`);
    expect(() => new DataLoader(zeros([2, 1]), [0, 1], { seed: big })).toThrow(`DataLoader: ${unsafe}`);
    expect(() => new Dropout(0.5, { seed: big })).toThrow(`Dropout: ${unsafe}`);
    expect(() => new Linear(2, 3, { seed: big })).toThrow(`Linear: ${unsafe}`);
    expect(() => randn([2], { seed: big })).toThrow(`randn: ${unsafe}`);
  });

  it('a fraction or a string is refused the same way everywhere', () => {
    expect(() => spiral({ seed: 1.5 })).toThrow(/^spiral: seed must be an integer, got 1\.5$/);
    expect(() => new DataLoader(zeros([2, 1]), [0, 1], { seed: '3' as never })).toThrow(/^DataLoader: seed must be an integer, got "3"$/);
    expect(() => rand([2], { seed: 0.5 })).toThrow(/^rand: seed must be an integer, got 0\.5$/);
    // The largest safe integer is a valid seed.
    expect(spiral({ seed: 2 ** 53 - 1, pointsPerClass: 2, classes: 1 }).x.shape).toEqual([2, 2]);
  });
});
