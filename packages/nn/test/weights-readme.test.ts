// The README's table of weights-file refusals quotes real messages: each row is reproduced here (in the
// table's order) and compared with what the code throws today, with the folder's path written as the
// README writes it ('out/weights', or 'out'), so the table cannot drift.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TensorgradError, ValueError, tensor } from '@tensorgrad/core';
import { Linear, ReLU, Sequential, decodeNpy, encodeNpy, loadWeights, saveWeights } from '@tensorgrad/nn';
import { readmeTableRows } from '../../../test/readme-table.js';

const root = mkdtempSync(join(tmpdir(), 'tensorgrad-weights-readme-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
/** A new folder for a row, as the path relative to the working directory (as a user would type it). */
const folder = (): string => {
  const dir = join(root, `row-${counter++}`);
  mkdirSync(dir);
  return relative(process.cwd(), dir);
};
const net = () => new Sequential(new Linear(2, 100, { seed: 1 }), new ReLU(), new Linear(100, 3, { seed: 2 }));

/** Per row: the class, and a thunk returning [the error, the path the README writes as 'out' or 'out/weights']. */
const rows: [typeof TensorgradError, () => Promise<[unknown, string, string]>][] = [
  [ValueError, async () => [await saveWeights(net(), join(folder(), 'w'), { metadata: { step: 10n } }).catch((e) => e), '', '']],
  [
    ValueError,
    async () => {
      const out = folder();
      writeFileSync(join(out, 'notes.txt'), 'mine');
      return [await saveWeights(net(), out).catch((e) => e), out, 'out'];
    },
  ],
  [
    ValueError,
    async () => {
      const out = join(folder(), 'weights');
      await saveWeights(net(), out);
      rmSync(join(out, '0.weight.npy'));
      symlinkSync('/dev/zero', join(out, '0.weight.npy'));
      return [await loadWeights(out).catch((e) => e), out, 'out/weights'];
    },
  ],
  [
    ValueError,
    async () => {
      const out = join(folder(), 'weights');
      return [await loadWeights(out).catch((e) => e), out, 'out/weights'];
    },
  ],
  [
    ValueError,
    async () => {
      const out = join(folder(), 'weights');
      await saveWeights(net(), out);
      writeFileSync(join(out, '0.bias.npy'), encodeNpy(tensor([1, 2, 3])));
      return [await loadWeights(out).catch((e) => e), out, 'out/weights'];
    },
  ],
  [
    ValueError,
    async () => {
      const header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1e1,), }\n";
      const bytes = new Uint8Array(10 + header.length);
      bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]);
      for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
      let error: unknown;
      try {
        decodeNpy(bytes, 'x.npy');
      } catch (e) {
        error = e;
      }
      return [error, '', ''];
    },
  ],
];

/** The weights table's rows: [error class, example message]. */
const readmeRows = (): [string, string][] => readmeTableRows('Weights files refuse the same way');

describe("the README's table of weights-file refusals quotes the messages the code throws", () => {
  const table = readmeRows();
  it('has one reproduction per row', () => {
    expect(table.length).toBe(rows.length);
  });
  it.each(rows.map((row, i) => [i, ...row] as const))('row %i', async (i, type, f) => {
    const [error, path, shown] = await f();
    const [typeName, message] = table[i]!;
    expect(error).toBeInstanceOf(type);
    expect((error as Error).constructor.name).toBe(typeName);
    const text = path === '' ? (error as Error).message : (error as Error).message.split(path).join(shown);
    expect(text).toBe(message);
  });
});
