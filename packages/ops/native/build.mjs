// Builds the native kernel (a Node-API addon) into native/build/tensorgrad-native.node. Run by the
// package's `install` script, so `pnpm install` (or npm) builds it where it can; it is optional:
// without it the WebAssembly kernel is the default. Nothing is downloaded: it needs a C++ compiler
// (`$CXX`, else g++, else c++) and Node's own headers (node_api.h, from Node's install prefix or
// npm's `nodedir`), and an x86-64 processor.
//
//   node native/build.mjs           build unless the binary is up to date with the sources (a stamp)
//   node native/build.mjs --force   build anyway
//   node native/build.mjs --strict  exit 1 when it cannot build (CI; installs never fail on it)
//
// Every failure is one line on stderr saying why, and exit 0 (or 1 with --strict).
import { spawnSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'build');
const target = path.join(out, 'tensorgrad-native.node');
const stamp = path.join(out, 'stamp.json');
const args = new Set(process.argv.slice(2));
const strict = args.has('--strict');

/** Each translation unit with its own instruction-set flags (the micro-kernels), all -ffp-contract=off. */
const units = [
  { file: 'addon.cc', flags: [] },
  { file: 'gemm-avx512.cc', flags: ['-mavx512f', '-mavx2', '-mfma'] },
  { file: 'gemm-avx2.cc', flags: ['-mavx2', '-mfma'] },
];
const common = ['-O2', '-std=c++17', '-fPIC', '-ffp-contract=off', '-fvisibility=hidden', '-DNAPI_VERSION=8'];

/** Set once the sources differ from the binary's: a failure then also removes that stale binary. */
let rebuilding = false;

function skip(reason) {
  if (rebuilding) {
    // A binary built from other sources may not match src/kernels/gemm-native.ts: better none at all.
    try {
      fs.rmSync(target, { force: true });
      fs.rmSync(stamp, { force: true });
    } catch {
      // left as it was
    }
  }
  process.stderr.write(`@tensorgrad/ops: native kernel not built (${reason}); the WebAssembly kernel is the default.\n`);
  process.exit(strict ? 1 : 0);
}

// An unexpected error (a read-only package folder, a full disk) is one line too, never a failed install.
process.on('uncaughtException', (error) => skip(error instanceof Error ? error.message : String(error)));

if (process.env.TENSORGRAD_NATIVE === '0') skip('TENSORGRAD_NATIVE=0');
if (process.arch !== 'x64') skip(`processor ${process.arch}: the micro-kernels are x86-64 (AVX2/AVX-512)`);
if (process.platform === 'win32') skip('Windows is not supported by this build script');

function headerDir() {
  const candidates = [
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
    path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
  ].filter(Boolean);
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'node_api.h')));
}

function compiler() {
  for (const cxx of [process.env.CXX, 'g++', 'c++', 'clang++'].filter(Boolean)) {
    const probe = spawnSync(cxx, ['--version'], { encoding: 'utf8' });
    if (probe.status === 0) return cxx;
  }
  return undefined;
}

const include = headerDir();
if (include === undefined) skip("Node's headers (node_api.h) were not found beside Node or in npm's nodedir");
const cxx = compiler();
if (cxx === undefined) skip('no C++ compiler: set CXX, or install g++');

const sources = fs.readdirSync(here).filter((f) => /\.(cc|h|map)$/.test(f)).sort();
const hash = createHash('sha256');
for (const f of sources) hash.update(f).update(fs.readFileSync(path.join(here, f)));
hash.update(JSON.stringify({ common, units, cxx, include, node: process.versions.modules }));
const digest = hash.digest('hex');
let upToDate = false;
if (fs.existsSync(target) && fs.existsSync(stamp)) {
  try {
    upToDate = JSON.parse(fs.readFileSync(stamp, 'utf8')).digest === digest;
  } catch {
    // rebuild
  }
}
if (upToDate && !args.has('--force')) process.exit(0);

rebuilding = !upToDate;
fs.mkdirSync(out, { recursive: true });
// Objects and the binary are written under temporary names and renamed into place, so that a failed or
// interrupted build never leaves a half-written addon where the kernel loads it.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tensorgrad-native-'));
process.on('exit', () => {
  try {
    fs.rmSync(tmp, { recursive: true, force: true });
  } catch {
    // a temporary folder left behind
  }
});
// An interrupted build (Ctrl-C, a killed install) exits through the handler above; the binary in place stays.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => process.exit(130));
function run(argv) {
  return new Promise((resolve) => {
    const child = spawn(cxx, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => resolve({ ok: false, err: e.message }));
    child.on('close', (code) => resolve({ ok: code === 0, err }));
  });
}
const objects = units.map((u) => path.join(tmp, u.file.replace(/\.cc$/, '.o')));
const compiled = await Promise.all(units.map((u, i) => run([...common, ...u.flags, `-I${include}`, '-c', path.join(here, u.file), '-o', objects[i]])));
const failed = compiled.find((r) => !r.ok);
if (failed !== undefined) skip(`${cxx} failed: ${failed.err.trim().split('\n').slice(0, 3).join(' | ')}`);
const linked = path.join(tmp, 'tensorgrad-native.node');
const link = await run(['-shared', '-pthread', ...(process.platform === 'linux' ? [`-Wl,--version-script=${path.join(here, 'exports.map')}`] : []), '-o', linked, ...objects]);
if (!link.ok) skip(`linking failed: ${link.err.trim().split('\n')[0]}`);
// Load it once here: a binary that this Node cannot load (or this processor cannot run) is not kept.
const check = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(linked)}).info()`], { encoding: 'utf8' });
if (check.status !== 0) skip(`the built addon does not load: ${(check.stderr || '').trim().split('\n').find((l) => /Error/.test(l)) ?? 'unknown error'}`);
const staged = `${target}.${process.pid}.tmp`;
fs.copyFileSync(linked, staged);
fs.renameSync(staged, target);
fs.writeFileSync(stamp, JSON.stringify({ digest, cxx, include }) + '\n');
