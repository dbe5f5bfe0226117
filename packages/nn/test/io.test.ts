import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValueError, fromData, randn, tensor } from '@tensorgrad/core';
import { Linear, ReLU, Sequential, decodeNpy, encodeNpy, loadWeights, saveWeights } from '@tensorgrad/nn';

const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-nn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hasNumpy(): boolean {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const numpy = hasNumpy();

describe('.npy encoding', () => {
  it('writes the NPY 1.0 layout: magic, version, header length, dict padded to 64 bytes, little-endian float64', () => {
    const bytes = encodeNpy(tensor([[1, 2, 3], [4, 5, 6.5]]));
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 78, 85, 77, 80, 89, 1, 0]);
    const headerLength = bytes[8]! + 256 * bytes[9]!;
    expect((10 + headerLength) % 64).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
    expect(header).toBe(`{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }${' '.repeat(headerLength - 60)}\n`);
    expect(bytes.length).toBe(10 + headerLength + 6 * 8);
    expect(new DataView(bytes.buffer).getFloat64(10 + headerLength + 5 * 8, true)).toBe(6.5);
    // 1-d shapes are written as a one-element tuple, 0-d as ().
    expect(new TextDecoder().decode(encodeNpy(tensor([1, 2]))).includes("'shape': (2,)")).toBe(true);
    expect(new TextDecoder().decode(encodeNpy(tensor(7))).includes("'shape': ()")).toBe(true);
  });

  it('round-trips values bit for bit, including a transposed view and special values', () => {
    for (const t of [tensor(3.5), tensor([0.1, -0, Infinity, NaN, 5e-324]), randn([2, 3, 4], { seed: 1 }), randn([3, 4], { seed: 2 }).transpose()]) {
      const back = decodeNpy(encodeNpy(t));
      expect(back.shape).toEqual(t.shape);
      expect(back.data).toEqual(t.data);
    }
  });

  it('refuses files that are not .npy', () => {
    expect(() => decodeNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))).toThrow(ValueError);
    expect(() => decodeNpy(new Uint8Array([1, 2, 3]), 'x.npy')).toThrow('decodeNpy: x.npy is not a .npy file (bad magic string)');
    const truncated = encodeNpy(tensor([1, 2, 3])).subarray(0, 80);
    expect(() => decodeNpy(truncated)).toThrow(/is truncated/);
  });

  it.skipIf(!numpy)('numpy reads what we write, and we read what numpy writes (float32, int64, Fortran order, big-endian)', () => {
    const t = randn([3, 4], { seed: 3 });
    const ours = join(dir, 'ours.npy');
    writeFileSync(ours, encodeNpy(t));
    const script = [
      'import numpy as np, sys',
      `a = np.load(${JSON.stringify(ours)})`,
      'print(a.dtype, a.shape, repr(float(a[2, 3])))',
      `np.save(${JSON.stringify(join(dir, 'f4.npy'))}, np.arange(6, dtype=np.float32).reshape(2, 3) / 4)`,
      `np.save(${JSON.stringify(join(dir, 'i8.npy'))}, np.array([[-3, 2**40]], dtype=np.int64))`,
      `np.save(${JSON.stringify(join(dir, 'fortran.npy'))}, np.asfortranarray(np.arange(6.0).reshape(2, 3)))`,
      `np.save(${JSON.stringify(join(dir, 'big.npy'))}, np.array([1.5, -2.25], dtype='>f8'))`,
    ].join('\n');
    const printed = execFileSync('python3', ['-c', script], { encoding: 'utf8' }).trim();
    expect(printed).toBe(`float64 (3, 4) ${String(t.data[11])}`);
    expect(decodeNpy(readFileSync(join(dir, 'f4.npy'))).toArray()).toEqual([[0, 0.25, 0.5], [0.75, 1, 1.25]]);
    expect(decodeNpy(readFileSync(join(dir, 'i8.npy'))).toArray()).toEqual([[-3, 2 ** 40]]);
    expect(decodeNpy(readFileSync(join(dir, 'fortran.npy'))).toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(decodeNpy(readFileSync(join(dir, 'big.npy'))).toArray()).toEqual([1.5, -2.25]);
  });
});

describe('saveWeights / loadWeights', () => {
  const net = (seed: number) => new Sequential(new Linear(2, 16, { seed }), new ReLU(), new Linear(16, 3, { seed: seed + 1 }));

  it('writes a manifest and one .npy per parameter; load-then-predict gives identical outputs', async () => {
    const trained = net(1);
    const out = join(dir, 'weights');
    const written = await saveWeights(trained, out, { metadata: { note: 'test' } });
    expect(written.map((p) => p.slice(out.length + 1))).toEqual(['manifest.json', '0.weight.npy', '0.bias.npy', '2.weight.npy', '2.bias.npy']);
    expect(readdirSync(out).sort()).toEqual(['0.bias.npy', '0.weight.npy', '2.bias.npy', '2.weight.npy', 'manifest.json']);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.format).toBe('tensorgrad-weights');
    expect(manifest.tensors['0.weight']).toEqual({ file: '0.weight.npy', shape: [16, 2], dtype: 'float64' });
    expect(manifest.metadata).toEqual({ note: 'test' });

    const fresh = net(99);
    const x = randn([20, 2], { seed: 4 });
    expect(fresh.forward(x).data).not.toEqual(trained.forward(x).data);
    fresh.loadStateDict(await loadWeights(out));
    expect(fresh.forward(x).data).toEqual(trained.forward(x).data);
  });

  it('keeps odd parameter names distinct on disk and refuses a directory without a manifest', async () => {
    const out = join(dir, 'odd');
    await saveWeights({ 'a/b': tensor([1]), 'a_b': tensor([2]), '..x': fromData(new Float64Array([3]), []) }, out);
    const state = await loadWeights(out);
    expect(Object.keys(state)).toEqual(['a/b', 'a_b', '..x']);
    expect([state['a/b']!.item(), state['a_b']!.item(), state['..x']!.item()]).toEqual([1, 2, 3]);
    await expect(loadWeights(join(dir, 'nothing-here'))).rejects.toThrow(/^loadWeights: cannot read/);
  });
});
