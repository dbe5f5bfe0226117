// Soak: 10,000 training steps of the course's 2-layer net (Linear -> ReLU -> Linear, softmax
// cross-entropy, SGD) with a flat heap. Each step builds a graph, runs backward (which releases what the
// ops saved) and drops its references, so nothing may pile up from step to step.
//
// The heap is measured after a forced full GC: `--expose-gc` is switched on at runtime through
// v8.setFlagsFromString, and `gc` is fetched from a fresh context (where the flag now installs it).
import { describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import { manualSeed } from '@tensorgrad/core';
import { Linear, ReLU, SGD, Sequential, softmaxCrossEntropy, spiral } from '@tensorgrad/nn';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

interface Memory {
  heapUsed: number;
  arrayBuffers: number;
}

/** Live memory after full collections: the JS heap and the ArrayBuffer stores (Float64Arrays live there). */
function liveMemory(): Memory {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
}

const MiB = 1024 * 1024;
const fmt = (bytes: number): string => `${(bytes / MiB).toFixed(2)} MiB`;

describe('soak: 10,000 training steps with a flat heap', () => {
  it('trains the 2-layer net on the spiral; heap and ArrayBuffer memory do not grow', () => {
    manualSeed(0);
    // Small sizes so 10,000 steps take a few seconds: 60 points, 2 -> 16 -> 3.
    const data = spiral({ pointsPerClass: 20, classes: 3, seed: 1 });
    const net = new Sequential(new Linear(2, 16, { seed: 2 }), new ReLU(), new Linear(16, 3, { seed: 3 }));
    const opt = new SGD(net.parameters(), { lr: 0.5, momentum: 0.9 });
    const step = (): number => {
      opt.zeroGrad();
      const loss = softmaxCrossEntropy(net.forward(data.x), data.y);
      loss.backward();
      opt.step();
      return loss.item();
    };

    // Warm-up: JIT tiers, the kernel's scratch buffers and the optimizer's momentum buffers settle.
    const first = step();
    for (let i = 1; i < 500; i++) step();
    const before = liveMemory();
    let last = first;
    const steps = 10_000;
    for (let i = 0; i < steps; i++) last = step();
    const after = liveMemory();

    const heapGrowth = after.heapUsed - before.heapUsed;
    const bufferGrowth = after.arrayBuffers - before.arrayBuffers;
    console.log(
      `soak, ${steps} steps: heapUsed ${fmt(before.heapUsed)} -> ${fmt(after.heapUsed)} (${heapGrowth >= 0 ? '+' : ''}${(heapGrowth / 1024).toFixed(1)} KiB); ` +
        `arrayBuffers ${fmt(before.arrayBuffers)} -> ${fmt(after.arrayBuffers)} (${bufferGrowth >= 0 ? '+' : ''}${(bufferGrowth / 1024).toFixed(1)} KiB); ` +
        `loss ${first.toFixed(4)} -> ${last.toFixed(4)}`,
    );
    // A leak of one small tensor per step (a [60, 3] Float64Array is 1.4 KiB) would add ~14 MiB here.
    expect(heapGrowth).toBeLessThan(1 * MiB);
    expect(bufferGrowth).toBeLessThan(256 * 1024);
    // And it trained: the loss fell from ln 3 toward 0.
    expect(first).toBeGreaterThan(0.9);
    expect(last).toBeLessThan(0.2);
    for (const p of net.parameters()) expect(p.data.every(Number.isFinite)).toBe(true);
  });

  it('the measurement can fail: keeping each step\'s loss tensor keeps its graph (activations included) alive', () => {
    // Released graphs drop what the ops saved, but a result still points at its inputs, so holding on to
    // loss tensors (rather than loss.item()) holds every step's activations. The same probe sees it.
    const data = spiral({ pointsPerClass: 20, classes: 3, seed: 1 });
    const net = new Sequential(new Linear(2, 16, { seed: 2 }), new ReLU(), new Linear(16, 3, { seed: 3 }));
    const opt = new SGD(net.parameters(), { lr: 0.1 });
    const kept: unknown[] = [];
    const before = liveMemory();
    for (let i = 0; i < 1000; i++) {
      opt.zeroGrad();
      const loss = softmaxCrossEntropy(net.forward(data.x), data.y);
      loss.backward();
      opt.step();
      kept.push(loss);
    }
    const after = liveMemory();
    const growth = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
    console.log(`keeping 1000 loss tensors: +${fmt(growth)} (${(growth / 1000 / 1024).toFixed(1)} KiB per step)`);
    // Per step at least the [60, 16] hidden layer twice (before/after ReLU): 2 x 7.5 KiB.
    expect(growth).toBeGreaterThan(1000 * 15 * 1024);
    expect(kept.length).toBe(1000);
  });
});
