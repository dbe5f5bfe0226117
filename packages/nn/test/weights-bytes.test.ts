// Weights as bytes (saveWeightsToBytes / loadWeightsFromBytes): the folder's files packed into a stored
// zip that is a NumPy .npz, read back bit for bit; NumPy's own .npz read; every damaged or hostile
// archive refused with a TensorgradError naming the op, before anything is decoded. And the refusals
// that stand in for the Node-only parts where a browser bundle resolves them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tensor, TensorgradError, ValueError, randn, tensor } from '@tensorgrad/core';
import { Linear, MANIFEST_FILE, ReLU, Sequential, encodeNpy, loadWeightsFromBytes, saveWeightsToBytes, type StateDict } from '@tensorgrad/nn';
import { crc32, readZip, writeZip } from '../src/io/zip.js';
import * as portable from '../src/io/weights-portable.js';

const net = (seed: number) => new Sequential(new Linear(3, 5, { seed }), new ReLU(), new Linear(5, 2, { seed: seed + 1 }));

function bits(t: Tensor): string {
  return Buffer.from(new Float64Array(t.data).buffer).toString('hex');
}

function refusal(f: () => unknown): TensorgradError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(TensorgradError);
    return error as TensorgradError;
  }
  throw new Error('expected a refusal');
}

const u16 = (bytes: Uint8Array, at: number, value: number): void => new DataView(bytes.buffer, bytes.byteOffset).setUint16(at, value, true);
const u32 = (bytes: Uint8Array, at: number, value: number): void => new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, value, true);
const read32 = (bytes: Uint8Array, at: number): number => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);
/** Where the central directory starts (from the end record, the archive having no comment). */
const centralAt = (bytes: Uint8Array): number => read32(bytes, bytes.length - 22 + 16);

describe('saveWeightsToBytes / loadWeightsFromBytes', () => {
  it('round-trips a module bit for bit, with the manifest and its metadata, in the folder\'s file names', () => {
    const source = net(1);
    const bytes = saveWeightsToBytes(source, { metadata: { epoch: 3, note: 'spiral' } });
    const entries = readZip(bytes, 'the archive', 'test');
    expect([...entries.keys()]).toEqual([MANIFEST_FILE, '0.weight.npy', '0.bias.npy', '2.weight.npy', '2.bias.npy']);
    const manifest = JSON.parse(new TextDecoder().decode(entries.get(MANIFEST_FILE)));
    expect(manifest.metadata).toEqual({ epoch: 3, note: 'spiral' });
    expect(manifest.tensors['0.weight']).toEqual({ file: '0.weight.npy', shape: [5, 3], dtype: 'float64' });
    // Each entry is exactly the .npy saveWeights writes.
    expect(Buffer.from(entries.get('2.bias.npy')!).equals(Buffer.from(encodeNpy(source.stateDict()['2.bias']!)))).toBe(true);
    const target = net(9);
    target.loadStateDict(loadWeightsFromBytes(bytes));
    for (const [name, t] of Object.entries(source.stateDict())) expect(bits(target.stateDict()[name]!)).toBe(bits(t));
  });

  it('writes the same bytes for the same weights (a fixed date), and takes an ArrayBuffer as well', () => {
    const a = saveWeightsToBytes(net(2));
    const b = saveWeightsToBytes(net(2));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const copy = a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength);
    expect(Object.keys(loadWeightsFromBytes(copy as ArrayBuffer))).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
  });

  it('keeps any key, __proto__ and odd characters included, as saveWeights does', () => {
    const state: StateDict = {};
    Object.defineProperty(state, '__proto__', { value: tensor([1, 2]), enumerable: true });
    state['a/b c'] = tensor([[3]]);
    state['e\u0301'] = randn([2, 2], { seed: 4 });
    const back = loadWeightsFromBytes(saveWeightsToBytes(state));
    expect(Object.keys(back)).toEqual(['__proto__', 'a/b c', 'e\u0301']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(back['a/b c']!.toArray()).toEqual([[3]]);
    expect(bits(back['e\u0301']!)).toBe(bits(state['e\u0301']!));
  });

  it('reads an archive numpy.savez wrote (no manifest: one tensor per .npy, any dtype NumPy stores)', () => {
    const bytes = readFileSync(new URL('./fixtures/numpy-savez.npz', import.meta.url));
    const state = loadWeightsFromBytes(new Uint8Array(bytes), { name: 'numpy-savez.npz' });
    expect(Object.keys(state)).toEqual(['W', 'b', 'mask']);
    expect(state.W!.toArray()).toEqual([[0, 1 / 7, 2 / 7], [3 / 7, 4 / 7, 5 / 7]]);
    expect(state.b!.toArray()).toEqual([1, -2, 3]);
    expect(state.mask!.toArray()).toEqual([[1, 0], [0, 1]]);
  });

  it('CRC-32 is the zip one (the check value of "123456789")', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('loadWeightsFromBytes refuses what is not a whole archive of weights', () => {
  const good = saveWeightsToBytes(net(3));

  it('every truncation is a ValueError naming the op (none decodes half an archive)', () => {
    for (let length = 0; length < good.length; length++) {
      const e = refusal(() => loadWeightsFromBytes(good.slice(0, length)));
      expect(e).toBeInstanceOf(ValueError);
      expect(e.op).toBe('loadWeightsFromBytes');
    }
  });

  it('every single flipped byte is refused, or changes nothing that is read (a date, a version)', () => {
    const expected = loadWeightsFromBytes(good);
    let refused = 0;
    for (let i = 0; i < good.length; i++) {
      const bad = good.slice();
      bad[i] ^= 0x55;
      let state: StateDict;
      try {
        state = loadWeightsFromBytes(bad);
      } catch (error) {
        expect(error).toBeInstanceOf(TensorgradError);
        refused++;
        continue;
      }
      expect(Object.keys(state)).toEqual(Object.keys(expected));
      for (const name of Object.keys(state)) expect(bits(state[name]!)).toBe(bits(expected[name]!));
    }
    // The data, the names and the offsets are most of the archive: nearly every flip is caught.
    expect(refused).toBeGreaterThan(good.length * 0.85);
  });

  it('names what is wrong: not a zip, a .npy, not bytes, a compressed entry', () => {
    expect(refusal(() => loadWeightsFromBytes(new TextEncoder().encode('hello'), { name: 'w.npz' })).message).toBe(
      'loadWeightsFromBytes: w.npz is not a zip archive (.npz): it has no end-of-central-directory record',
    );
    expect(refusal(() => loadWeightsFromBytes(encodeNpy(tensor([1, 2])))).message).toBe(
      'loadWeightsFromBytes: the archive is a single .npy file, not an archive of weights: read it with decodeNpy',
    );
    expect(refusal(() => loadWeightsFromBytes([1, 2, 3] as unknown as Uint8Array)).message).toMatch(
      /^loadWeightsFromBytes: expected the archive's bytes as a Uint8Array or an ArrayBuffer \(from a File: new Uint8Array\(await file\.arrayBuffer\(\)\)\), got \[1, 2, 3\]$/,
    );
    expect(refusal(() => loadWeightsFromBytes(good, { nmae: 'x' } as never)).message).toBe("loadWeightsFromBytes: unknown option 'nmae'; loadWeightsFromBytes takes 'name'");
    const deflated = good.slice();
    const central = centralAt(deflated);
    u16(deflated, central + 10, 8);
    expect(refusal(() => loadWeightsFromBytes(deflated)).message).toBe(
      'loadWeightsFromBytes: the archive holds the entry "manifest.json" compressed (method 8, deflate); only stored entries are read (numpy.savez writes those, numpy.savez_compressed does not)',
    );
  });

  it('refuses entries that share bytes, before reading them', () => {
    // Two entries whose directory records point at the same local header and data.
    const bytes = writeZip([['a.npy', encodeNpy(tensor([1]))], ['b.npy', encodeNpy(tensor([2]))]], 'test');
    const central = centralAt(bytes);
    const second = central + 46 + 'a.npy'.length;
    u32(bytes, second + 42, 0); // b's local header offset -> a's
    const e = refusal(() => loadWeightsFromBytes(bytes));
    expect(e.message).toBe('loadWeightsFromBytes: the archive is corrupt: the local header of entry "b.npy" names another entry');
    // The same, with the names equal in length and bytes: then it is the overlap that is caught.
    const twin = writeZip([['a.npy', encodeNpy(tensor([1]))], ['a.npy', encodeNpy(tensor([2]))]], 'test');
    expect(refusal(() => loadWeightsFromBytes(twin)).message).toBe('loadWeightsFromBytes: the archive holds the entry "a.npy" twice');
  });

  it('holds the manifest to what is in the archive: a missing entry, an entry too long for its shape, a wrong shape', () => {
    const manifest = (tensors: object) => new TextEncoder().encode(JSON.stringify({ format: 'tensorgrad-weights', version: 1, tensors }));
    const missing = writeZip([[MANIFEST_FILE, manifest({ w: { file: 'w.npy', shape: [2], dtype: 'float64' } })]], 'test');
    expect(refusal(() => loadWeightsFromBytes(missing)).message).toBe('loadWeightsFromBytes: key "w": the archive has no entry w.npy, which its manifest names');
    const long = writeZip([[MANIFEST_FILE, manifest({ w: { file: 'w.npy', shape: [2], dtype: 'float64' } })], ['w.npy', encodeNpy(tensor(new Array(5000).fill(1)))]], 'test');
    expect(refusal(() => loadWeightsFromBytes(long)).message).toMatch(/^loadWeightsFromBytes: key "w": w\.npy in the archive is \d+ bytes, more than the 10028 it can hold$/);
    const shape = writeZip([[MANIFEST_FILE, manifest({ w: { file: 'w.npy', shape: [3], dtype: 'float64' } })], ['w.npy', encodeNpy(tensor([1, 2]))]], 'test');
    expect(refusal(() => loadWeightsFromBytes(shape)).message).toBe('loadWeightsFromBytes: key "w": w.npy in the archive holds shape [2], the manifest says [3]');
    const path = writeZip([[MANIFEST_FILE, manifest({ w: { file: '../w.npy', shape: [2] } })]], 'test');
    expect(refusal(() => loadWeightsFromBytes(path)).message).toMatch(/has no valid file name/);
    const stray = writeZip([['notes.txt', new Uint8Array(3)]], 'test');
    expect(refusal(() => loadWeightsFromBytes(stray)).message).toBe('loadWeightsFromBytes: the archive holds the entry "notes.txt", which is neither manifest.json nor a .npy file');
  });

  it('a bad .npy inside is refused under the key it stands for, with its class', () => {
    const npy = encodeNpy(tensor([1, 2]));
    const at = Buffer.from(npy).indexOf("'<f8'");
    npy.set(new TextEncoder().encode("'<c8'"), at);
    const e = refusal(() => loadWeightsFromBytes(writeZip([['w.npy', npy]], 'test')));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe("loadWeightsFromBytes: key \"w\": decodeNpy: w.npy in the archive holds dtype '<c8', which cannot be read as numbers");
  });
});

describe('saveWeightsToBytes checks what it is given', () => {
  it('refuses what saveWeights refuses, naming itself', () => {
    expect(refusal(() => saveWeightsToBytes(null as never)).message).toBe('saveWeightsToBytes: expected a Module or a state dict (an object of name -> Tensor), got null');
    expect(refusal(() => saveWeightsToBytes({ w: 3 } as never)).message).toBe("saveWeightsToBytes: key 'w' holds 3, not a Tensor");
    expect(refusal(() => saveWeightsToBytes({ w: tensor([1]) }, { metadata: 10n })).message).toMatch(/^saveWeightsToBytes: metadata cannot be written as JSON/);
    expect(refusal(() => saveWeightsToBytes({ w: tensor([1]) }, { meta: 1 } as never))).toBeInstanceOf(ValueError);
  });
});

describe('where there is no Node (the browser bundle\'s #weights-files)', () => {
  it('saveWeights and loadWeights refuse at once, pointing at the bytes functions', async () => {
    await expect(portable.saveWeights(net(1), 'out')).rejects.toThrow(
      'saveWeights: writes a folder of files, which needs Node (node:fs); here, use saveWeightsToBytes(module) and save the bytes (a download: new Blob([bytes]))',
    );
    await expect(portable.loadWeights('out')).rejects.toBeInstanceOf(ValueError);
  });
});
