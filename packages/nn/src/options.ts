import { ValueError } from '@tensorgrad/core';

/**
 * An options argument, checked by core's checkOptions against the keys `op` takes: undefined or null
 * mean the defaults; a non-object, an unknown key (with the closest known one suggested) or a flag that
 * is not a boolean is a ValueError naming the op.
 */
export { checkOptions, type OptionSpec } from '@tensorgrad/core';

/** A seed is an integer (Random keeps its low 32 bits); undefined draws a random one. */
export function checkSeed(op: string, seed: unknown): number | undefined {
  if (seed === undefined) return undefined;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new ValueError(op, `seed must be an integer, got ${typeof seed === 'number' ? seed : typeof seed}`);
  return seed;
}
