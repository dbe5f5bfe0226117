// saveWeights / loadWeights under hostile folders and bad input: every refusal is a TensorgradError
// naming the op, and leaves every file on disk as it was (compared byte for byte).
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ShapeError, Tensor, TensorgradError, ValueError, fromData, randn, tensor } from '@tensorgrad/core';
import { Linear, MANIFEST_FILE, Module, ReLU, Sequential, encodeNpy, loadWeights, saveWeights, type StateDict } from '@tensorgrad/nn';

const root = mkdtempSync(join(tmpdir(), 'tensorgrad-weights-io-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
/** A fresh folder to play in. */
const scratch = (): string => {
  const dir = join(root, `case-${counter++}`);
  mkdirSync(dir);
  return dir;
};

const net = (seed: number) => new Sequential(new Linear(2, 4, { seed }), new ReLU(), new Linear(4, 3, { seed: seed + 1 }));

/** Everything under `dir` (not following links): path -> file bytes (base64), link target, or a marker. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir) && !isLink(dir)) return out;
  const walk = (path: string, rel: string): void => {
    const stats = lstatSync(path);
    if (stats.isSymbolicLink()) out[rel] = `link -> ${readlinkSync(path)}`;
    else if (stats.isDirectory()) {
      out[rel] = 'folder';
      for (const name of readdirSync(path).sort()) walk(join(path, name), `${rel}/${name}`);
    } else if (stats.isFile()) out[rel] = readFileSync(path).toString('base64');
    else out[rel] = 'special';
  };
  walk(dir, '.');
  return out;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The rejection of `promise`, checked to be a TensorgradError of `Class` naming `op`. */
async function refusal(promise: Promise<unknown>, Class: typeof TensorgradError, op: string): Promise<TensorgradError & { code?: string; cause?: unknown }> {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Class);
  expect((error as TensorgradError).op).toBe(op);
  expect((error as Error).message.startsWith(`${op}: `)).toBe(true);
  return error as TensorgradError & { code?: string };
}

function expectSameState(state: StateDict, expected: StateDict): void {
  expect(Object.keys(state)).toEqual(Object.keys(expected));
  for (const key of Object.keys(expected)) {
    expect(state[key]!.shape).toEqual(expected[key]!.shape);
    expect(state[key]!.data).toEqual(expected[key]!.data);
  }
}

/** A state dict with keys set as own properties (so '__proto__' is a key). */
function stateOf(entries: [string, Tensor][]): StateDict {
  const out: StateDict = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

describe('saveWeights: atomic, and nothing changes when it refuses', () => {
  it('replaces a previous checkpoint whole and leaves nothing else beside it', async () => {
    const parent = scratch();
    const out = join(parent, 'weights');
    await saveWeights(net(1), out, { metadata: { run: 1 } });
    await saveWeights(net(5), out, { metadata: { run: 2 } });
    expectSameState(await loadWeights(out), net(5).stateDict());
    expect(JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')).metadata).toEqual({ run: 2 });
    expect(readdirSync(parent)).toEqual(['weights']);
    // A state dict with fewer tensors leaves no stale file behind.
    await saveWeights({ w: tensor([1, 2]) }, out);
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'w.npy']);
  });

  it('refuses metadata JSON cannot encode (BigInt, cycles, a function) before touching anything', async () => {
    const parent = scratch();
    const out = join(parent, 'weights');
    await saveWeights(net(1), out, { metadata: { run: 1 } });
    const before = snapshot(parent);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const metadata of [{ step: 10n }, cyclic, () => 1, Symbol('x'), { toJSON: () => { throw new Error('no'); } }]) {
      const error = await refusal(saveWeights(net(7), out, { metadata }), ValueError, 'saveWeights');
      expect(error.message).toMatch(/^saveWeights: metadata cannot be written as JSON/);
      expect(snapshot(parent)).toEqual(before);
    }
    // A new folder is not even created.
    await refusal(saveWeights(net(7), join(parent, 'fresh', 'deeper'), { metadata: { step: 1n } }), ValueError, 'saveWeights');
    expect(snapshot(parent)).toEqual(before);
    expectSameState(await loadWeights(out), net(1).stateDict());
  });

  it('refuses a value that is not a Tensor or has more than 64 dimensions, changing nothing', async () => {
    const parent = scratch();
    const out = join(parent, 'weights');
    await saveWeights(net(1), out);
    const before = snapshot(parent);
    const error = await refusal(saveWeights({ a: tensor([1]), b: [1, 2] as never }, out), ValueError, 'saveWeights');
    expect(error.message).toBe("saveWeights: key 'b' holds [1, 2], not a Tensor");
    // More than 64 dimensions (where core lets such a tensor exist at all).
    let deep: Tensor | undefined;
    try {
      deep = fromData(new Float64Array([1]), new Array(65).fill(1));
    } catch (error) {
      expect(error).toBeInstanceOf(ShapeError);
    }
    if (deep !== undefined) await refusal(saveWeights({ deep }, out), ShapeError, 'saveWeights');
    await refusal(saveWeights(null as never, out), ValueError, 'saveWeights');
    await refusal(saveWeights(net(1), '' as never), ValueError, 'saveWeights');
    await refusal(saveWeights(net(1), 42 as never), ValueError, 'saveWeights');
    expect(snapshot(parent)).toEqual(before);
  });

  it('saves any parameter name: 300 characters, unsafe characters, reserved device names, __proto__', async () => {
    const out = join(scratch(), 'weights');
    const long = 'layer.'.repeat(50);
    const state = stateOf([
      [long, tensor([1])],
      [`${long}x`, tensor([2])],
      ['../../escape', tensor([3])],
      ['nul', tensor([4])],
      ['CON.weight', tensor([5])],
      ['__proto__', tensor([6])],
      ['constructor', tensor([7])],
      ['prototype', tensor([8])],
      ['', tensor([9])],
      ['émoji 🎉', tensor([10])],
    ]);
    const written = await saveWeights(state, out);
    for (const path of written) expect(path.slice(out.length + 1)).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,110}$/);
    expect(new Set(written).size).toBe(written.length);
    const loaded = await loadWeights(out);
    expect(Object.getPrototypeOf(loaded)).toBe(Object.prototype);
    expect(Object.keys(loaded)).toEqual(Object.keys(state));
    expect(Object.keys(state).map((k) => loaded[k]!.item())).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(loaded['__proto__']).toBeInstanceOf(Tensor);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does not follow a symlinked target folder, nor replace a folder holding anything but a checkpoint', async () => {
    const parent = scratch();
    const outside = join(parent, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'precious.txt'), 'keep me');
    symlinkSync(outside, join(parent, 'link'));
    const before = snapshot(parent);
    let error = await refusal(saveWeights(net(1), join(parent, 'link')), ValueError, 'saveWeights');
    expect(error.message).toMatch(/is a symbolic link/);
    // Nor through a trailing slash, which would make the system follow it.
    await refusal(saveWeights(net(1), `${join(parent, 'link')}/`), ValueError, 'saveWeights');
    error = await refusal(saveWeights(net(1), outside), ValueError, 'saveWeights');
    expect(error.message).toMatch(/holds a file 'precious.txt' that is not part of a weights checkpoint/);
    writeFileSync(join(parent, 'file'), 'a file');
    const fileBefore = snapshot(parent);
    error = await refusal(saveWeights(net(1), join(parent, 'file')), ValueError, 'saveWeights');
    expect(error.message).toMatch(/exists and is not a folder/);
    expect(snapshot(parent)).toEqual(fileBefore);
    delete fileBefore['./file'];
    expect(fileBefore).toEqual(before);
  });

  it('refuses a checkpoint folder with a planted symlink; the file it points to is untouched', async () => {
    const parent = scratch();
    const out = join(parent, 'weights');
    await saveWeights(net(1), out);
    const victim = join(parent, 'victim.npy');
    writeFileSync(victim, 'not yours');
    rmSync(join(out, '0.weight.npy'));
    symlinkSync(victim, join(out, '0.weight.npy'));
    const before = snapshot(parent);
    const error = await refusal(saveWeights(net(2), out), ValueError, 'saveWeights');
    expect(error.message).toMatch(/holds a symbolic link '0.weight.npy'/);
    expect(snapshot(parent)).toEqual(before);
    expect(readFileSync(victim, 'utf8')).toBe('not yours');
  });

  it('turns Node errors into ValueErrors naming the op and the path, with the cause and its code', async () => {
    const parent = scratch();
    writeFileSync(join(parent, 'file'), 'x');
    const error = await refusal(saveWeights(net(1), join(parent, 'file', 'weights')), ValueError, 'saveWeights');
    expect(error.message).toContain(join(parent, 'file'));
    expect(error.code).toBe('ENOTDIR');
    expect((error.cause as { code?: string }).code).toBe('ENOTDIR');
    expect(readdirSync(parent)).toEqual(['file']);
  });

  it('concurrent saves to one folder never mix: the folder holds one whole checkpoint, nothing is left beside it', async () => {
    const parent = scratch();
    const out = join(parent, 'weights');
    const models = Array.from({ length: 8 }, (_, i) => net(10 * i + 1));
    const results = await Promise.allSettled(models.map((m, i) => saveWeights(m, out, { metadata: { model: i } })));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const { model } = JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')).metadata;
    expectSameState(await loadWeights(out), models[model]!.stateDict());
    expect(readdirSync(parent)).toEqual(['weights']);
  });

  it('a load running beside saves returns one whole checkpoint (or says the folder is missing for a moment)', async () => {
    const parent = scratch();
    const out = join(parent, 'weights');
    const models = Array.from({ length: 4 }, (_, i) => new Sequential(new Linear(30, 40, { seed: i })));
    await saveWeights(models[0]!, out);
    const saves = Promise.all(Array.from({ length: 12 }, (_, i) => saveWeights(models[i % 4]!, out)));
    let done = false;
    void saves.finally(() => (done = true)).catch(() => undefined);
    let loads = 0;
    let missing = 0;
    while (!done) {
      try {
        const state = await loadWeights(out);
        const which = models.findIndex((m) => m.stateDict()['0.weight']!.data.every((v, j) => v === state['0.weight']!.data[j]));
        expect(which).toBeGreaterThanOrEqual(0);
        expectSameState(state, models[which]!.stateDict());
        loads++;
      } catch (error) {
        expect(error).toBeInstanceOf(ValueError);
        expect((error as { code?: string }).code).toBe('ENOENT');
        missing++;
      }
    }
    await saves;
    expect(loads + missing).toBeGreaterThan(0);
  });
});

describe('loadWeights: no symlinks, no special files, a manifest checked whole', () => {
  async function checkpoint(): Promise<string> {
    const out = join(scratch(), 'weights');
    await saveWeights(net(1), out);
    return out;
  }

  it('refuses a symlinked folder, manifest or .npy (even one pointing at a valid file) and /dev/zero', async () => {
    const out = await checkpoint();
    const parent = join(out, '..');
    symlinkSync(out, join(parent, 'link'));
    expect((await refusal(loadWeights(join(parent, 'link')), ValueError, 'loadWeights')).message).toMatch(/is a symbolic link/);

    const outside = join(parent, 'outside.npy');
    writeFileSync(outside, encodeNpy(randn([4, 2], { seed: 3 })));
    rmSync(join(out, '0.weight.npy'));
    symlinkSync(outside, join(out, '0.weight.npy'));
    expect((await refusal(loadWeights(out), ValueError, 'loadWeights')).message).toMatch(/0\.weight\.npy is a symbolic link/);
    rmSync(join(out, '0.weight.npy'));
    symlinkSync('/dev/zero', join(out, '0.weight.npy'));
    expect((await refusal(loadWeights(out), ValueError, 'loadWeights')).message).toMatch(/symbolic link/);

    const other = await checkpoint();
    const manifest = join(parent, 'manifest-copy.json');
    writeFileSync(manifest, readFileSync(join(other, MANIFEST_FILE)));
    rmSync(join(other, MANIFEST_FILE));
    symlinkSync(manifest, join(other, MANIFEST_FILE));
    expect((await refusal(loadWeights(other), ValueError, 'loadWeights')).message).toMatch(/manifest\.json is a symbolic link/);
  });

  it('refuses a FIFO, a folder or an oversized file in place of a .npy, without reading it', async () => {
    const out = await checkpoint();
    rmSync(join(out, '0.bias.npy'));
    execFileSync('mkfifo', [join(out, '0.bias.npy')]);
    const start = performance.now();
    expect((await refusal(loadWeights(out), ValueError, 'loadWeights')).message).toMatch(/0\.bias\.npy is not a regular file/);
    expect(performance.now() - start).toBeLessThan(1000);
    rmSync(join(out, '0.bias.npy'));
    mkdirSync(join(out, '0.bias.npy'));
    expect((await refusal(loadWeights(out), ValueError, 'loadWeights')).message).toMatch(/0\.bias\.npy is not a regular file/);
    rmSync(join(out, '0.bias.npy'), { recursive: true });
    // Shape [4] allows a header and 32 bytes of data: 50 MB is refused on its size alone.
    writeFileSync(join(out, '0.bias.npy'), new Uint8Array(50_000_000));
    expect((await refusal(loadWeights(out), ValueError, 'loadWeights')).message).toMatch(/is 50000000 bytes, more than the 10044 it can hold/);
  });

  it('turns ENOENT, ENOTDIR and a manifest that is a folder into ValueErrors with the cause', async () => {
    const parent = scratch();
    let error = await refusal(loadWeights(join(parent, 'nothing-here')), ValueError, 'loadWeights');
    expect(error.message).toBe(`loadWeights: cannot read ${join(parent, 'nothing-here', MANIFEST_FILE)}: it does not exist (ENOENT)`);
    expect(error.code).toBe('ENOENT');
    expect(error.cause).toBeInstanceOf(Error);
    writeFileSync(join(parent, 'file'), 'x');
    error = await refusal(loadWeights(join(parent, 'file')), ValueError, 'loadWeights');
    expect(error.message).toMatch(/is not a folder/);
    mkdirSync(join(parent, 'empty'));
    error = await refusal(loadWeights(join(parent, 'empty')), ValueError, 'loadWeights');
    expect(error.code).toBe('ENOENT');
    mkdirSync(join(parent, 'odd', MANIFEST_FILE), { recursive: true });
    error = await refusal(loadWeights(join(parent, 'odd')), ValueError, 'loadWeights');
    expect(error.message).toMatch(/manifest\.json is not a regular file/);
    await refusal(loadWeights(undefined as never), ValueError, 'loadWeights');
  });

  it.each([
    ['not JSON', '{"format": ', /is not JSON/],
    ['not UTF-8', '\xff\xfe', /is not JSON/],
    ['another format', { format: 'x', version: 1, tensors: {} }, /not a tensorgrad weights manifest/],
    ['tensors as a list', { format: 'tensorgrad-weights', version: 1, tensors: [] }, /not a tensorgrad weights manifest/],
    ['version 2', { format: 'tensorgrad-weights', version: 2, tensors: {} }, /has version 2; this tensorgrad reads version 1/],
    ['a path outside', { format: 'tensorgrad-weights', version: 1, tensors: { a: { file: '../x.npy', shape: [1] } } }, /no valid file name/],
    ['an absolute path', { format: 'tensorgrad-weights', version: 1, tensors: { a: { file: '/etc/passwd', shape: [1] } } }, /no valid file name/],
    ['the manifest itself', { format: 'tensorgrad-weights', version: 1, tensors: { a: { file: 'manifest.json', shape: [1] } } }, /no valid file name/],
    ['no shape', { format: 'tensorgrad-weights', version: 1, tensors: { a: { file: 'a.npy' } } }, /no valid shape/],
    ['a fractional dimension', { format: 'tensorgrad-weights', version: 1, tensors: { a: { file: 'a.npy', shape: [1.5] } } }, /no valid shape/],
    ['65 dimensions', { format: 'tensorgrad-weights', version: 1, tensors: { a: { file: 'a.npy', shape: new Array(65).fill(1) } } }, /no valid shape/],
    ['another dtype', { format: 'tensorgrad-weights', version: 1, tensors: { a: { file: 'a.npy', shape: [2], dtype: 'float32' } } }, /dtype "float32"/],
    ['a shape the file does not hold', { format: 'tensorgrad-weights', version: 1, tensors: { a: { file: 'a.npy', shape: [1, 2] } } }, /holds shape \[2\], the manifest says \[1, 2\]/],
    ['a file that is not .npy', { format: 'tensorgrad-weights', version: 1, tensors: { a: { file: 'a.npy', shape: [2] }, b: { file: 'b.npy', shape: [2] } } }, /key "b": .*not a \.npy file/],
  ])('refuses a manifest with %s', async (_, manifest, message) => {
    const out = scratch();
    writeFileSync(join(out, 'a.npy'), encodeNpy(tensor([1, 2])));
    writeFileSync(join(out, 'b.npy'), 'garbage!garbage!');
    writeFileSync(join(out, MANIFEST_FILE), typeof manifest === 'string' ? Buffer.from(manifest, 'latin1') : JSON.stringify(manifest));
    const before = snapshot(out);
    const start = performance.now();
    const error = await refusal(loadWeights(out), TensorgradError, 'loadWeights');
    expect(performance.now() - start).toBeLessThan(100);
    expect(error.message).toMatch(message);
    expect(snapshot(out)).toEqual(before);
  });

  it('reads __proto__, constructor and prototype as keys of a hand-written manifest', async () => {
    const out = scratch();
    writeFileSync(join(out, 'a.npy'), encodeNpy(tensor([1, 2])));
    writeFileSync(
      join(out, MANIFEST_FILE),
      '{"format": "tensorgrad-weights", "version": 1, "tensors": {"__proto__": {"file": "a.npy", "shape": [2]}, "constructor": {"file": "a.npy", "shape": [2]}, "prototype": {"file": "a.npy", "shape": [2]}}}',
    );
    const state = await loadWeights(out);
    expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
    expect(Object.keys(state)).toEqual(['__proto__', 'constructor', 'prototype']);
    for (const key of Object.keys(state)) expect(state[key]!.toArray()).toEqual([1, 2]);
  });

  it('round-trips a module whose container has __proto__ and constructor keys through stateDict, saveWeights, loadWeights and loadStateDict', async () => {
    class Odd extends Module {
      table: Record<string, Tensor>;
      constructor(seed: number) {
        super();
        // Object.fromEntries makes own properties: '__proto__' is a key here, not the prototype.
        this.table = Object.fromEntries([
          ['__proto__', randn([2], { seed, requiresGrad: true })],
          ['constructor', randn([3], { seed: seed + 1, requiresGrad: true })],
        ]);
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const a = new Odd(1);
    const state = a.stateDict();
    expect(Object.keys(state)).toEqual(['table.__proto__', 'table.constructor']);
    const out = join(scratch(), 'w');
    await saveWeights(a, out);
    const b = new Odd(5);
    b.loadStateDict(await loadWeights(out));
    expectSameState(b.stateDict(), state);
  });
});
