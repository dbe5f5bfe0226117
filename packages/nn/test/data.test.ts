import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, fromData, tensor, viewOf } from '@tensorgrad/core';
import { DataLoader, minibatches, spiral } from '@tensorgrad/nn';

describe('spiral', () => {
  const { x, y, classes } = spiral({ seed: 0 });

  it("has the course's shape: K = 3 classes of N = 100 points in D = 2, labels in blocks", () => {
    expect(x.shape).toEqual([300, 2]);
    expect(classes).toBe(3);
    expect(y).toBeInstanceOf(Int32Array);
    expect(Array.from(y)).toEqual([...Array(100).fill(0), ...Array(100).fill(1), ...Array(100).fill(2)]);
  });

  it('puts point i of each class at radius linspace(0, 1, N)[i], and its angle near linspace(4j, 4(j+1), N)[i]', () => {
    const d = x.data;
    const noise: number[] = [];
    for (let j = 0; j < 3; j++) {
      for (let i = 0; i < 100; i++) {
        const row = j * 100 + i;
        const [px, py] = [d[2 * row]!, d[2 * row + 1]!];
        expect(Math.hypot(px, py)).toBeCloseTo(i / 99, 14);
        if (i === 0) continue;
        // (r sin t, r cos t): t = atan2(x, y) up to a multiple of 2π.
        const t0 = 4 * j + (4 * i) / 99;
        let dt = Math.atan2(px, py) - t0;
        dt -= 2 * Math.PI * Math.round(dt / (2 * Math.PI));
        noise.push(dt / 0.2);
      }
    }
    const mean = noise.reduce((a, b) => a + b, 0) / noise.length;
    const std = Math.sqrt(noise.reduce((a, b) => a + (b - mean) ** 2, 0) / noise.length);
    // 297 standard-normal draws: mean within ±0.2 and std within [0.8, 1.2] with overwhelming probability.
    expect(Math.abs(mean)).toBeLessThan(0.2);
    expect(std).toBeGreaterThan(0.8);
    expect(std).toBeLessThan(1.2);
  });

  it('is reproducible from its seed', () => {
    expect(spiral({ seed: 0 }).x.data).toEqual(x.data);
    expect(spiral({ seed: 1 }).x.data).not.toEqual(x.data);
    expect(spiral({ seed: 0, noise: 0 }).x.data[2 * 150]).toBeCloseTo((50 / 99) * Math.sin(4 + (4 * 50) / 99), 14);
    expect(spiral({ pointsPerClass: 10, classes: 5, seed: 2 }).x.shape).toEqual([50, 2]);
    expect(() => spiral({ classes: 0 })).toThrow(ValueError);
    expect(() => spiral({ seed: 1.5 })).toThrow('spiral: seed must be an integer, got 1.5');
    expect(() => spiral('seed' as never)).toThrow("spiral: options must be an object such as { seed: 0 }, got \"seed\"");
    expect(spiral(null as never).x.shape).toEqual([300, 2]);
  });
});

describe('DataLoader', () => {
  const x = tensor(Array.from({ length: 10 }, (_, i) => [i, 10 * i]));
  const y = Int32Array.from({ length: 10 }, (_, i) => i % 3);

  it('visits every row exactly once per epoch, in batches of batchSize, rows matching labels', () => {
    const loader = new DataLoader(x, y, { batchSize: 4, seed: 1 });
    expect(loader.length).toBe(3);
    const batches = [...loader];
    expect(batches.map((b) => b.x.shape)).toEqual([[4, 2], [4, 2], [2, 2]]);
    const seen = batches.flatMap((b) => Array.from(b.indices));
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const b of batches) {
      b.indices.forEach((row, r) => {
        expect(b.x.data[2 * r]).toBe(row);
        expect(b.x.data[2 * r + 1]).toBe(10 * row);
        expect(b.y[r]).toBe(row % 3);
      });
    }
  });

  it('shuffles reproducibly from a seed, differently each epoch', () => {
    const order = (loader: DataLoader) => [...loader].flatMap((b) => Array.from(b.indices));
    const a = new DataLoader(x, y, { batchSize: 3, seed: 5 });
    const b = new DataLoader(x, y, { batchSize: 3, seed: 5 });
    const first = order(a);
    expect(order(b)).toEqual(first);
    expect(order(a)).not.toEqual(first);
    expect(order(new DataLoader(x, y, { batchSize: 3, shuffle: false }))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('drops a last incomplete batch on request, and slices Tensor targets by row', () => {
    const loader = minibatches(x, tensor(Array.from({ length: 10 }, (_, i) => [i / 2])), { batchSize: 4, dropLast: true, shuffle: false });
    const batches = [...loader];
    expect(batches).toHaveLength(2);
    expect(batches[1]!.y.shape).toEqual([4, 1]);
    expect(Array.from(batches[1]!.y.data)).toEqual([2, 2.5, 3, 3.5]);
  });

  it('yields batches as { x, y, indices } and as the pair [x, y]', () => {
    const loader = new DataLoader(tensor([[0, 0], [1, 1], [2, 2]]), [0, 1, 2], { batchSize: 2, shuffle: false });
    const batches = [...loader];
    const [x, y] = batches[0]!;
    expect(x).toBe(batches[0]!.x);
    expect(y).toBe(batches[0]!.y);
    expect(Array.from(y)).toEqual([0, 1]);
    expect(x.shape).toEqual([2, 2]);
    const { x: lastX, y: lastY, indices } = batches[1]!;
    expect([lastX.shape, Array.from(lastY), Array.from(indices)]).toEqual([[1, 2], [2], [2]]);
    expect(batches[1]!.length).toBe(2);
  });

  it('refuses mismatched rows and bad batch sizes', () => {
    expect(() => new DataLoader(x, [1, 2, 3])).toThrow(ShapeError);
    expect(() => new DataLoader(x, [1, 2, 3])).toThrow('DataLoader: x has 10 rows (shape [10, 2]) but y has 3');
    expect(() => new DataLoader(x, y, { batchSize: 0 })).toThrow(ValueError);
    expect(() => new DataLoader(x, [0, 1, 2, 0, 1, 2.5, 0, 1, 2, 0])).toThrow('DataLoader: label 2.5 at index 5 is not an integer; pass real-valued targets as a Tensor');
  });
});

describe('DataLoader holds the data, as PyTorch\'s TensorDataset', () => {
  it('a contiguous x is shared (an in-place write shows in later batches); a strided view is copied once', () => {
    const x = fromData(Float64Array.from([1, 2, 3, 4]), [4, 1]);
    const loader = new DataLoader(x, [0, 1, 0, 1], { batchSize: 4, shuffle: false });
    expect([...loader][0]!.x.toArray()).toEqual([[1], [2], [3], [4]]);
    x.mutate((d) => d.fill(7));
    expect([...loader][0]!.x.toArray()).toEqual([[7], [7], [7], [7]]);
    const base = fromData(Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [2, 4]);
    const view = viewOf(base, [4, 2], [1, 4], 0); // the transpose
    const copied = new DataLoader(view, [0, 1, 0, 1], { batchSize: 4, shuffle: false });
    base.mutate((d) => d.fill(0));
    expect([...copied][0]!.x.toArray()).toEqual([[1, 5], [2, 6], [3, 7], [4, 8]]);
  });
});
