import { describe, expect, it } from 'vitest';
import { tensor } from '@tensorgrad/core';
import { formatNumber, formatValue, formatValueLines } from '../src/index.js';

describe('formatNumber', () => {
  it('prints the lecture\'s two decimals, rounding as the lecture does', () => {
    expect([-0.1966, 0.3932, -0.5898, 0.7311, 1.3679, -0.5344, 0].map((v) => formatNumber(v))).toEqual([
      '-0.20', '0.39', '-0.59', '0.73', '1.37', '-0.53', '0.00',
    ]);
    expect(formatNumber(0.116, 3)).toBe('0.116');
  });

  it('never shows a small nonzero value as zero, and keeps huge ones short', () => {
    expect(formatNumber(1.5e-7)).toBe('1.50e-7');
    expect(formatNumber(-0.004)).toBe('-4.00e-3');
    expect(formatNumber(0.005)).toBe('0.01');
    expect(formatNumber(2.5e9)).toBe('2.50e9');
    expect(formatNumber(-0)).toBe('0.00');
    expect([NaN, Infinity, -Infinity].map((v) => formatNumber(v))).toEqual(['nan', 'inf', '-inf']);
  });
});

describe('formatValueLines', () => {
  it('prints small tensors in full, one line per row, brackets as NumPy', () => {
    expect(formatValueLines(tensor(3))).toEqual(['3.00']);
    expect(formatValueLines(tensor([0.22, 0.26]), { decimals: 3 })).toEqual(['[0.220, 0.260]']);
    expect(formatValueLines(tensor([[0.1, 0.5], [-0.3, 0.8]]))).toEqual(['[[0.10, 0.50],', ' [-0.30, 0.80]]']);
    expect(formatValueLines(tensor([[[1, 2]], [[3, 4]]]))).toEqual(['[[[1.00, 2.00]],', ' [[3.00, 4.00]]]']);
    expect(formatValue(tensor([[1, 2], [3, 4]]))).toBe('[[1.00, 2.00], [3.00, 4.00]]');
  });

  it('summarizes large tensors by shape, norm, min and max', () => {
    const values = Array.from({ length: 12 }, (_, i) => i - 4); // -4 .. 7
    const norm = Math.sqrt(values.reduce((s, v) => s + v * v, 0));
    expect(formatValueLines(tensor([values.slice(0, 6), values.slice(6)]))).toEqual([
      `shape [2, 6]  norm ${norm.toFixed(2)}`,
      'min -4.00  max 7.00',
    ]);
    expect(formatValueLines(tensor([1, 2, 3]), { maxElements: 2 })).toEqual(['shape [3]  norm 3.74', 'min 1.00  max 3.00']);
    expect(formatValueLines(tensor([1, NaN, Infinity]), { maxElements: 2 })).toEqual(['shape [3]  norm 1.00', 'min 1.00  max 1.00', '2 non-finite']);
  });
});

describe('formatValue', () => {
  it('puts a large tensor\'s summary on one line', () => {
    expect(formatValue(tensor([[1, -2, 3], [0, 0, 2]]), { maxElements: 4 })).toBe('{shape [2, 3], norm 4.24, min -2.00, max 3.00}');
  });
});
