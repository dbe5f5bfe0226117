// Issue 14 item 8: every op and every creator checks the size of what it is about to allocate against one
// limit (core's checkSize: MAX_SIZE = 2^30 float64 values, 8 GiB), before allocating anything, and refuses
// with a ShapeError naming the op and the shape — not a RangeError from the allocator, and not a machine
// out of memory. A refused op changes nothing: its inputs keep their values and versions, nothing gets a
// gradient, and the storage behind a broadcast view is untouched.
import { describe, expect, it } from 'vitest';
import {
  MAX_SIZE,
  ShapeError,
  Tensor,
  TensorgradError,
  arange,
  checkSize,
  eye,
  full,
  linspace,
  ones,
  rand,
  randn,
  tensor,
  zeros,
} from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';

const LIMIT = 'more than the 1073741824 (2^30) values a tensor may hold (8 GiB)';

/** A [n, ...] broadcast view of one stored value (stride 0 everywhere): huge, and no memory behind it. */
function huge(shape: number[], name = 'v'): Tensor {
  return ops.broadcastTo(tensor(1.5, { requiresGrad: true, name }), shape);
}

/** Calls f, expects a ShapeError from `op` saying it cannot allocate `count` values for `shape`, and returns it. */
function refusesSize(f: () => unknown, op: string, shape: string, count?: string): ShapeError {
  let caught: unknown;
  const started = performance.now();
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(performance.now() - started, 'refused before any work').toBeLessThan(1000);
  expect(caught, `expected a ShapeError from ${op}, got ${String(caught)}`).toBeInstanceOf(ShapeError);
  const error = caught as ShapeError;
  expect(error).toBeInstanceOf(TensorgradError);
  expect(error.op).toBe(op);
  expect(error.message.startsWith(`${op}: cannot allocate ${count ?? ''}`), error.message).toBe(true);
  expect(error.message).toContain(`for shape ${shape}: ${LIMIT}`);
  return error;
}

describe('checkSize, the one size check', () => {
  it('passes up to 2^30 values and returns the size; one more is a ShapeError naming the op and the shape', () => {
    expect(MAX_SIZE).toBe(2 ** 30);
    expect(checkSize('f', [2 ** 15, 2 ** 15])).toBe(2 ** 30);
    expect(checkSize('f', [0, 1e300])).toBe(0);
    expect(checkSize('f', [])).toBe(1);
    refusesSize(() => checkSize('f', [2 ** 30 + 1]), 'f', '[1073741825]', '1073741825 float64 values (8.00 GiB)');
  });

  it('counts exactly past 2^53 and past the largest double', () => {
    const big = refusesSize(() => checkSize('f', [2 ** 40, 2 ** 20 + 1]), 'f', '[1099511627776, 1048577]');
    expect(big.message).toContain('cannot allocate 1152922604118474752 float64 values (8.00 EiB)');
    const beyond = refusesSize(() => checkSize('f', [1e200, 1e200]), 'f', '[1e+200, 1e+200]', '1.00e+400 float64 values for shape');
    expect(beyond.message).not.toContain('Infinity');
  });
});

describe('creators: the same limit and message', () => {
  const cases: [string, () => unknown, string][] = [
    ['zeros', () => zeros([2 ** 31]), '[2147483648]'],
    ['ones', () => ones([2 ** 31]), '[2147483648]'],
    ['full', () => full([2 ** 16, 2 ** 15], 1), '[65536, 32768]'],
    ['rand', () => rand([2 ** 31], { seed: 1 }), '[2147483648]'],
    ['randn', () => randn([1e5, 1e5, 10], { seed: 1 }), '[100000, 100000, 10]'],
    ['eye', () => eye(1e5), '[100000, 100000]'],
    ['arange', () => arange(2 ** 31), '[2147483648]'],
    ['linspace', () => linspace(0, 1, 2 ** 31), '[2147483648]'],
  ];
  it.each(cases)('%s', (op, f, shape) => {
    refusesSize(f, op, shape);
  });

  it('zeros([2 ** 31]) (16 GiB) states the count and the bytes', () => {
    refusesSize(() => zeros([2 ** 31]), 'zeros', '[2147483648]', '2147483648 float64 values (16.0 GiB)');
  });

  it('tensor() of a tensor (a broadcast view) too large to copy', () => {
    refusesSize(() => tensor(huge([1e5, 1e5])), 'tensor', '[100000, 100000]');
  });
});

describe('ops: the result (or an operand read in row-major order) checked before allocating', () => {
  const cases: [string, () => unknown, string][] = [
    ['add', () => ops.add(zeros([1e5, 1]), zeros([1, 1e5])), '[100000, 100000]'],
    ['sub', () => ops.sub(zeros([1e5, 1]), zeros([1, 1e5])), '[100000, 100000]'],
    ['mul', () => ops.mul(zeros([1e5, 1]), zeros([1, 1e5])), '[100000, 100000]'],
    ['div', () => ops.div(zeros([1e5, 1]), zeros([1, 1e5])), '[100000, 100000]'],
    ['maximum', () => ops.maximum(zeros([1e5, 1]), zeros([1, 1e5])), '[100000, 100000]'],
    ['greater', () => ops.greater(zeros([1e5, 1]), zeros([1, 1e5])), '[100000, 100000]'],
    ['where', () => ops.where(zeros([1e5, 1]), zeros([1, 1e5]), 0), '[100000, 100000]'],
    ['matmul', () => ops.matmul(zeros([1e5, 1]), zeros([1, 1e5])), '[100000, 100000]'],
    ['matmul', () => ops.matmul(zeros([3e4, 2, 1]), zeros([1, 1, 3e4])), '[30000, 2, 30000]'],
    ['linear', () => ops.linear(zeros([1e5, 1]), zeros([1e5, 1])), '[100000, 100000]'],
    ['sum', () => ops.sum(zeros([0, 1e12]), 0), '[1000000000000]'],
    ['sum', () => ops.sum(zeros([0, 1e12]), 0, true), '[1, 1000000000000]'],
    ['sum', () => ops.sum(huge([1e5, 1e5])), '[100000, 100000]'],
    ['mean', () => ops.mean(zeros([0, 1e12]), 0), '[1000000000000]'],
    ['variance', () => ops.variance(zeros([0, 1e12]), 0), '[1000000000000]'],
    ['max', () => ops.max(zeros([0, 1e12]), 0), '[1000000000000]'],
    ['logsumexp', () => ops.logsumexp(zeros([0, 1e12]), 0), '[1000000000000]'],
    ['norm', () => ops.norm(zeros([0, 1e12]), 2, 0), '[1000000000000]'],
    ['argmax', () => ops.argmax(huge([1e5, 1e5]), 1), '[100000, 100000]'],
    ['softmax', () => ops.softmax(huge([1e5, 1e5])), '[100000, 100000]'],
    ['logSoftmax', () => ops.logSoftmax(huge([1e5, 1e5])), '[100000, 100000]'],
    ['exp', () => ops.exp(huge([1e5, 1e5])), '[100000, 100000]'],
    ['relu', () => ops.relu(huge([1e5, 1e5])), '[100000, 100000]'],
    ['clone', () => ops.clone(huge([1e5, 1e5])), '[100000, 100000]'],
    ['l2', () => ops.l2(huge([1e5, 1e5])), '[100000, 100000]'],
    ['reshape', () => ops.reshape(huge([1e5, 1e5]), [-1]), '[10000000000]'],
    ['stack', () => ops.stack([huge([2 ** 30]), huge([2 ** 30])]), '[2, 1073741824]'],
    ['concat', () => ops.concat([huge([2 ** 30]), huge([2 ** 30])]), '[2147483648]'],
    ['take', () => ops.take(huge([1e5, 2]), new Array(1e5).fill(0), 1), '[100000, 100000]'],
    ['gather', () => ops.gather(huge([1e5, 1e5]), new Array(1e5).fill(0), 1), '[100000, 100000]'],
  ];

  it.each(cases)('%s', (op, f, shape) => {
    refusesSize(f, op, shape);
  });

  it('a refused op changes nothing: operands keep values and versions, get no gradient, and no graph is left behind', () => {
    const a = tensor([[1], [2]], { requiresGrad: true, name: 'a' });
    const col = ops.broadcastTo(a, [2, 1e5]);
    refusesSize(() => ops.matmul(ops.transpose(col), col), 'matmul', '[100000, 100000]');
    refusesSize(() => ops.add(ops.reshape(col, [2, 1e5, 1]), ops.reshape(col, [2, 1, 1e5])), 'add', '[2, 100000, 100000]');
    expect(a.toArray()).toEqual([[1], [2]]);
    expect(a.version).toBe(0);
    expect(a.grad).toBeNull();
    // The graph built so far is still usable.
    ops.sum(col).backward();
    expect(a.grad!.toArray()).toEqual([[1e5], [1e5]]);
  });

  it('the broadcast case of the issue: add([1e5, 1], [1, 1e5]) names both shapes\' result', () => {
    const error = refusesSize(() => ops.add(zeros([1e5, 1]), zeros([1, 1e5])), 'add', '[100000, 100000]');
    expect(error.message).toBe(`add: cannot allocate 10000000000 float64 values (74.5 GiB) for shape [100000, 100000]: ${LIMIT}`);
  });

  it('concatenating two 2^30-element broadcast views is refused at once, allocating nothing', () => {
    const before = process.memoryUsage().arrayBuffers;
    refusesSize(() => ops.concat([huge([2 ** 30]), huge([2 ** 30])]), 'concat', '[2147483648]', '2147483648 float64 values (16.0 GiB)');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });

  it('views are still free: broadcastTo, slice and transpose of a huge view allocate nothing and are not refused', () => {
    const v = huge([1e5, 1e5]);
    expect(ops.transpose(v).shape).toEqual([1e5, 1e5]);
    const piece = ops.slice(v, [[0, 2], [0, 3]]);
    expect(piece.toArray()).toEqual([[1.5, 1.5, 1.5], [1.5, 1.5, 1.5]]);
    expect(ops.sum(piece).item()).toBe(9);
  });
});

describe('.data of a broadcast view (materializing it)', () => {
  it('is a ShapeError naming data and the shape; the storage is untouched', () => {
    const x = tensor([1, 2]);
    const v = ops.broadcastTo(x, [1e5, 1e5, 2]);
    refusesSize(() => v.data, 'data', '[100000, 100000, 2]');
    refusesSize(() => v.toArray(), 'data', '[100000, 100000, 2]');
    expect(x.toArray()).toEqual([1, 2]);
    expect(x.version).toBe(0);
  });

  it('a small broadcast view still reads as before', () => {
    expect(Array.from(ops.broadcastTo(tensor([1, 2]), [2, 2]).data)).toEqual([1, 2, 1, 2]);
  });
});
