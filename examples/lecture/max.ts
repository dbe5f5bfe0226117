import { tensor } from 'tensorgrad';
import type { LectureExample } from './example.js';

/**
 * The gate patterns on one circuit, f = 2 (x y + max(z, w)) at x = 3, y = -4, z = 2, w = -1 (the course's
 * slide on patterns in backward flow): add distributes, max routes, mul switches.
 */
export const maxGate: LectureExample = {
  name: 'max',
  title: 'f = 2 · (x·y + max(z, w))',
  about: 'The max gate routes: z (the larger) gets all of the gradient 2, w gets 0. The mul gates switch, the add gate distributes.',
  build() {
    const x = tensor(3, { requiresGrad: true, name: 'x' });
    const y = tensor(-4, { requiresGrad: true, name: 'y' });
    const z = tensor(2, { requiresGrad: true, name: 'z' });
    const w = tensor(-1, { requiresGrad: true, name: 'w' });
    return x.mul(y).add(z.maximum(w)).mul(2).named('f');
  },
};
