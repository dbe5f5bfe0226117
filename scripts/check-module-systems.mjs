// The packed packages from every module system a user may have (`pnpm build` first; CI runs it after):
//   node scripts/check-module-systems.mjs [--keep]
// Packs the five packages with `pnpm pack` (as npm would publish them), lays them into node_modules of a
// throwaway project in a temp folder (their registry dependencies linked from this checkout's
// node_modules: no network), and from there: imports them as ES modules, requires them from CommonJS,
// type-checks a TypeScript file with module/moduleResolution node16, nodenext and bundler (in an ESM and
// a CommonJS package, skipLibCheck off), runs TypeScript with tsx, and runs esbuild bundles (ESM and
// CommonJS). Each run computes the lecture's example 4 and a matmul large enough for the WebAssembly
// kernel with its second thread. Last, what loading the package both ways does (two copies, see README).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { notBuiltReason } from './dist-placeholders.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const tsx = path.join(path.dirname(require.resolve('tsx/package.json')), 'dist/cli.mjs');
const PACKAGES = { core: '@tensorgrad/core', ops: '@tensorgrad/ops', nn: '@tensorgrad/nn', viz: '@tensorgrad/viz', tensorgrad: 'tensorgrad' };

for (const folder of Object.keys(PACKAGES)) {
  // A dist/ file missing, or only the placeholder pnpm install writes in a checkout without a build.
  const reason = notBuiltReason(path.join(root, 'packages', folder));
  if (reason) {
    console.error(reason);
    process.exit(1);
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tensorgrad-module-systems-'));
const modules = path.join(work, 'node_modules');
const run = (command, args, cwd) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// Pack and install by hand: the tarball's contents at node_modules/<name>, each registry dependency a
// link to the copy pnpm installed for the workspace package (its own dependencies sit beside it there).
for (const [folder, name] of Object.entries(PACKAGES)) {
  const dir = path.join(root, 'packages', folder);
  const tarball = run('pnpm', ['pack', '--pack-destination', work], dir).trim().split('\n').pop();
  const target = path.join(modules, name);
  fs.mkdirSync(target, { recursive: true });
  run('tar', ['-xzf', path.resolve(work, tarball), '-C', target, '--strip-components=1'], work);
  const manifest = JSON.parse(fs.readFileSync(path.join(target, 'package.json'), 'utf8'));
  // What npm does on install: the package's install script (ops: builds the native kernel from the
  // sources packed with it, so the addon is found from dist/ and dist/cjs/ alike).
  if (manifest.scripts?.install !== undefined) run('sh', ['-c', manifest.scripts.install], target);
  for (const dep of Object.keys(manifest.dependencies ?? {})) {
    if (dep === 'tensorgrad' || dep.startsWith('@tensorgrad/')) {
      if (manifest.dependencies[dep].startsWith('workspace:')) throw new Error(`${name}'s packed package.json still says ${dep}@${manifest.dependencies[dep]}`);
      continue;
    }
    const link = path.join(modules, dep);
    if (fs.existsSync(link)) continue;
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(fs.realpathSync(path.join(dir, 'node_modules', dep)), link);
  }
}
fs.mkdirSync(path.join(modules, '@types'), { recursive: true });
fs.symlinkSync(fs.realpathSync(path.join(root, 'node_modules/@types/node')), path.join(modules, '@types/node'));

// The same program for every runtime case; `load` is how it gets the packages.
const program = (load) => `${load}
const expectClose = (actual, expected, what) => {
  if (!(Math.abs(actual - expected) <= 1e-12)) throw new Error(what + ': ' + actual + ', expected ' + expected);
};
async function main() {
  // The lecture's example 4: f = ||W x||², df/dW = 2 q xᵀ, df/dx = 2 Wᵀ q.
  const W = tg.tensor([[0.1, 0.5], [-0.3, 0.8]], { requiresGrad: true });
  const x = tg.tensor([0.2, 0.4], { requiresGrad: true });
  const f = tg.matmul(W, x).l2();
  f.backward();
  expectClose(f.item(), 0.116, 'f');
  [0.088, 0.176, 0.104, 0.208].forEach((v, i) => expectClose(W.grad.toArray().flat()[i], v, 'dW'));
  [-0.112, 0.636].forEach((v, i) => expectClose(x.grad.toArray()[i], v, 'dx'));
  let refused = null;
  try { tg.matmul(W, tg.tensor([1, 2, 3])); } catch (e) { refused = e; }
  if (!(refused instanceof tg.ShapeError)) throw new Error('matmul of 2x2 by 3 did not throw a ShapeError: ' + refused);
  if (!kernels.inKernelMemory(kernels.toKernelMemory(tg.randn([200, 300])).data)) throw new Error('toKernelMemory did not move a 200x300 tensor');
  if (!viz.toDot(f).startsWith('digraph')) throw new Error('toDot gave no digraph');

  // The native kernel, built by the package's install script, is the default; it rounds as the
  // WebAssembly kernel does.
  // A bundle has no addon beside it (like any native addon, it loads only from the package): there the
  // WebAssembly kernel is the default.
  const native = tg.nativeKernelInfo();
  const bundled = where === 'the bundle';
  if (!bundled && !native.available) throw new Error('the native kernel did not load from the packed package: ' + native.reason);
  if (tg.gemmKernel().name !== (bundled ? 'wasm' : 'native')) throw new Error('default kernel ' + tg.gemmKernel().name);
  const p = tg.randn([96, 300], { seed: 3 }), q = tg.randn([300, 80], { seed: 4 });
  const viaNative = tg.matmul(p, q).data.slice();
  tg.setGemmKernel('wasm');
  const viaWasm = tg.matmul(p, q).data;
  if (!bundled && tg.wasmKernelInfo().fma && viaNative.some((v, i) => !Object.is(v, viaWasm[i]))) throw new Error('native and wasm products differ');
  // The WebAssembly kernel and its second thread (a worker_thread started from code in a string).
  if (!(await tg.startKernelThreads())) throw new Error('the second thread did not start');
  const n = 320;
  const a = tg.randn([n, n], { seed: 1 });
  const b = tg.randn([n, n], { seed: 2 });
  let c;
  for (let i = 0; i < 12; i++) c = tg.matmul(a, b);
  if (workerChunks() === 0) throw new Error('the second thread computed no chunk in 12 products of ' + n + 'x' + n);
  const A = a.data, B = b.data, C = c.data;
  for (const [i, j] of [[0, 0], [7, 300], [319, 1], [160, 160], [319, 319]]) {
    let s = 0;
    for (let k = 0; k < n; k++) s += A[i * n + k] * B[k * n + j];
    if (!(Math.abs(C[i * n + j] - s) <= 1e-12 * n)) throw new Error('C[' + i + '][' + j + '] = ' + C[i * n + j] + ', expected ' + s);
  }
  console.log('loaded ' + where + ', native ' + (native.available ? native.isa : 'not loaded') + ', second thread: ' + tg.wasmKernelInfo().worker + ', its chunks: ' + workerChunks());
}
main().catch((e) => { console.error(e); process.exitCode = 1; });
`;
// The worker's chunk count comes from the very module instance the package loaded (the same file).
const esm = `import * as tg from 'tensorgrad';
import * as kernels from 'tensorgrad/kernels';
import * as viz from '@tensorgrad/viz';
import { wasmWorkerChunks as workerChunks } from '../node_modules/@tensorgrad/ops/dist/kernels/threads.js';
const where = import.meta.resolve('tensorgrad');`;
const cjs = `const tg = require('tensorgrad');
const kernels = require('tensorgrad/kernels');
const viz = require('@tensorgrad/viz');
const { wasmWorkerChunks: workerChunks } = require('../node_modules/@tensorgrad/ops/dist/cjs/kernels/threads.js');
const where = require.resolve('tensorgrad');`;

// Typed use, with errors the types must catch (an unused @ts-expect-error is itself an error).
const typed = `import { tensor, matmul, Linear, ReLU, Sequential, SGD, softmaxCrossEntropy, ShapeError, type Tensor } from 'tensorgrad';
import { toKernelMemory, type GemmKernel } from 'tensorgrad/kernels';
import { toDot } from '@tensorgrad/viz';

const W: Tensor = tensor([[0.1, 0.5], [-0.3, 0.8]], { requiresGrad: true });
const x = tensor([0.2, 0.4], { requiresGrad: true });
const f: Tensor = matmul(W, x).l2().add(W.sum()).relu();
f.backward();
const net = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 2));
const opt = new SGD(net.parameters(), { lr: 0.1 });
const loss: Tensor = softmaxCrossEntropy(net.forward(toKernelMemory(tensor([[1, 2]]))), [1]);
loss.backward();
opt.step();
const kernel: GemmKernel | undefined = undefined;
const dot: string = toDot(f);
const isShapeError: boolean = new Error() instanceof ShapeError;
// @ts-expect-error: tensor() takes arrays, not strings
tensor('1, 2');
// @ts-expect-error: the methods the ops install on Tensor are typed
x.matmul();
// @ts-expect-error: internals are not exported by the umbrella
import('tensorgrad').then((m) => m.PendingGradient);
console.log(dot.length > 0, isShapeError, kernel);
`;

const write = (file, text) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};
write(path.join(work, 'esm/package.json'), '{ "type": "module" }\n');
write(path.join(work, 'esm/main.mjs'), program(esm));
write(path.join(work, 'esm/typed.ts'), typed);
write(path.join(work, 'esm/run.ts'), program(esm));
write(path.join(work, 'cjs/package.json'), '{ "type": "commonjs" }\n');
write(path.join(work, 'cjs/main.cjs'), program(cjs));
write(path.join(work, 'cjs/typed.ts'), typed);
write(path.join(work, 'cjs/run.ts'), program(cjs));
write(path.join(work, 'esm/bundled.mjs'), program(esm.replace("import.meta.resolve('tensorgrad')", "'the bundle'")));
write(path.join(work, 'cjs/bundled.cjs'), program(cjs.replace("require.resolve('tensorgrad')", "'the bundle'")));
const tsconfig = (module, moduleResolution, files) =>
  JSON.stringify({ compilerOptions: { module, moduleResolution, target: 'ES2022', lib: ['ES2022'], types: ['node'], strict: true, noEmit: true, skipLibCheck: false }, files });

const results = [];
async function check(name, fn) {
  try {
    const out = await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name}${out?.trim() ? `: ${out.trim().split('\n').pop()}` : ''}`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}\n${[error.stdout, error.stderr, error.stdout === undefined ? error.stack : ''].filter(Boolean).join('\n')}`);
  }
}
const expectIn = (text, part) => {
  if (!text.includes(part)) throw new Error(`expected "${part}" in:\n${text}`);
  return text;
};

await check('ES module: import from .mjs', () => expectIn(run('node', ['main.mjs'], path.join(work, 'esm')), '/tensorgrad/dist/index.js'));
await check('CommonJS: require from .cjs', () => expectIn(run('node', ['main.cjs'], path.join(work, 'cjs')), '/tensorgrad/dist/cjs/index.js'));
for (const [mod, resolution] of [['node16', 'node16'], ['nodenext', 'nodenext'], ['esnext', 'bundler']]) {
  await check(`TypeScript module ${mod}, moduleResolution ${resolution}, ESM package: tsc --noEmit`, () => {
    write(path.join(work, `esm/tsconfig.${resolution}.json`), tsconfig(mod, resolution, ['typed.ts']));
    return run('node', [tsc, '-p', `tsconfig.${resolution}.json`], path.join(work, 'esm'));
  });
}
for (const [mod, resolution] of [['node16', 'node16'], ['nodenext', 'nodenext']]) {
  await check(`TypeScript module ${mod}, moduleResolution ${resolution}, CommonJS package (require's types): tsc --noEmit`, () => {
    write(path.join(work, `cjs/tsconfig.${resolution}.json`), tsconfig(mod, resolution, ['typed.ts']));
    return run('node', [tsc, '-p', `tsconfig.${resolution}.json`], path.join(work, 'cjs'));
  });
}
await check('tsx, ESM package', () => expectIn(run('node', [tsx, 'run.ts'], path.join(work, 'esm')), '/tensorgrad/dist/index.js'));
await check('tsx, CommonJS package', () => expectIn(run('node', [tsx, 'run.ts'], path.join(work, 'cjs')), '/tensorgrad/dist/cjs/index.js'));
for (const format of ['esm', 'cjs']) {
  await check(`esbuild bundle (platform node, format ${format}), run`, async () => {
    const outfile = path.join(work, 'bundle', format === 'esm' ? 'out.mjs' : 'out.cjs');
    const result = await build({ entryPoints: [path.join(work, format === 'esm' ? 'esm/bundled.mjs' : 'cjs/bundled.cjs')], bundle: true, platform: 'node', format, outfile, logLevel: 'silent', external: ['@resvg/resvg-js'] });
    if (result.warnings.length > 0) throw new Error(result.warnings.map((w) => w.text).join('\n'));
    // resvg (viz's PNG renderer, loaded on first use) is a native addon: a bundle leaves it external.
    return expectIn(run('node', [outfile], path.dirname(outfile)), 'loaded the bundle');
  });
}

// Both ways in one process: Node loads dist/ and dist/cjs/, two copies of every module, each with its
// own Tensor class, op registry, grad mode and WebAssembly memory. They do not mix: a tensor of one is
// not a Tensor to the other, which refuses it with its own typed error.
write(path.join(work, 'esm/both.mjs'), `import { createRequire } from 'node:module';
import * as esm from 'tensorgrad';
const cjs = createRequire(import.meta.url)('tensorgrad');
const t = cjs.tensor([1, 2]);
let error = null;
try { esm.matmul(esm.tensor([[1, 0], [0, 1]]), t); } catch (e) { error = e; }
console.log(JSON.stringify({
  sameClass: esm.Tensor === cjs.Tensor,
  instanceOfOther: t instanceof esm.Tensor,
  refusedWith: error && error.constructor.name,
  refusalIsTyped: error instanceof esm.TensorgradError,
  message: error && error.message,
}));
`);
await check('loaded both ways: two copies that refuse each other\'s tensors with a typed error saying so', () => {
  const out = run('node', ['both.mjs'], path.join(work, 'esm'));
  const seen = JSON.parse(out.trim().split('\n').pop());
  if (seen.sameClass || seen.instanceOfOther || !seen.refusalIsTyped) throw new Error(`unexpected: ${out}`);
  expectIn(seen.message, 'matmul: expected a Tensor or a number, got a Tensor from another copy of tensorgrad');
  expectIn(seen.message, 'load it one way');
  return `${seen.refusedWith}: ${seen.message}`;
});

// In a checkout (not under node_modules) dist/ must not be older than src/: a package laid out as in the
// repository loads while its sources are older than the build, and refuses with what to do once one is newer.
const checkout = path.join(work, 'checkout/packages/core');
fs.cpSync(path.join(modules, '@tensorgrad/core'), checkout, { recursive: true, dereference: true, preserveTimestamps: true });
const load = `import(${JSON.stringify(path.join(checkout, 'dist/index.js'))}).then(() => console.log('loaded'), (e) => console.log(e.name + ': ' + e.message))`;
await check('a checkout whose dist/ is as new as src/ loads', () => expectIn(run('node', ['-e', load], work), 'loaded'));
await check('a checkout whose src/ changed after the build refuses, saying what to do', () => {
  const later = new Date(Date.now() + 60_000);
  fs.utimesSync(path.join(checkout, 'src/tensor.ts'), later, later);
  const out = run('node', ['-e', load], work);
  expectIn(out, 'StaleBuildError: @tensorgrad/core: dist/ is older than src/ (src/tensor.ts changed after the last build)');
  return expectIn(out, 'pnpm build');
});

const failed = results.filter((r) => !r.ok).length;
if (process.argv.includes('--keep')) console.log(`kept ${work}`);
else fs.rmSync(work, { recursive: true, force: true });
console.log(`module systems: ${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
