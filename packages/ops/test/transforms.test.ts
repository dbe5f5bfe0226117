// grad, vjp and gradcheck refuse junk arguments with typed errors naming the function called.
import { describe, expect, it } from 'vitest';
import { Tensor, ValueError, tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { sum } from '@tensorgrad/ops';

describe('junk arguments give typed errors naming the op', () => {
  it('transforms and gradcheck check f, inputs, argnums and options', () => {
    const x = tensor([1, 2]);
    expect(() => ops.grad(null as never)).toThrow(/^grad: expected a function f/);
    expect(() => ops.grad((t: Tensor) => sum(t), 'a' as never)).toThrow(/^grad: argnums must be/);
    expect(() => ops.grad((t: Tensor) => sum(t), 1.5)(x)).toThrow(/^grad: argnums 1.5 is not an argument index/);
    expect(() => ops.vjp(3 as never, x)).toThrow(/^vjp: expected a function f/);
    expect(() => ops.vjp((t) => t, 'x' as never)).toThrow(/^vjp: expected a Tensor or a number/);
    expect(() => ops.gradcheck(null as never, [x])).toThrow(/^gradcheck: expected a function f/);
    expect(() => ops.gradcheck((t) => sum(t), x as never)).toThrow(/^gradcheck: inputs must be a list of Tensors/);
    expect(() => ops.gradcheck((t) => sum(t), [x], { eps: 0 })).toThrow(/^gradcheck: eps must be a finite positive number/);
    expect(() => ops.gradcheck((t) => sum(t), [x], { wrt: [3] })).toThrow(/^gradcheck: wrt names input 3/);
    expect(() => ops.gradcheck((t) => sum(t), [x], null as never)).toThrow(ValueError);
  });
});
