// A checkout without a build (a fresh clone after `pnpm install`): the exports maps point at dist/,
// which does not exist, so a script loading 'tensorgrad' without the '@tensorgrad/source' condition
// would get Node's bare "Cannot find module". The root's `prepare` script
// (scripts/dist-placeholders.mjs) writes placeholders there that say what to do. Here on a copy of
// core, ops, nn and tensorgrad (package.json and src/, linked as pnpm links them) in a temp folder:
// the script itself, then plain Node (import and require) and tsx loading the copy.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const script = path.join(repo, 'scripts/dist-placeholders.mjs');
const tsxCli = path.join(repo, 'node_modules/tsx/dist/cli.mjs');
const COPIED = ['core', 'ops', 'nn', 'tensorgrad'];
const LINKS: Record<string, string[]> = { ops: ['core'], nn: ['core', 'ops'], tensorgrad: ['core', 'ops', 'nn'] };
const NAMES: Record<string, string> = { core: '@tensorgrad/core', ops: '@tensorgrad/ops', nn: '@tensorgrad/nn', tensorgrad: 'tensorgrad' };

let work: string;

/** Runs node with args in `cwd`; exit status and both streams. */
function node(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The names an ES module placeholder declares as exports. */
function declaredNames(file: string): string[] {
  const match = /export \{ (.*) \};/.exec(fs.readFileSync(file, 'utf8'));
  return match ? match[1].split(', ').map((s) => s.replace(/^notBuilt as /, '')).sort() : [];
}

const expectNotBuilt = (stderr: string, pkg: string, file: string) => {
  expect(stderr).toContain(`NotBuiltError: ${pkg}: ${file} has not been built`);
  expect(stderr).toContain('Run `pnpm build`');
  expect(stderr).toContain('tsx --conditions=@tensorgrad/source');
  expect(stderr).not.toContain('does not provide an export');
  expect(stderr).not.toContain('Cannot find module');
};

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tensorgrad-fresh-clone-'));
  for (const folder of COPIED) {
    const dir = path.join(work, 'packages', folder);
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(repo, 'packages', folder, 'package.json'), path.join(dir, 'package.json'));
    fs.cpSync(path.join(repo, 'packages', folder, 'src'), path.join(dir, 'src'), { recursive: true });
    for (const dep of LINKS[folder] ?? []) {
      const link = path.join(dir, 'node_modules', NAMES[dep]);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(path.join(work, 'packages', dep), link);
    }
  }
  fs.mkdirSync(path.join(work, 'node_modules/@tensorgrad'), { recursive: true });
  for (const folder of COPIED) fs.symlinkSync(path.join(work, 'packages', folder), path.join(work, 'node_modules', NAMES[folder]));
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('a checkout without a build', () => {
  it('pnpm install writes a placeholder at every dist/ file the exports maps, main and module name', () => {
    const out = execFileSync(process.execPath, [script, '--root', work], { encoding: 'utf8' });
    expect(out).toContain('packages/core, packages/nn, packages/ops, packages/tensorgrad not built yet');
    const files = (folder: string) =>
      (fs.readdirSync(path.join(work, 'packages', folder, 'dist'), { recursive: true }) as string[]).map((f) => f.split(path.sep).join('/')).sort();
    expect(files('core')).toEqual(['cjs', 'cjs/index.js', 'cjs/package.json', 'index.js']);
    expect(files('tensorgrad')).toEqual(['cjs', 'cjs/index.js', 'cjs/kernels.js', 'cjs/package.json', 'index.js', 'kernels.js', 'vitest.js']);
    // Node reads dist/cjs/*.js as CommonJS only with this beside them: the packages are "type": "module".
    expect(JSON.parse(fs.readFileSync(path.join(work, 'packages/core/dist/cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
  });

  it('each ES module placeholder declares exactly the runtime exports of its entry', async () => {
    const entries: [string, Record<string, unknown>][] = [
      ['tensorgrad/dist/index.js', await import('tensorgrad')],
      ['tensorgrad/dist/kernels.js', await import('tensorgrad/kernels')],
      ['tensorgrad/dist/vitest.js', await import('tensorgrad/vitest')],
      ['core/dist/index.js', await import('@tensorgrad/core')],
      ['ops/dist/index.js', await import('@tensorgrad/ops')],
      ['nn/dist/index.js', await import('@tensorgrad/nn')],
    ];
    for (const [file, namespace] of entries) {
      const names = declaredNames(path.join(work, 'packages', file));
      expect(names.length, file).toBeGreaterThan(1);
      expect(names, file).toEqual(Object.keys(namespace).sort());
    }
  });

  it('import of every name of tensorgrad and tensorgrad/kernels from plain Node: a NotBuiltError saying what to do', async () => {
    const names = Object.keys(await import('tensorgrad'));
    const kernelNames = Object.keys(await import('tensorgrad/kernels'));
    fs.writeFileSync(path.join(work, 'all-names.mjs'), `import { ${names.join(', ')} } from 'tensorgrad';\nconsole.log(typeof tensor);\n`);
    const all = node(['all-names.mjs'], work);
    expect(all.status).toBe(1);
    expectNotBuilt(all.stderr, 'tensorgrad', 'dist/index.js');
    expect(all.stderr).toContain("code: 'TENSORGRAD_NOT_BUILT'");
    fs.writeFileSync(path.join(work, 'kernels.mjs'), `import { ${kernelNames.join(', ')} } from 'tensorgrad/kernels';\n`);
    expectNotBuilt(node(['kernels.mjs'], work).stderr, 'tensorgrad', 'dist/kernels.js');
    // A name the package does not export still fails to link, as it would with a build.
    fs.writeFileSync(path.join(work, 'typo.mjs'), `import { tensr } from 'tensorgrad';\n`);
    expect(node(['typo.mjs'], work).stderr).toContain("does not provide an export named 'tensr'");
  });

  it('require from CommonJS, of the umbrella and of a package: the same error', () => {
    fs.writeFileSync(path.join(work, 'main.cjs'), "const { tensor } = require('tensorgrad');\n");
    const umbrella = node(['main.cjs'], work);
    expect(umbrella.status).toBe(1);
    expectNotBuilt(umbrella.stderr, 'tensorgrad', 'dist/cjs/index.js');
    fs.writeFileSync(path.join(work, 'core.cjs'), "require('@tensorgrad/core');\n");
    expectNotBuilt(node(['core.cjs'], work).stderr, '@tensorgrad/core', 'dist/cjs/index.js');
  });

  it('tsx without the source condition, in an ES module package: the same error', () => {
    const dir = path.join(work, 'esm');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    fs.writeFileSync(path.join(dir, 'script.ts'), "import { tensor, matmul, type Tensor } from 'tensorgrad';\nconst t: Tensor = matmul(tensor([[1]]), tensor([1]));\nconsole.log(t);\n");
    const run = node([tsxCli, 'script.ts'], dir);
    expect(run.status).toBe(1);
    expectNotBuilt(run.stderr, 'tensorgrad', 'dist/index.js');
  });

  it('prepack (--check) refuses placeholders and missing files, and passes a complete dist/', () => {
    const core = path.join(work, 'packages/core');
    const check = () => node([script, '--check'], core);
    const refused = check();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('@tensorgrad/core has not been built (dist/index.js, dist/cjs/index.js only placeholders): run `pnpm build` first');
    fs.writeFileSync(path.join(core, 'dist/index.js'), 'export const built = true;\n');
    fs.writeFileSync(path.join(core, 'dist/cjs/index.js'), 'exports.built = true;\n');
    expect(check()).toMatchObject({ status: 0, stderr: '' });
    fs.rmSync(path.join(core, 'dist/cjs/index.js'));
    expect(check().stderr).toContain('@tensorgrad/core has not been built (dist/cjs/index.js missing)');
  });

  it('a later install writes only what is missing: built files are left alone, nothing is loaded when all are there', () => {
    // core's dist/index.js is a build now (the previous test), its dist/cjs/index.js missing.
    const out = execFileSync(process.execPath, [script, '--root', work], { encoding: 'utf8' });
    expect(out).toContain('packages/core not built yet');
    expect(fs.readFileSync(path.join(work, 'packages/core/dist/index.js'), 'utf8')).toBe('export const built = true;\n');
    expect(fs.readFileSync(path.join(work, 'packages/core/dist/cjs/index.js'), 'utf8')).toContain('NotBuiltError');
    expect(execFileSync(process.execPath, [script, '--root', work], { encoding: 'utf8' })).toBe('');
  });
});
