// The first code block of packages/nn/README.md must run as written and print what it promises.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('runs the README quick start: about 98% training accuracy, and the reloaded copy agrees', () => {
  const readme = readFileSync(join(root, 'packages/nn/README.md'), 'utf8');
  const snippet = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  // Run it from a temporary file (writing its weights there too), with the package names pointing at the sources.
  const source = snippet
    .replace(/from '@tensorgrad\/(core|ops|nn)'/g, (_, name: string) => `from '${join(root, 'packages', name, 'src/index.ts')}'`)
    .replaceAll("'out/readme-weights'", JSON.stringify(join(dir, 'weights')));
  const file = join(dir, 'snippet.mts'); // .mts: an ES module (top-level await) outside any package.json
  writeFileSync(file, source);
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=@tensorgrad/source', file], { cwd: root, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  const lines = result.stdout.trim().split('\n');
  expect(lines).toHaveLength(7);
  const accuracy = Number(/training accuracy ([\d.]+)%/.exec(result.stdout)![1]);
  expect(accuracy).toBeGreaterThanOrEqual(97);
  expect(lines.at(-1)).toBe('true');
});
