// Grad mode and anomaly mode cover a synchronous callback only: an async callback is refused, since the
// mode would be restored at its first await and the rest would silently run in the outer mode.
import { describe, expect, it } from 'vitest';
import { GraphError, detectAnomaly, enableGrad, isAnomalyEnabled, isGradEnabled, noGrad, tensor } from '@tensorgrad/core';
import { mul } from '@tensorgrad/ops';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('modes refuse async callbacks', () => {
  it('noGrad(async fn) throws a GraphError naming noGrad, with grad mode restored', async () => {
    const p = tensor([1, 2], { requiresGrad: true });
    let inner: unknown;
    const call = () =>
      noGrad(async () => {
        await sleep(1);
        inner = mul(p, 2);
        return inner;
      });
    expect(call).toThrow(GraphError);
    expect(call).toThrow(/^noGrad: the callback returned a Promise; grad mode cannot follow an await — call noGrad inside the async function/);
    expect(isGradEnabled()).toBe(true);
    await sleep(5);
    // The body ran on in the outer mode: exactly why it is refused.
    expect((inner as { requiresGrad: boolean }).requiresGrad).toBe(true);
  });

  it('enableGrad and detectAnomaly refuse thenables as well, restoring their mode', async () => {
    noGrad(() => {
      expect(() => enableGrad(() => Promise.resolve(1))).toThrow(/^enableGrad: the callback returned a Promise/);
      expect(isGradEnabled()).toBe(false);
    });
    expect(() => detectAnomaly(() => ({ then() {} }))).toThrow(/^detectAnomaly: the callback returned a Promise; anomaly mode cannot follow an await/);
    expect(isAnomalyEnabled()).toBe(false);
  });

  it('a rejected promise from a refused callback is not also an unhandled rejection', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      expect(() => noGrad(() => Promise.reject(new Error('late')))).toThrow(GraphError);
      await sleep(5);
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('synchronous callbacks still return their value, including plain objects without then', () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const out = noGrad(() => ({ y: mul(p, 2) }));
    expect(out.y.requiresGrad).toBe(false);
    expect(Array.from(out.y.data)).toEqual([2, 4]);
    expect(noGrad(() => null)).toBe(null);
  });
});
