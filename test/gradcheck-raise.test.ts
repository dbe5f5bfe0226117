// gradcheck as a PyTorch user expects it: { raise: true } throws a GradcheckError naming the input and
// the worst entry (torch.autograd.gradcheck raises by default), and only the inputs that require grad
// are checked when some do (integer labels are held fixed and reported in `skipped`).
import { describe, expect, it } from 'vitest';
import { TensorgradError, ValueError, fromData, randn, tensor } from '@tensorgrad/core';
import { GradcheckError, gradcheck, gradgradcheck, l2, matmul, mul, sum, tanh } from '@tensorgrad/ops';
import { softmaxCrossEntropy } from '@tensorgrad/nn';
import { thrownAs } from './refusals.js';

/** x * stopGradient(x): the rule gives x where the derivative is 2x. */
const halfSquare = (t: ReturnType<typeof tensor>) => sum(mul(t, t.detach()));

describe('gradcheck { raise: true }', () => {
  it('throws a GradcheckError naming the input, the worst entry, both values and the tolerance', () => {
    const x = fromData(new Float64Array([1, -2, 3]), [3], { name: 'x' });
    const quiet = gradcheck(halfSquare, [x]);
    expect(quiet.ok).toBe(false);
    const error = thrownAs(GradcheckError, () => gradcheck(halfSquare, [x], { raise: true }));
    expect(error).toBeInstanceOf(TensorgradError);
    expect(error.name).toBe('GradcheckError');
    expect(error.op).toBe('gradcheck');
    // Analytic x = 3 against the true 2x = 6 at the last entry: the worst of the three.
    expect(error.message).toBe(
      "gradcheck: gradient mismatch for input 0 'x' of shape [3] at index (2,): analytic 3, numeric 6 (|difference| 3 > atol + rtol·|numeric| = 0.00601; atol 0.00001, rtol 0.001, eps 0.000001). 3 of 3 checks outside the tolerance; greatest absolute difference 3, greatest relative difference 0.5",
    );
    expect(error.result).toEqual(quiet);
    expect(error.result.failed).toBe(3);
  });

  it('gives a matrix entry as a multi-index, and only the entries outside the tolerance count as failed', () => {
    // w² written right (w·w) where w <= 0 and wrong (w·detach(w)) where w > 0: two entries of six.
    const W = tensor([[-1, -2, -0.5], [-3, 0.25, 4]], { name: 'W' });
    const f = (w: typeof W) => {
      const positive = w.detach().greater(0);
      return sum(w.mul(w.detach()).mul(positive).add(w.mul(w).mul(positive.neg().add(1))));
    };
    const error = thrownAs(GradcheckError, () => gradcheck(f, [W], { raise: true }));
    expect(error.message).toContain("input 0 'W' of shape [2, 3] at index (1, 2): analytic 4, numeric 8 (|difference| 4 > atol + rtol·|numeric| = 0.00801;");
    expect(error.message).toContain('2 of 6 checks outside the tolerance');
    expect(error.result.worst).toMatchObject({ input: 0, name: 'W', index: 5, direction: null });
  });

  it('names the random direction (and the seed) for an input checked along directions', () => {
    const W = randn([20, 30], { seed: 3 });
    const v = randn([30], { seed: 4 });
    const error = thrownAs(GradcheckError, () => gradcheck((w, x) => l2(matmul(w.detach(), x)).add(l2(w)), [W, v], { raise: true, directions: 3, wrt: [0] }));
    expect(error.message).toMatch(/^gradcheck: gradient mismatch for input 0 of shape \[20, 30\] along random direction \d \(seed 0; inputs over maxEntries are checked along 3 directions\)/);
    expect(error.result.worst!.index).toBeNull();
  });

  it('returns the result when the check passes', () => {
    const x = tensor([0.5, -1, 2]);
    const result = gradcheck((t) => sum(tanh(t)), [x], { raise: true });
    expect(result).toMatchObject({ ok: true, checked: 3, failed: 0, skipped: [] });
    expect(result.maxAbsError).toBeLessThan(1e-8);
  });

  it('refuses a raise that is not a boolean', () => {
    expect(() => gradcheck(halfSquare, [tensor([1])], { raise: 'yes' } as never)).toThrow(ValueError);
  });
});

describe('which inputs gradcheck checks', () => {
  const logits = () => fromData(Float64Array.from([1.5, -0.5, 0.25, 2, 0, -1]), [2, 3], { name: 'logits', requiresGrad: true });
  const labels = () => tensor([2, 0], { name: 'labels' });

  it('as PyTorch: the inputs that require grad; integer labels without it are held fixed and reported', () => {
    const result = gradcheck((z, y) => softmaxCrossEntropy(z, y), [logits(), labels()], { raise: true });
    expect(result.ok).toBe(true);
    expect(result.checked).toBe(6);
    expect(result.skipped).toEqual([{ input: 1, name: 'labels', reason: 'does not require grad (other inputs do)' }]);
  });

  it('all inputs when none requires grad (a list of plain tensors is checked whole)', () => {
    const a = randn([2, 3], { seed: 1 });
    const b = randn([3], { seed: 2 });
    const result = gradcheck((s, t) => sum(tanh(mul(s, t))), [a, b]);
    expect(result).toMatchObject({ ok: true, checked: 9, skipped: [] });
  });

  it('says which input cannot be moved when f refuses a perturbed one (labels at 2.000001)', () => {
    const plain = fromData(Float64Array.from([1.5, -0.5, 0.25, 2, 0, -1]), [2, 3]);
    const check = () => gradcheck((z, y) => softmaxCrossEntropy(z, y), [plain, labels()]);
    expect(check).toThrow(ValueError);
    expect(check).toThrow(
      /^gradcheck: f throws when input 1 'labels' of shape \[2\] is moved by ±eps \(softmaxCrossEntropy: label 2\.000001 at index 0 is not an integer[^)]*\): it cannot be checked; give requiresGrad: true to the inputs to check/,
    );
    // wrt (or requiresGrad on the logits) leaves the labels alone.
    expect(gradcheck((z, y) => softmaxCrossEntropy(z, y), [plain, labels()], { wrt: [0] })).toMatchObject({
      ok: true,
      checked: 6,
      skipped: [{ input: 1, name: 'labels', reason: 'not in wrt' }],
    });
  });

  it('refuses an empty wrt instead of passing without checking anything', () => {
    expect(() => gradcheck(halfSquare, [tensor([1])], { wrt: [] })).toThrow(/^gradcheck: wrt is empty: there is nothing to check$/);
    expect(() => gradcheck(halfSquare, [tensor([1])], { wrt: [1] })).toThrow(/^gradcheck: wrt names input 1, but there is 1 input$/);
    expect(() => gradcheck((a, b) => sum(mul(a, b)), [tensor([1]), tensor([2])], { wrt: [2] })).toThrow(/^gradcheck: wrt names input 2, but there are 2 inputs$/);
  });

  it('checks an input f does not depend on (both gradients 0), and catches one it reads through detach', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const unused = tensor([3, 4], { requiresGrad: true });
    const independent = gradcheck((a, _b) => sum(tanh(a)), [x, unused]);
    expect(independent).toMatchObject({ ok: true, checked: 4, skipped: [] });
    const detached = gradcheck((a, b) => sum(mul(a, b.detach())), [x, unused]);
    expect(detached.ok).toBe(false);
    expect(detached.worst).toMatchObject({ input: 1, analytic: 0 });
  });

  it('gradgradcheck still checks the cotangent u when the inputs require grad', () => {
    const x = tensor([0.5, -1, 2], { requiresGrad: true });
    const result = gradgradcheck((t) => tanh(t), [x]);
    expect(result.ok).toBe(true);
    expect(result.checked).toBe(3 + 3);
    expect(result.skipped).toEqual([]);
  });
});
