import { tensor } from 'tensorgrad';
import type { LectureExample } from './example.js';

/** Worked example 1: f(x, y, z) = (x + y) z at x = -2, y = 5, z = -4. */
export const circuit: LectureExample = {
  name: 'circuit',
  title: 'f(x, y, z) = (x + y) · z',
  about: 'The add gate distributes the upstream gradient -4 to x and y; the mul gate switches: q gets z, z gets q.',
  build() {
    const x = tensor(-2, { requiresGrad: true, name: 'x' });
    const y = tensor(5, { requiresGrad: true, name: 'y' });
    const z = tensor(-4, { requiresGrad: true, name: 'z' });
    const q = x.add(y).named('q');
    return q.mul(z).named('f');
  },
};
