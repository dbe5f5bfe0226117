import { PNG } from 'pngjs';

export interface PixelCensus {
  width: number;
  height: number;
  /** Distinct RGB colours. */
  colours: number;
  /** Share of pixels that differ from the most common colour (the background). */
  foreground: number;
}

/** What a PNG screenshot holds: a blank or single-colour page has one colour and no foreground. */
export function census(png: Uint8Array): PixelCensus {
  const image = PNG.sync.read(Buffer.from(png));
  const counts = new Map<number, number>();
  const { data, width, height } = image;
  for (let i = 0; i < width * height; i++) {
    const rgb = (data[4 * i]! << 16) | (data[4 * i + 1]! << 8) | data[4 * i + 2]!;
    counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
  }
  const background = Math.max(...counts.values());
  return { width, height, colours: counts.size, foreground: 1 - background / (width * height) };
}

/** How many pixels of the PNG have exactly this colour (r, g, b). */
export function countColour(png: Uint8Array, [r, g, b]: readonly [number, number, number]): number {
  const { data, width, height } = PNG.sync.read(Buffer.from(png));
  let n = 0;
  for (let i = 0; i < width * height; i++) if (data[4 * i] === r && data[4 * i + 1] === g && data[4 * i + 2] === b) n++;
  return n;
}
