import { ValueError, type Tensor } from '@tensorgrad/core';
import type { Viz } from '@viz-js/viz';
import { checkPng, rasterize } from '#png';
import { toDot, type DotOptions } from './dot.js';

let graphviz: Promise<Viz> | null = null;

/**
 * Graphviz compiled to WebAssembly, shipped inside the npm package: loaded on first use (so that toDot and
 * explainBackward do not pay for it), started once, nothing downloaded.
 */
function viz(): Promise<Viz> {
  graphviz ??= import('@viz-js/viz').then((module) => module.instance());
  return graphviz;
}

/** Lays out DOT text with Graphviz's `dot` engine and returns the SVG document. */
export async function dotToSvg(dot: string): Promise<string> {
  const result = (await viz()).render(dot, { format: 'svg', engine: 'dot' });
  if (result.status !== 'success') {
    throw new ValueError('renderSvg', `Graphviz could not lay out the diagram: ${result.errors.map((e) => e.message).join('; ')}`);
  }
  return result.output;
}

/** The diagram of `toDot(output, options)` as an SVG document (a string). */
export async function renderSvg(output: Tensor, options: DotOptions = {}): Promise<string> {
  return dotToSvg(toDot(output, options));
}

export interface PngOptions extends DotOptions {
  /** Pixels per SVG point. Default 2 (sharp on high-density screens). */
  scale?: number;
}

/**
 * The diagram as PNG bytes, rasterized by resvg (a Rust SVG renderer shipped as a prebuilt binary inside
 * its npm package) with the system's fonts. Loaded on first use, so `toDot` and `renderSvg` work without
 * it. Node only (png.ts); in a browser it throws a ValueError at once (png-portable.ts).
 */
export async function renderPng(output: Tensor, options: PngOptions = {}): Promise<Uint8Array> {
  checkPng('renderPng');
  return svgToPng(await renderSvg(output, options), options.scale);
}

/** Rasterizes an SVG document (for example one from `renderSvg`) to PNG bytes on a white background. Node only. */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  checkPng('svgToPng');
  return rasterize(svg, scale);
}
