// Fault injection for saveWeights: node:fs/promises is wrapped so that one call (the open, the write or
// the fsync of each file in turn, the folder's creation, each rename) fails. After every failure the
// previous checkpoint is at its place, byte for byte, and loads; no temporary folder is left beside it.
import { mkdtempSync, lstatSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { TensorgradError, ValueError } from '@tensorgrad/core';
import { Linear, ReLU, Sequential, loadWeights, saveWeights, type StateDict } from '@tensorgrad/nn';

type Call = 'open' | 'write' | 'sync' | 'mkdir' | 'rename';
const faults = vi.hoisted(() => ({ inject: null as null | ((call: Call, path: string) => string | undefined) }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const fail = (call: Call, path: string): void => {
    const code = faults.inject?.(call, path);
    if (code !== undefined) throw Object.assign(new Error(`${code}: injected ${call} failure, '${path}'`), { code, syscall: call, path });
  };
  const open: typeof actual.open = async (path, flags, mode) => {
    fail('open', String(path));
    const handle = await actual.open(path, flags, mode);
    const writeFile = handle.writeFile.bind(handle);
    const sync = handle.sync.bind(handle);
    handle.writeFile = async (data: never) => {
      try {
        fail('write', String(path));
      } catch (error) {
        // Half the bytes reach the file before the failure, as with a full disk.
        await writeFile(typeof data === 'string' ? (data as string).slice(0, (data as string).length >> 1) : (data as Uint8Array).subarray(0, (data as Uint8Array).length >> 1));
        throw error;
      }
      return writeFile(data);
    };
    handle.sync = async () => {
      fail('sync', String(path));
      return sync();
    };
    return handle;
  };
  const mkdir = (async (path: string, options?: unknown) => {
    fail('mkdir', String(path));
    return actual.mkdir(path, options as never);
  }) as typeof actual.mkdir;
  const rename: typeof actual.rename = async (from, to) => {
    fail('rename', `${String(from)} -> ${String(to)}`);
    return actual.rename(from, to);
  };
  return { ...actual, open, mkdir, rename, default: { ...actual, open, mkdir, rename } };
});

const root = mkdtempSync(join(tmpdir(), 'tensorgrad-weights-faults-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  faults.inject = null;
});

const net = (seed: number) => new Sequential(new Linear(3, 5, { seed }), new ReLU(), new Linear(5, 2, { seed: seed + 1 }));

/** Path -> bytes (base64) of every file under dir. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    out[name] = lstatSync(path).isFile() ? readFileSync(path).toString('base64') : 'not a file';
  }
  return out;
}

function expectSameState(state: StateDict, expected: StateDict): void {
  expect(Object.keys(state)).toEqual(Object.keys(expected));
  for (const key of Object.keys(expected)) expect(state[key]!.data).toEqual(expected[key]!.data);
}

let counter = 0;
/** A folder holding one checkpoint (of net(1)) under 'weights'; returns the paths and a check that it survived. */
async function previousCheckpoint() {
  const parent = join(root, `case-${counter++}`);
  const out = join(parent, 'weights');
  await saveWeights(net(1), out, { metadata: { run: 'old' } });
  const before = snapshot(out);
  const survived = async (): Promise<void> => {
    expect(readdirSync(parent)).toEqual(['weights']);
    expect(snapshot(out)).toEqual(before);
    expectSameState(await loadWeights(out), net(1).stateDict());
  };
  return { parent, out, survived };
}

/** Fails the `index`-th call of `call` whose path contains `where`, with `code`. */
function failAt(call: Call, index: number, code: string, where = '.saving-'): () => number {
  let seen = 0;
  faults.inject = (c, path) => (c === call && path.includes(where) && seen++ === index ? code : undefined);
  return () => seen;
}

async function refusal(promise: Promise<unknown>): Promise<TensorgradError & { code?: string; cause?: unknown }> {
  const error = await promise.then(() => new Error('expected a refusal'), (e: unknown) => e);
  expect(error).toBeInstanceOf(ValueError);
  expect((error as TensorgradError).op).toBe('saveWeights');
  return error as TensorgradError & { code?: string };
}

describe('saveWeights under injected faults: the previous checkpoint survives whole', () => {
  // Five files: four .npy and the manifest, written in that order.
  const FILES = 5;

  for (const [call, code] of [['open', 'EACCES'], ['write', 'ENOSPC'], ['sync', 'EIO']] as const) {
    it(`a failing ${call} (${code}) at each file in turn`, async () => {
      for (let index = 0; index < FILES; index++) {
        const { out, survived } = await previousCheckpoint();
        const seen = failAt(call, index, code);
        const error = await refusal(saveWeights(net(7), out, { metadata: { run: 'new' } }));
        expect(seen()).toBe(index + 1);
        expect(error.code).toBe(code);
        expect((error.cause as { code?: string }).code).toBe(code);
        expect(error.message).toMatch(new RegExp(`^saveWeights: cannot write .*\\.saving-.*\\.(npy|json): .*\\(${code}\\)$`));
        faults.inject = null;
        await survived();
      }
    });
  }

  it('the temporary folder cannot be created', async () => {
    const { out, survived } = await previousCheckpoint();
    failAt('mkdir', 0, 'EACCES');
    const error = await refusal(saveWeights(net(7), out));
    expect(error.code).toBe('EACCES');
    faults.inject = null;
    await survived();
  });

  it('the previous checkpoint cannot be moved aside', async () => {
    const { out, survived } = await previousCheckpoint();
    failAt('rename', 0, 'EACCES', `weights -> `);
    const error = await refusal(saveWeights(net(7), out));
    expect(error.message).toMatch(/cannot move the previous checkpoint aside/);
    faults.inject = null;
    await survived();
  });

  it('the new folder cannot be renamed in: the previous checkpoint is renamed back', async () => {
    const { out, survived } = await previousCheckpoint();
    // Call 0 is the first attempt (the real ENOTEMPTY); call 1 comes after the old folder went aside.
    failAt('rename', 1, 'EIO', '.saving-');
    const error = await refusal(saveWeights(net(7), out));
    expect(error.code).toBe('EIO');
    faults.inject = null;
    await survived();
  });

  it('... and if renaming it back fails too, the error says where the previous checkpoint is, intact', async () => {
    const { parent, out } = await previousCheckpoint();
    const before = snapshot(out);
    let renames = 0;
    faults.inject = (call, path) => {
      if (call !== 'rename') return undefined;
      renames++;
      if (path.includes('.saving-') && renames > 1) return 'EIO';
      if (path.split(' -> ')[0]!.includes('.old-')) return 'EIO';
      return undefined;
    };
    const error = await refusal(saveWeights(net(7), out));
    faults.inject = null;
    expect(error.message).toMatch(/^saveWeights: cannot rename the new checkpoint into .*weights: an input\/output error \(EIO\); nor could the previous checkpoint be renamed back: it is at /);
    const aside = /it is at (\S+)$/.exec(error.message)?.[1];
    expect(aside).toBeDefined();
    expect(readdirSync(parent)).toEqual([basename(aside!)]);
    expect(snapshot(aside!)).toEqual(before);
    expectSameState(await loadWeights(aside!), net(1).stateDict());
  });

  it('without faults the same save succeeds and replaces the checkpoint', async () => {
    const { parent, out } = await previousCheckpoint();
    await saveWeights(net(7), out);
    expectSameState(await loadWeights(out), net(7).stateDict());
    expect(readdirSync(parent)).toEqual(['weights']);
  });
});
