import { tensor } from 'tensorgrad';
import type { LectureExample } from './example.js';

/** Worked example 4: f(x, W) = ||W x||² with q = W x. */
export const l2: LectureExample = {
  name: 'l2',
  title: 'f(x, W) = ||W x||²',
  about: 'No Jacobian: df/dW = 2 q xᵀ has the shape of W, df/dx = 2 Wᵀ q the shape of x.',
  decimals: 3,
  build() {
    const W = tensor([[0.1, 0.5], [-0.3, 0.8]], { requiresGrad: true, name: 'W' });
    const x = tensor([0.2, 0.4], { requiresGrad: true, name: 'x' });
    return W.matmul(x).named('q').l2().named('f');
  },
};
