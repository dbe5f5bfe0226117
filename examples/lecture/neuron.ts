import { tensor } from 'tensorgrad';
import type { LectureExample } from './example.js';

function inputs() {
  return {
    w0: tensor(2, { requiresGrad: true, name: 'w0' }),
    x0: tensor(-1, { requiresGrad: true, name: 'x0' }),
    w1: tensor(-3, { requiresGrad: true, name: 'w1' }),
    x1: tensor(-2, { requiresGrad: true, name: 'x1' }),
    w2: tensor(-3, { requiresGrad: true, name: 'w2' }),
  };
}

/** Worked example 3, gate by gate: f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))). */
export const neuron: LectureExample = {
  name: 'neuron',
  title: 'sigmoid neuron from single gates: 1 / (1 + exp(-(w0·x0 + w1·x1 + w2)))',
  about: 'Every gate of the lecture: ×, +, ×-1, exp, +1, 1/x. Backward: 1/x gives -0.53, +1 passes it, exp gives -0.20, ×-1 gives 0.20.',
  build() {
    const { w0, x0, w1, x1, w2 } = inputs();
    const s = w0.mul(x0).add(w1.mul(x1)).add(w2).named('s');
    // The lecture's "*-1", "exp", "+1" and "1/x" gates.
    return s.neg().exp().add(1).reciprocal().named('f');
  },
};

/** Worked example 3 with the sigmoid as one gate: its local gradient (1 - σ) σ = 0.20 in a single step. */
export const sigmoidNeuron: LectureExample = {
  name: 'sigmoid',
  title: 'sigmoid neuron with a sigmoid gate: σ(w0·x0 + w1·x1 + w2)',
  about: 'Modularity: the four gates after the sum collapse into σ, whose local gradient is (1 - 0.73) × 0.73 = 0.20.',
  build() {
    const { w0, x0, w1, x1, w2 } = inputs();
    return w0.mul(x0).add(w1.mul(x1)).add(w2).named('s').sigmoid().named('f');
  },
};
