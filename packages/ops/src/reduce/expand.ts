import type { Shape, Tensor } from '@tensorgrad/core';
import { broadcastTo } from '../shape/broadcastTo.js';
import { reshape } from '../shape/reshape.js';

/**
 * The upstream gradient of a reduction (shaped like its result) spread back over the input's `shape`
 * with recorded ops (reshape to the keepDims shape `kept`, then broadcast): the recorded rules of sum,
 * max, logsumexp and norm start from it.
 */
export function expandRecorded(dy: Tensor, kept: Shape, shape: Shape): Tensor {
  return broadcastTo(reshape(dy, kept), shape);
}
