// 'tensorgrad/vitest': toBeCloseToTensor and toHaveShape, and the equality tester it registers (the
// same answers as plain toEqual, test/tensor-equality.test.ts, in a loop). Importing the module is all
// a test file (or a setupFiles entry) does.
import 'tensorgrad/vitest';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { failure } from './expectation-failure.js';
import { arange, tensor, zeros, randn, transpose, mul, sum, ValueError, broadcastTo } from 'tensorgrad';
import { tensorEquality, tensorMatchers } from 'tensorgrad/vitest';

describe('toBeCloseToTensor', () => {
  it('passes within the tolerance, fails outside it, and .not inverts', () => {
    expect(tensor([0.1 + 0.2, 1])).toBeCloseToTensor(tensor([0.3, 1]));
    expect(tensor([1, 2])).toBeCloseToTensor([1, 2.0000001]);
    expect(tensor([1, 2])).not.toBeCloseToTensor(tensor([1, 2.1]));
    expect(tensor([1, 2])).toBeCloseToTensor(tensor([1, 2.1]), { rtol: 0.1, atol: 0 });
    expect(tensor(3)).toBeCloseToTensor(3);
    expect(tensor([-0])).toBeCloseToTensor(tensor([0]));
    expect(tensor([NaN])).not.toBeCloseToTensor(tensor([NaN]));
    expect(tensor([NaN])).toBeCloseToTensor(tensor([NaN]), { equalNan: true });
  });

  it("names the first mismatch and gives PyTorch's summary", () => {
    const a = tensor([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]);
    const b = tensor([[1, 2.1, 3, 4, 5], [6, 7, 8.5, 9, 10]]);
    const { message } = failure(() => expect(a).toBeCloseToTensor(b));
    expect(message).toBe(
      'expected tensor([[ 1.,  2.,  3.,  4.,  5.], [ 6.,  7.,  8.,  9., 10.]]) to be close to tensor([[ 1.0000,  2.1000,  3.0000,  4.0000,  5.0000], [ 6.0000,  7.0000,  8.5000,  9.0000, 10.0000]])\n\n' +
        'Tensor-likes are not close!\n\n' +
        'Mismatched elements: 2 / 10 (20.0%)\n' +
        'Greatest absolute difference: 0.5 at index (1, 2) (up to 1e-07 allowed)\n' +
        'Greatest relative difference: 0.058823529411764705 at index (1, 2) (up to 1e-07 allowed)\n' +
        'First mismatch at index (0, 1): received 2, expected 2.1',
    );
  });

  it('fails on a shape mismatch, and on something that is not a tensor', () => {
    expect(failure(() => expect(zeros([2, 3])).toBeCloseToTensor(zeros([3, 2]))).message).toContain(
      "The values for attribute 'shape' do not match: [2, 3] != [3, 2].",
    );
    expect(zeros([2, 3])).not.toBeCloseToTensor(zeros([3, 2]));
    expect(failure(() => expect([1, 2]).toBeCloseToTensor(tensor([1, 2]))).message).toBe(
      'expected a Tensor to compare with tensor([1., 2.]), received [1, 2]',
    );
  });

  it('says what passed under .not', () => {
    expect(failure(() => expect(tensor([1, 2])).not.toBeCloseToTensor(tensor([1, 2]))).message).toBe(
      'expected tensor([1., 2.]) not to be close to tensor([1., 2.])',
    );
  });

  it('works as an asymmetric matcher inside objects', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    sum(mul(x, x)).backward();
    expect({ grad: x.grad }).toEqual({ grad: expect.toBeCloseToTensor(tensor([2, 4])) });
    expect({ grad: x.grad }).not.toEqual({ grad: expect.toBeCloseToTensor(tensor([2, 5])) });
  });

  it('takes nested arrays or a number as expected, and prints them as given', () => {
    const { message } = failure(() => expect(tensor([1, 2])).toBeCloseToTensor([1, 3]));
    expect(message).toMatch(/^expected tensor\(\[1\., 2\.\]\) to be close to \[1,3\]\n/);
    expect(failure(() => expect(tensor(2)).toBeCloseToTensor(3)).message).toMatch(/^expected tensor\(2\.\) to be close to 3\n/);
  });

  it('inside an object, a failure elsewhere gets vitest’s diff (the matcher runs again on its copies)', () => {
    const check = () => expect({ y: tensor([1, 2]), z: 1 }).toEqual({ y: expect.toBeCloseToTensor(tensor([1, 2])), z: 2 });
    expect(check).toThrow('expected { y: tensor([1., 2.]), z: 1 } to deeply equal { y: toBeCloseToTensor{…}, z: 2 }');
    const { diff } = failure(check);
    expect(diff).toMatch(/-\s+"z": 2,\n\+\s+"z": 1,/);
    expect(diff).not.toMatch(/TypeError|toBeCloseToTensor/); // the matched tensor prints as the received one
    const shape = failure(() => expect({ W: zeros([2, 3]), n: 1 }).toEqual({ W: expect.toHaveShape([2, 3]), n: 2 }));
    expect(shape.diff).toMatch(/-\s+"n": 2,\n\+\s+"n": 1,/);
    expect(shape.diff).not.toContain('toHaveShape');
  });

  it('a bad option is the test’s error, not a failed match', () => {
    expect(() => expect(tensor([1])).toBeCloseToTensor(tensor([1]), { atol: 1e-3 })).toThrow(ValueError);
  });
});

describe('toHaveShape', () => {
  it('passes on the shape, fails naming the first axis that differs', () => {
    const W = randn([3, 4], { requiresGrad: true, seed: 1 });
    sum(mul(W, W)).backward();
    expect(W.grad).toHaveShape([3, 4]);
    expect(transpose(W)).toHaveShape([4, 3]);
    expect(tensor(2)).toHaveShape([]);
    expect(W).not.toHaveShape([4, 3]);
    const axis = failure(() => expect(W.grad).toHaveShape([3, 5]));
    expect(axis.message).toMatch(/^expected tensor\(\[\[ 1\.6323, .*, shape=\[3, 4\]\) to have shape \[3, 5\], but its shape is \[3, 4\] \(axis 1: 4, not 5\)$/);
    expect(axis.diff).toMatch(/-\s+5,\n\+\s+4,/);
    const rank = failure(() => expect(zeros([2, 3])).toHaveShape([6]));
    expect(rank.message).toBe('expected tensor([[0., 0., 0.], [0., 0., 0.]]) to have shape [6], but its shape is [2, 3] (2 dimensions, not 1)');
    expect(failure(() => expect(zeros([2])).not.toHaveShape([2])).message).toBe('expected tensor([0., 0.]) not to have shape [2]');
    expect(failure(() => expect(null).toHaveShape([2])).message).toBe('expected a Tensor of shape [2], received null');
    expect(() => expect(zeros([2])).toHaveShape([2.5])).toThrow(/toHaveShape: the expected shape must be a list of non-negative integers/);
  });

  it('prints a large tensor in one shortened line', () => {
    const { message } = failure(() => expect(arange(1000)).toHaveShape([10, 100]));
    expect(message).toMatch(/^expected tensor\(\[ +0\., .{0,100} …, shape=\[1000\]\) to have shape \[10, 100\], but its shape is \[1000\] \(1 dimension, not 2\)$/);
  });
});

describe('the equality tester', () => {
  it('gives toEqual the same answers as without it', () => {
    expect(transpose(tensor([[1, 2], [3, 4]]))).toEqual(tensor([[1, 3], [2, 4]]));
    expect(broadcastTo(tensor([1, 2]), [2, 2])).toStrictEqual(tensor([[1, 2], [1, 2]]));
    expect(tensor([1, 2])).not.toEqual(tensor([1, 3]));
    expect(arange(6).reshape([2, 3])).not.toEqual(arange(6).reshape([3, 2]));
    expect(tensor([NaN])).toEqual(tensor([NaN]));
    expect(tensor([-0])).not.toEqual(tensor([0]));
    expect(tensorEquality(tensor([1]), [1])).toBeUndefined();
    const { diff } = failure(() => expect(tensor([1, 2])).toEqual(tensor([1, 3])));
    expect(diff).toMatch(/Symbol\(tensorgrad\.values\): Float64Array \[\n\s+1,\n-\s+3,\n\+\s+2,/);
  });

  it('compares a million values in a loop', () => {
    const a = zeros([1000, 1000]);
    const start = performance.now();
    expect(a).toEqual(zeros([1000, 1000]));
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('exports the matchers for expect.extend', () => {
    expect(Object.keys(tensorMatchers)).toEqual(['toBeCloseToTensor', 'toHaveShape']);
  });
});

describe('the package', () => {
  it("exports './vitest' and keeps vitest an optional peer dependency", () => {
    const manifest = JSON.parse(readFileSync(new URL('../packages/tensorgrad/package.json', import.meta.url), 'utf8'));
    expect(manifest.exports['./vitest']['@tensorgrad/source']).toBe('./src/vitest.ts');
    expect(manifest.exports['./vitest'].import).toEqual({ types: './dist/vitest.d.ts', default: './dist/vitest.js' });
    // A condition of its own, before import: TypeScript resolves "types": ["tensorgrad/vitest"] under
    // moduleResolution node16/nodenext with the require conditions (TS2688 with import alone).
    expect(Object.keys(manifest.exports['./vitest'])).toEqual(['@tensorgrad/source', 'types', 'import']);
    expect(manifest.exports['./vitest'].types).toBe('./dist/vitest.d.ts');
    expect(manifest.peerDependencies.vitest).toBeDefined();
    expect(manifest.peerDependenciesMeta.vitest.optional).toBe(true);
    expect(manifest.dependencies.vitest).toBeUndefined();
    // Only the vitest entry imports vitest.
    const index = readFileSync(new URL('../packages/tensorgrad/src/index.ts', import.meta.url), 'utf8');
    expect(index).not.toMatch(/from 'vitest'/);
  });
});
