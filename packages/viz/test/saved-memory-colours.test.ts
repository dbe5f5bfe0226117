// toDot's savedMemory option: gates shaded by the bytes their backward rules keep alive.
import { describe, expect, it } from 'vitest';
import { tensor } from '@tensorgrad/core';
import { mul, relu, sum } from '@tensorgrad/ops';
import { toDot } from '../src/index.js';

describe('toDot({ savedMemory: true })', () => {
  it('fills the gate keeping the most in orange, one keeping nothing in white, and says how much in the tooltip', () => {
    const x = tensor([[1, -2, 3], [4, 5, -6]], { requiresGrad: true, name: 'x' });
    const w = tensor([1, 2, 3], { requiresGrad: true, name: 'w' });
    // relu keeps x (48 bytes), mul keeps its two inputs (48 + 24), sum keeps nothing.
    const dot = toDot(sum(mul(relu(x), w)), { savedMemory: true, trace: null });
    const gate = (op: string): string => dot.split('\n').find((line) => line.includes(`tooltip="${op} →`))!;
    expect(gate('mul')).toContain('fillcolor="#f28e2b"');
    expect(gate('mul')).toContain('backward keeps 72 B alive');
    expect(gate('sum')).toContain('fillcolor="#ffffff"');
    expect(gate('sum')).toContain('backward keeps 0 B alive');
    // relu: 48 of 72 bytes, two thirds of the way from white to orange.
    const third = (to: number): string => Math.round(255 + (2 / 3) * (to - 255)).toString(16).padStart(2, '0');
    expect(gate('relu')).toContain(`fillcolor="#${third(0xf2)}${third(0x8e)}${third(0x2b)}"`);
    expect(dot).toContain('orange gates: bytes backward keeps alive (deepest: 72 B)');
  });

  it('draws gates unfilled by default', () => {
    const x = tensor([1, -2], { requiresGrad: true });
    expect(toDot(sum(relu(x)), { trace: null })).not.toContain('fillcolor');
  });
});
