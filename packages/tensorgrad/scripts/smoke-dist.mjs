// Plain Node, no TypeScript and no '@tensorgrad/source' condition: checks that the built packages
// (`pnpm build` first) load from dist/ and compute the lecture's example 4. Run from anywhere:
//   node packages/tensorgrad/scripts/smoke-dist.mjs
// 'tensorgrad' resolves through the package's own exports map (a self-reference), like an installed copy.
import assert from 'node:assert/strict';
import { tensor, matmul, ShapeError, randn } from 'tensorgrad';

const resolved = import.meta.resolve('tensorgrad');
assert.match(resolved, /\/dist\/index\.js$/, `expected the built dist/, got ${resolved}`);

const W = tensor([[0.1, 0.5], [-0.3, 0.8]], { requiresGrad: true });
const x = tensor([0.2, 0.4], { requiresGrad: true });
const f = matmul(W, x).l2();
f.backward();
const close = (actual, expected) => actual.flat().forEach((v, i) => assert.ok(Math.abs(v - expected.flat()[i]) < 1e-12, `${v} vs ${expected.flat()[i]}`));
close([f.item()], [0.116]);
close(W.grad.toArray(), [[0.088, 0.176], [0.104, 0.208]]);
close(x.grad.toArray(), [-0.112, 0.636]);
assert.deepEqual(randn([2], { seed: 42 }).toArray(), [0.6953712153418404, 0.5878986391985577]);
assert.throws(() => tensor([[1, 2], [3]]), ShapeError);
console.log(`tensorgrad dist OK (${resolved})`);
