// Grad mode and anomaly mode cover a synchronous callback only: the mode is restored when the callback
// returns, so the part of an async callback after its first await would run in the outer mode. An async
// function is refused before it runs; a plain function that returns a promise can only be refused once it
// has run, and its promise's rejection is then left to surface, never swallowed.
import { describe, expect, it } from 'vitest';
import { GraphError, detectAnomaly, enableGrad, isAnomalyEnabled, isGradEnabled, noGrad, tensor } from '@tensorgrad/core';
import { mul } from '@tensorgrad/ops';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `body` with this test's listener as the only one for unhandled rejections, and returns what it saw. */
async function unhandledRejectionsDuring(body: () => void): Promise<unknown[]> {
  const seen: unknown[] = [];
  const others = process.listeners('unhandledRejection');
  const listener = (reason: unknown) => seen.push(reason);
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', listener);
  try {
    body();
    await sleep(5);
  } finally {
    process.off('unhandledRejection', listener);
    for (const other of others) process.on('unhandledRejection', other);
  }
  return seen;
}

describe('modes refuse async functions before they run', () => {
  it('noGrad(async fn) is a GraphError naming noGrad, and no line of the body runs, now or later', async () => {
    const p = tensor([1, 2], { requiresGrad: true });
    let runs = 0;
    const step = async () => {
      runs++;
      noGrad(() => p.mutate((d) => d.fill(0)));
      await sleep(1);
      return mul(p, 2);
    };
    expect(() => noGrad(step)).toThrow(GraphError);
    expect(() => noGrad(step)).toThrow(
      'noGrad: the callback is an async function, refused before it runs: grad mode cannot follow an await — call noGrad inside the async function around the synchronous part',
    );
    await sleep(5);
    // A retry after the error cannot step twice: the first call never stepped.
    expect(runs).toBe(0);
    expect(Array.from(p.data)).toEqual([1, 2]);
    expect(p.version).toBe(0);
    expect(isGradEnabled()).toBe(true);
  });

  it('enableGrad and detectAnomaly refuse async functions and async generator functions alike', async () => {
    let runs = 0;
    noGrad(() => {
      expect(() => enableGrad(async () => runs++)).toThrow(/^enableGrad: the callback is an async function, refused before it runs: grad mode/);
      expect(isGradEnabled()).toBe(false);
    });
    expect(() => detectAnomaly(async function* () { runs++; })).toThrow(/^detectAnomaly: the callback is an async function, refused before it runs: anomaly mode/);
    expect(() => noGrad(async function named() { runs++; })).toThrow(GraphError);
    // A bound async function keeps the tag (its prototype is AsyncFunction.prototype).
    expect(() => noGrad((async () => runs++).bind(null))).toThrow(/^noGrad: the callback is an async function/);
    await sleep(1);
    expect(runs).toBe(0);
    expect(isAnomalyEnabled()).toBe(false);
  });
});

describe('a plain function that returns a promise is refused once it has run', () => {
  it('a GraphError after the call, with the mode restored; thenables too', () => {
    noGrad(() => {
      expect(() => enableGrad(() => Promise.resolve(1))).toThrow(/^enableGrad: the callback returned a Promise; grad mode cannot follow an await/);
      expect(isGradEnabled()).toBe(false);
    });
    expect(() => detectAnomaly(() => ({ then() {} }))).toThrow(/^detectAnomaly: the callback returned a Promise; anomaly mode cannot follow an await/);
    expect(isAnomalyEnabled()).toBe(false);
  });

  it("its promise's rejection is not swallowed: it surfaces as an unhandled rejection with its own error", async () => {
    const late = new Error('late');
    const seen = await unhandledRejectionsDuring(() => {
      expect(() => noGrad(() => Promise.reject(late))).toThrow(GraphError);
    });
    expect(seen).toEqual([late]);
  });

  it('synchronous callbacks still return their value, including plain objects without then', () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const out = noGrad(() => ({ y: mul(p, 2) }));
    expect(out.y.requiresGrad).toBe(false);
    expect(Array.from(out.y.data)).toEqual([2, 4]);
    expect(noGrad(() => null)).toBe(null);
  });
});
