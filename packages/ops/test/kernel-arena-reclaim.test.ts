// The kernel arena in loops that never yield to the event loop (a plain training script): dead blocks
// come back before the arena grows, so it grows only by what is alive. In a file of its own: a fresh
// kernel memory, whose top and scratch no other test has moved.
import { describe, expect, it } from 'vitest';
import { randn } from '@tensorgrad/core';
import { gemmKernel, inKernelMemory, kernelStorage, matmul, setGemmKernel, toKernelMemory } from '@tensorgrad/ops';
import { kernelArena } from '../src/kernels/arena.js';
import { wasmAvailable } from '../src/kernels/wasm-module.js';

const shared = wasmAvailable && typeof SharedArrayBuffer !== 'undefined';
const MiB = 2 ** 20;

describe.runIf(shared)('the kernel arena without awaits', () => {
  it('reclaims dead blocks synchronously here (Node)', () => {
    expect(kernelArena().syncReclaim).toBe(true);
  });

  it('a burst of 50,000 dropped toKernelMemory tensors grows it by a bounded amount (not 1.6 GB)', () => {
    const start = kernelArena().top;
    const rssStart = process.memoryUsage().rss;
    const source = randn([64, 64], { seed: 1 }); // 4,096 values: the smallest size kept there
    let last = source;
    for (let i = 0; i < 50_000; i++) last = toKernelMemory(source);
    expect(inKernelMemory(last.nd.data)).toBe(true);
    expect(last.data[7]).toBe(source.data[7]);
    const grown = kernelArena().top - start;
    expect(grown).toBeLessThan(160 * MiB);
    expect(process.memoryUsage().rss - rssStart).toBeLessThan(400 * MiB);
  });

  it('a loop of 300 products of plain 512×512 tensors (2 MB results in the arena) stays bounded', () => {
    // The WebAssembly kernel whatever TENSORGRAD_KERNEL says: it is the one that allocates results here.
    const previous = gemmKernel().name;
    setGemmKernel('wasm');
    try {
      const a = randn([512, 512], { seed: 2 });
      const b = randn([512, 512], { seed: 3 });
      const first = matmul(a, b);
      expect(inKernelMemory(first.nd.data)).toBe(true);
      const start = kernelArena().top;
      let c = first;
      for (let i = 0; i < 300; i++) c = matmul(a, b);
      expect(Array.from(c.data.subarray(0, 16))).toEqual(Array.from(first.data.subarray(0, 16)));
      expect(kernelArena().top - start).toBeLessThan(160 * MiB);
    } finally {
      setGemmKernel(previous);
    }
  });

  it('the scratch block does not move when the arena grows', () => {
    const a = randn([256, 256], { seed: 4 });
    matmul(a, a); // the scratch is sized for this product
    const scratch = kernelArena().scratch;
    const kept = Array.from({ length: 20 }, () => kernelStorage(1 << 16)); // 10 MiB of live blocks
    matmul(a, a);
    expect(kernelArena().scratch).toEqual(scratch);
    expect(kept.every((x) => inKernelMemory(x))).toBe(true);
  });
});
