import { ValueError, describeValue, type Tensor } from '@tensorgrad/core';
import { flatten } from '@tensorgrad/ops';
import { Module } from '../module.js';

/**
 * Merges axes startDim through endDim (inclusive; negative count from the end) into one, PyTorch's
 * nn.Flatten: by default every axis but the batch axis, [N, C, H, W] -> [N, C·H·W]. A view when x is
 * contiguous (ops' flatten, a reshape).
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  constructor(startDim = 1, endDim = -1) {
    super();
    for (const [name, d] of [['startDim', startDim], ['endDim', endDim]] as const) {
      if (!Number.isInteger(d)) throw new ValueError('Flatten', `${name} must be an integer, got ${describeValue(d)}`);
    }
    this.startDim = startDim;
    this.endDim = endDim;
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }

  protected override describe(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/** Returns its input, the same tensor (PyTorch's nn.Identity): a placeholder, e.g. for a layer switched off. */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
