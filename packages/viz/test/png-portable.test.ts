// Where there is no Node (a browser bundle resolves viz's '#png' import to png-portable.ts), renderPng
// and svgToPng refuse before any work, naming themselves, with what to use instead.
import { describe, expect, it } from 'vitest';
import { ValueError } from '@tensorgrad/core';
import { checkPng, rasterize } from '../src/png-portable.js';

describe('PNG without Node', () => {
  it('checkPng refuses, naming the caller; rasterize rejects as svgToPng', async () => {
    expect(() => checkPng('renderPng')).toThrow(ValueError);
    expect(() => checkPng('renderPng')).toThrow(
      'renderPng: rasterizes with resvg, a native Node addon, which cannot run here; show the SVG of renderSvg instead (an <img> or inline), or draw it on a canvas for a PNG',
    );
    await expect(rasterize('<svg/>', 2)).rejects.toThrow(/^svgToPng: rasterizes with resvg/);
  });
});
