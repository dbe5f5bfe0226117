import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { examples } from '../examples/lecture/index.js';

const root = resolve(import.meta.dirname, '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const script = join(root, 'examples', 'run-example.ts');
const cwd = mkdtempSync(join(tmpdir(), 'tensorgrad-example-'));
const run = (...args: string[]): string => execFileSync(tsx, ['--conditions=@tensorgrad/source', script, ...args], { cwd, encoding: 'utf8' });

afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('pnpm example', () => {
  it('without a name lists every lecture example; with one prints its transcript and writes its diagram', () => {
    const list = run();
    const width = Math.max(...examples.map((e) => e.name.length));
    for (const e of examples) expect(list.split('\n')).toContain(`  ${e.name.padEnd(width)}  ${e.title}`);

    const out = run('circuit');
    expect(out).toContain('forward: f = -12.00');
    expect(out).toContain('  1. mul  f = q × z  q: 1.00 × -4.00 [z] = -4.00;  z: 1.00 × 3.00 [q] = 3.00');
    const svg = readFileSync(join(cwd, 'out', 'circuit.svg'), 'utf8');
    expect(svg).toContain('&#45;12.00');
    expect(existsSync(join(cwd, 'out', 'circuit.png'))).toBe(true);
  });

  it('every example builds a graph that backward can run through', () => {
    expect(examples.map((e) => e.name)).toEqual(['circuit', 'max', 'neuron', 'sigmoid', 'l2', 'branches']);
    for (const e of examples) {
      const f = e.build();
      f.backward();
      expect(f.size).toBe(1);
    }
  });
});
