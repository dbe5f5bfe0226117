// Placeholder until @tensorgrad/nn lands: the lecture's example 4, ||Wx||^2, and its gradients.
import { tensor, matmul } from 'tensorgrad';

const W = tensor([[0.1, 0.5], [-0.3, 0.8]], { requiresGrad: true, name: 'W' });
const x = tensor([0.2, 0.4], { requiresGrad: true, name: 'x' });
const q = matmul(W, x);
const f = q.mul(q).sum();
f.backward();
console.log(`f = ${f.item()}\ndf/dW = ${W.grad}\ndf/dx = ${x.grad}`);
