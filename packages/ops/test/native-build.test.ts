import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// native/build.mjs (ops' install script) where it cannot build: run on a copy of native/ with no
// compiler, or with a compiler that fails, it must print one line, exit 0 (1 with --strict), leave no
// temporary folder, and remove a binary built from other sources rather than leave it to be loaded.

const nativeDir = fileURLToPath(new URL('../native/', import.meta.url));
const nodeHeaders = fs.existsSync(path.resolve(path.dirname(process.execPath), '..', 'include', 'node', 'node_api.h'));

describe.runIf(process.arch === 'x64' && process.platform !== 'win32')('native/build.mjs when it cannot build', () => {
  let dir = '';
  let tmp = '';
  let emptyPath = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-native-build-test-'));
    for (const f of fs.readdirSync(nativeDir)) {
      if (/\.(cc|h|mjs)$/.test(f)) fs.copyFileSync(path.join(nativeDir, f), path.join(dir, f));
    }
    tmp = path.join(dir, 'tmp');
    emptyPath = path.join(dir, 'empty-bin');
    fs.mkdirSync(tmp);
    fs.mkdirSync(emptyPath);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (env: Record<string, string | undefined>, args: string[] = []) => {
    const { CXX: _cxx, TENSORGRAD_NATIVE: _off, ...inherited } = process.env;
    const r = spawnSync(process.execPath, [path.join(dir, 'build.mjs'), ...args], {
      env: { ...inherited, TMPDIR: tmp, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: r.status, err: r.stderr };
  };
  /** A "compiler" that answers --version and fails every compilation. */
  const failingCompiler = () => {
    const file = path.join(dir, 'failing-cxx');
    fs.writeFileSync(file, '#!/bin/sh\nif [ "$1" = "--version" ]; then echo fake 1.0; exit 0; fi\necho "error: no such compiler" >&2\nexit 1\n', { mode: 0o755 });
    return file;
  };

  it.runIf(nodeHeaders)('no compiler on PATH: one line naming the reason, exit 0; exit 1 with --strict', () => {
    const plain = run({ PATH: emptyPath });
    expect(plain.status).toBe(0);
    expect(plain.err.trim().split('\n')).toEqual([
      '@tensorgrad/ops: native kernel not built (no C++ compiler: set CXX, or install g++); the WebAssembly kernel is the default.',
    ]);
    expect(run({ PATH: emptyPath }, ['--strict']).status).toBe(1);
    expect(fs.existsSync(path.join(dir, 'build', 'tensorgrad-native.node'))).toBe(false);
  });

  it('TENSORGRAD_NATIVE=0: skipped before anything is looked for', () => {
    const r = run({ TENSORGRAD_NATIVE: '0', PATH: emptyPath });
    expect(r.status).toBe(0);
    expect(r.err).toContain('native kernel not built (TENSORGRAD_NATIVE=0)');
  });

  it.runIf(nodeHeaders)('a failing compiler removes a binary stamped for other sources, and its temporary folder', () => {
    const build = path.join(dir, 'build');
    fs.mkdirSync(build);
    fs.writeFileSync(path.join(build, 'tensorgrad-native.node'), 'an addon from older sources');
    fs.writeFileSync(path.join(build, 'stamp.json'), JSON.stringify({ digest: 'older sources' }));
    const r = run({ CXX: failingCompiler() });
    expect(r.status).toBe(0);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/native kernel not built \(.*failing-cxx failed: error: no such compiler/);
    expect(fs.existsSync(path.join(build, 'tensorgrad-native.node'))).toBe(false);
    expect(fs.existsSync(path.join(build, 'stamp.json'))).toBe(false);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});

const hasTool = (tool: string) => spawnSync(tool, ['--version'], { encoding: 'utf8' }).status === 0;

describe.runIf(process.arch === 'x64' && hasTool('g++') && hasTool('nm'))('native/: the micro-kernel files', () => {
  // Each is compiled with its own -m flags. A weak symbol (a std template's instantiation) that both
  // define is merged by the linker into one copy for both, so the AVX2 path could run AVX-512 code.
  it.each([
    ['gemm-avx512.cc', ['-mavx512f', '-mavx2', '-mfma']],
    ['gemm-avx2.cc', ['-mavx2', '-mfma']],
  ])('%s defines no symbol the linker could merge across instruction sets', (file, flags) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-native-isa-test-'));
    try {
      const object = path.join(out, 'unit.o');
      const cc = spawnSync('g++', ['-O2', '-std=c++17', '-fPIC', '-ffp-contract=off', '-fvisibility=hidden', ...flags, '-c', path.join(nativeDir, file), '-o', object], { encoding: 'utf8' });
      expect(cc.stderr).toBe('');
      expect(cc.status).toBe(0);
      const symbols = spawnSync('nm', ['-C', object], { encoding: 'utf8' }).stdout.split('\n');
      expect(symbols.filter((line) => / [WVu] /.test(line))).toEqual([]);
      // and it did compile the micro-kernel (the check is not vacuous)
      expect(symbols.some((line) => /block\(tg::Job const&, int, int, int, int\)/.test(line))).toBe(true);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
