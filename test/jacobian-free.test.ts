// Jacobian-free backprop, measured. A vectorized op's Jacobian is huge — relu's on one 4096-vector is
// 4096 x 4096 float64 = 128 MiB, on a 100 x 4096 minibatch 409,600² x 8 B ≈ 1.2 TiB — and nobody builds
// it: a backward rule returns gradients shaped like the inputs. Here the bytes a backward pass allocates
// are measured two ways and bounded by a small multiple of the inputs' bytes:
//  - counted: every Float64Array the JS code creates (constructor, from, slice, map, filter), through a
//    counting wrapper around the global constructor — exact, and blind to garbage collection;
//  - observed: the growth of process.memoryUsage().arrayBuffers across the pass (after a forced GC
//    before it), which also sees WebAssembly memory and any other ArrayBuffer.
import v8 from 'node:v8';
import vm from 'node:vm';
import { isMainThread } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Tensor, fromData } from '@tensorgrad/core';
import { inKernelMemory, l2, matmul, relu } from '@tensorgrad/ops';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const MiB = 1024 * 1024;
// process.memoryUsage() is per process: under vitest's default 'forks' pool each test file has its own.
// In a worker thread other files' allocations would show up too, so the observed figure is then only
// reported, not asserted.
const ownProcess = isMainThread;
const BYTES = Float64Array.BYTES_PER_ELEMENT;

interface Measured {
  counted: number;
  observed: number;
}

/** Runs `fn` and reports the Float64Array bytes it created and the growth of ArrayBuffer memory. */
async function measure(fn: () => void): Promise<Measured> {
  const original = globalThis.Float64Array;
  const proto = original.prototype;
  const methods = ['slice', 'map', 'filter'] as const;
  const saved = methods.map((name) => proto[name]);
  let counted = 0;
  const sizeOfArguments = (args: unknown[]): number => {
    const [arg, , length] = args;
    if (typeof arg === 'number') return arg;
    // A view over the kernel's (shared) memory is a block of its arena handed out: new storage.
    if (typeof SharedArrayBuffer !== 'undefined' && arg instanceof SharedArrayBuffer) return typeof length === 'number' ? length : 0;
    if (arg instanceof ArrayBuffer) return 0; // a view
    if (arg !== null && typeof arg === 'object' && 'length' in arg) return Number((arg as { length: number }).length);
    return 0;
  };
  globalThis.Float64Array = new Proxy(original, {
    construct(target, args, newTarget) {
      counted += sizeOfArguments(args) * BYTES;
      return Reflect.construct(target, args, newTarget);
    },
  });
  methods.forEach((name, i) => {
    const method = saved[i] as (...a: unknown[]) => Float64Array;
    Object.defineProperty(proto, name, {
      configurable: true,
      writable: true,
      value: function (this: Float64Array, ...a: unknown[]) {
        const result = method.apply(this, a);
        counted += result.byteLength;
        return result;
      },
    });
  });
  // ArrayBuffer backing stores are freed by a background sweeper after a GC: collect until the figure
  // stops moving, so that garbage from earlier work is not freed (and subtracted) during `fn`.
  let before = -1;
  for (let i = 0; i < 50; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = process.memoryUsage().arrayBuffers;
    if (now === before) break;
    before = now;
  }
  try {
    fn();
  } finally {
    globalThis.Float64Array = original;
    methods.forEach((name, i) => Object.defineProperty(proto, name, { configurable: true, writable: true, value: saved[i] }));
  }
  const observed = process.memoryUsage().arrayBuffers - before;
  return { counted, observed };
}

function filled(shape: number[], f: (i: number) => number, requiresGrad = true): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = f(i);
  return fromData(d, shape, { requiresGrad });
}

const mib = (bytes: number): string => `${(bytes / MiB).toFixed(2)} MiB`;

describe('Jacobian-free backward, measured in ArrayBuffer bytes', () => {
  it('measure() counts what it should: a 1 MiB Float64Array and a 1 MiB slice', async () => {
    const m = await measure(() => {
      const a = new Float64Array(MiB / BYTES);
      a.slice().fill(1);
    });
    expect(m.counted).toBe(2 * MiB);
  });

  it('l2(matmul(W, x)) with W 4096x4096 (128 MiB) and x 4096 (32 KiB): backward allocates ~dW + dx, <= 1.1x the inputs (a Jacobian of q w.r.t. W would be 512 GiB; of relu on one 4096-vector, 128 MiB)', async () => {
    const n = 4096;
    const W = filled([n, n], (i) => ((i % 7) - 3) / 64);
    const x = filled([n], (i) => ((i % 5) - 2) / 8);
    const inputBytes = (W.size + x.size) * BYTES;
    // Warm up once (JIT, any kernel scratch memory), then measure a fresh graph's backward.
    l2(matmul(W, x)).backward();
    W.grad = null;
    x.grad = null;
    const f = l2(matmul(W, x));
    const m = await measure(() => f.backward());
    expect(W.grad!.shape).toEqual([n, n]);
    expect(x.grad!.shape).toEqual([n]);
    // Spot-check the values: dW = 2 q xᵀ, dx = 2 Wᵀ q.
    const q = matmul(W.detach(), x.detach()).data;
    expect(W.grad!.data[5 * n + 7]).toBeCloseTo(2 * q[5]! * x.data[7]!, 9);
    console.info(`l2(W x), W ${n}x${n}: inputs ${mib(inputBytes)}, backward counted ${mib(m.counted)}, observed ${mib(m.observed)}`);
    expect(m.counted).toBeGreaterThanOrEqual(n * n * BYTES); // dW itself is allocated and counted
    expect(m.counted).toBeLessThanOrEqual(1.1 * inputBytes);
    if (ownProcess) {
      // The live dW shows in ArrayBuffer memory too, unless it took arena memory the kernel already had.
      if (!inKernelMemory(W.grad!.data)) expect(m.observed).toBeGreaterThanOrEqual(n * n * BYTES);
      expect(m.observed).toBeLessThanOrEqual(1.1 * inputBytes);
    }
  });

  it('relu over a 100x4096 minibatch (3.1 MiB): backward allocates one mask-product, <= 1.5x the input (its Jacobian would be 409,600² x 8 B ≈ 1.2 TiB)', async () => {
    const x = filled([100, 4096], (i) => ((i % 11) - 5) / 3);
    const inputBytes = x.size * BYTES;
    const seed = filled([100, 4096], (i) => (i % 3) - 1, false);
    relu(x).backward(seed);
    x.grad = null;
    const y = relu(x);
    const m = await measure(() => y.backward(seed));
    expect(x.grad!.shape).toEqual([100, 4096]);
    const g = x.grad!.data;
    for (let i = 0; i < 50; i++) expect(g[i]! + 0).toBe(x.data[i]! > 0 ? seed.data[i]! + 0 : 0);
    console.info(`relu [100, 4096]: input ${mib(inputBytes)}, backward counted ${mib(m.counted)}, observed ${mib(m.observed)}`);
    expect(m.counted).toBeGreaterThanOrEqual(inputBytes); // dx itself
    expect(m.counted).toBeLessThanOrEqual(1.5 * inputBytes);
    if (ownProcess) expect(m.observed).toBeLessThanOrEqual(1.5 * inputBytes);
  });
});
