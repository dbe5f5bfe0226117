import { ValueError } from '@tensorgrad/core';

/**
 * PNG where there is no Node (the `default` target of the package's `#png` import, which a browser
 * bundle resolves to): resvg is a native Node addon, which no bundle can hold. renderPng and svgToPng
 * refuse before any work, saying what to use instead. Same exports as png.ts.
 */

export function checkPng(op: string): never {
  throw new ValueError(op, 'rasterizes with resvg, a native Node addon, which cannot run here; show the SVG of renderSvg instead (an <img> or inline), or draw it on a canvas for a PNG');
}

export async function rasterize(_svg: string, _scale: number): Promise<Uint8Array> {
  return checkPng('svgToPng');
}
