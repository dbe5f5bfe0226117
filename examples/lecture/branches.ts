import { tensor } from 'tensorgrad';
import type { LectureExample } from './example.js';

/** Gradients add at branches: x feeds two gates, so its gradient is the sum of theirs. */
export const branches: LectureExample = {
  name: 'branches',
  title: 'f = x·y + exp(x)',
  about: 'x fans out to the mul gate and the exp gate: its gradient is y + exp(x) = 2.00 + 2.72 = 4.72.',
  build() {
    const x = tensor(1, { requiresGrad: true, name: 'x' });
    const y = tensor(2, { requiresGrad: true, name: 'y' });
    return x.mul(y).add(x.exp()).named('f');
  },
};
