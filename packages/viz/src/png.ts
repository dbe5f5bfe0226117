/**
 * SVG to PNG in Node: resvg, a Rust SVG renderer shipped as a prebuilt native binary inside its npm
 * package, with the system's fonts, loaded on first use (so toDot and renderSvg work without it). The
 * package's `#png` import resolves here under the `node` condition only; a browser bundle gets
 * png-portable.ts and never meets the binary.
 */

/** Nothing to check where resvg can load. */
export function checkPng(_op: string): void {}

export async function rasterize(svg: string, scale: number): Promise<Uint8Array> {
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans', monospaceFamily: 'DejaVu Sans Mono', serifFamily: 'DejaVu Serif' },
  });
  return new Uint8Array(resvg.render().asPng());
}
