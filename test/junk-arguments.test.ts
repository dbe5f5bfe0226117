// Junk arguments to every registered op: whatever an op refuses, it refuses with a TensorgradError
// (ShapeError, ValueError, ...) whose message starts with the op's name — never a bare TypeError or
// RangeError from deep inside a kernel. Deterministic: every combination from a fixed pool.
import { describe, expect, it } from 'vitest';
import * as tg from 'tensorgrad';
import { TensorgradError, registeredOps, tensor } from 'tensorgrad';
import { broadcastShapes, normalizeAxes, normalizeAxis } from '@tensorgrad/core';

const functions = tg as unknown as Record<string, unknown>;

/** Values a confused caller might pass where a tensor, a shape, an axis or labels go. */
function junkPool(): unknown[] {
  return [
    undefined,
    null,
    'x',
    {},
    true,
    NaN,
    -1,
    1.5,
    [[1, 2], [3]],
    [7],
    [-1, 2],
    [NaN],
    tensor(2),
    tensor([[1, 2, 3]], { requiresGrad: true }),
    tensor([0, 1]),
  ];
}

function describeArg(v: unknown): string {
  if (v instanceof tg.Tensor) return `Tensor${JSON.stringify(v.shape)}`;
  if (typeof v === 'number' || v === undefined) return String(v);
  return JSON.stringify(v) ?? String(v);
}

describe('every registered op refuses junk with a TensorgradError naming it', () => {
  const names = registeredOps().filter((name) => typeof functions[name] === 'function');

  it('the umbrella exports a function for every registered op', () => {
    expect(registeredOps().filter((name) => typeof functions[name] !== 'function')).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['add', 'matmul', 'linear', 'softmaxCrossEntropy', 'gather', 'reshape']));
  });

  it.each(names)('%s: one and two arguments from the junk pool, and a third from a short list', (name) => {
    const op = functions[name] as (...args: unknown[]) => unknown;
    const failures: string[] = [];
    let refused = 0;
    const attempt = (args: unknown[]): void => {
      try {
        op(...args);
      } catch (e) {
        refused++;
        const ok = e instanceof TensorgradError && (e.message.startsWith(`${name}: `) || e.message.startsWith(`${e.op}: `));
        if (!ok) failures.push(`${name}(${args.map(describeArg).join(', ')}) threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
      }
    };
    const pool = junkPool();
    for (const a of pool) attempt([a]);
    for (const a of pool) for (const b of pool) attempt([a, b]);
    const thirds = [undefined, null, 'x', NaN, 5, -7, 0.5, [9]];
    for (const a of pool) for (const b of pool) for (const c of thirds) attempt([a, b, c]);
    expect(failures.slice(0, 400)).toEqual([]);
    expect(refused).toBeGreaterThan(0);
  });
});

describe("core's creation and utility functions refuse junk with a TensorgradError", () => {
  const core: Record<string, (...args: unknown[]) => unknown> = {
    tensor: (...a) => tg.tensor(...(a as [never])),
    zeros: (...a) => tg.zeros(...(a as [never])),
    ones: (...a) => tg.ones(...(a as [never])),
    full: (...a) => tg.full(...(a as [never, never])),
    zerosLike: (...a) => tg.zerosLike(...(a as [never])),
    onesLike: (...a) => tg.onesLike(...(a as [never])),
    arange: (...a) => tg.arange(...(a as [never])),
    linspace: (...a) => tg.linspace(...(a as [never, never])),
    eye: (...a) => tg.eye(...(a as [never])),
    rand: (...a) => tg.rand(...(a as [never])),
    randn: (...a) => tg.randn(...(a as [never])),
    fromData: (...a) => tg.fromData(...(a as [never, never])),
    fromNdarray: (...a) => tg.fromNdarray(...(a as [never])),
    manualSeed: (...a) => tg.manualSeed(...(a as [never])),
    broadcastShapes: (...a) => broadcastShapes(...(a as [never])),
    normalizeAxis: (...a) => normalizeAxis(...(a as [never, never, never])),
    normalizeAxes: (...a) => normalizeAxes(...(a as [never, never, never])),
  };
  it.each(Object.keys(core))('%s', (name) => {
    const failures: string[] = [];
    const attempt = (args: unknown[]): void => {
      try {
        core[name]!(...args);
      } catch (e) {
        if (!(e instanceof TensorgradError)) failures.push(`${name}(${args.map(describeArg).join(', ')}) threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
      }
    };
    const pool = [...junkPool(), { seed: 1.5 }, { shape: [NaN] }, { low: 'a' }];
    for (const a of pool) attempt([a]);
    for (const a of pool) for (const b of pool) attempt([a, b]);
    expect(failures.slice(0, 50)).toEqual([]);
  });

  it('tensor methods refuse junk the same way', () => {
    const x = tensor([[1, 2, 3]], { requiresGrad: true });
    const methods = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'matmul', 'pow', 'sum', 'mean', 'max', 'min', 'reshape', 'transpose', 'softmax', 'logSoftmax', 'expandDims', 'squeeze', 'gather', 'backward', 'item'];
    const failures: string[] = [];
    for (const m of methods) {
      for (const a of junkPool()) {
        try {
          (x as unknown as Record<string, (...args: unknown[]) => unknown>)[m]!(a);
        } catch (e) {
          if (!(e instanceof TensorgradError)) failures.push(`x.${m}(${describeArg(a)}) threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
