import { Random, randomFor, ValueError, fromData, type Tensor } from '@tensorgrad/core';
import { mul } from '@tensorgrad/ops';
import { Module } from '../module.js';
import { checkOptions } from '../options.js';

export interface DropoutOptions {
  /** Seed of the masks: same seed, same sequence of masks. Without it a random seed is drawn. */
  seed?: number;
}

/**
 * Inverted dropout: in training mode each entry is zeroed with probability p and the survivors are scaled
 * by 1/(1-p), so the expected activation is unchanged and evaluation mode is the identity (no rescaling
 * at test time). The backward is the same mask times the upstream gradient (it is a `mul`).
 */
export class Dropout extends Module {
  readonly p: number;
  private readonly _random: Random;

  constructor(p = 0.5, options: DropoutOptions = {}) {
    super();
    // p = 1 is allowed, as in PyTorch: every entry is dropped (the output is x·0 in training).
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ValueError('Dropout', `p must be a probability in [0, 1], got ${String(p)}`);
    this.p = p;
    this._random = randomFor(checkOptions('Dropout', options, { seed: 'any' }, '{ seed: 1 }').seed, 'Dropout');
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const keep = 1 - this.p;
    const mask = new Float64Array(x.size);
    // With p = 1 nothing survives: the mask stays all zeros (and no 1/0 scale is ever computed).
    if (keep > 0) for (let i = 0; i < mask.length; i++) mask[i] = this._random.uniform() < keep ? 1 / keep : 0;
    return mul(x, fromData(mask, x.shape));
  }

  protected override describe(): string {
    return `p=${this.p}`;
  }
}
