// The kernel arena's limit, in a file of its own: a fresh kernel memory, with no free blocks left by
// other tests (a block freed by the collector at any moment would otherwise make the arena's room vary).
import { describe, expect, it } from 'vitest';
import { inKernelMemory, kernelStorage } from '@tensorgrad/ops';
import { kernelArena, releaseKernelStorage, setKernelArenaLimit } from '../src/kernels/arena.js';
import { wasmAvailable } from '../src/kernels/wasm-module.js';

const shared = wasmAvailable && typeof SharedArrayBuffer !== 'undefined';

describe.runIf(shared)('the arena limit', () => {
  it('past it, kernelStorage hands out ordinary arrays (room stays for products), and freed blocks are used again', () => {
    const length = 3_000_000;
    const previous = setKernelArenaLimit(kernelArena().top + 8 * length + 1024);
    try {
      const first = kernelStorage(length);
      expect(inKernelMemory(first)).toBe(true);
      const second = kernelStorage(length);
      expect(inKernelMemory(second)).toBe(false);
      expect(second.length).toBe(length);
      releaseKernelStorage(first);
      const third = kernelStorage(length);
      expect(inKernelMemory(third)).toBe(true);
      releaseKernelStorage(third);
    } finally {
      setKernelArenaLimit(previous);
    }
  });
});
