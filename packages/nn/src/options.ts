import { ValueError } from '@tensorgrad/core';

/** An options argument: undefined or null mean the defaults; anything but a plain object is refused. */
export function checkOptions<T extends object>(op: string, options: T | null | undefined, example: string): Partial<T> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ValueError(op, `options must be an object such as ${example}, got ${Array.isArray(options) ? 'an array' : typeof options}`);
  }
  return options;
}

/** A seed is an integer (Random keeps its low 32 bits); undefined draws a random one. */
export function checkSeed(op: string, seed: unknown): number | undefined {
  if (seed === undefined) return undefined;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new ValueError(op, `seed must be an integer, got ${typeof seed === 'number' ? seed : typeof seed}`);
  return seed;
}
