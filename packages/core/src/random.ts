import { ValueError, describeValue } from './errors.js';

/**
 * A small seeded generator (xoshiro128**, seeded through splitmix32) so that `rand`, `randn`, layer
 * initialisation and shuffling give the same numbers on every run and machine. The bits come from 32-bit
 * integer arithmetic, which every JavaScript engine computes identically; `normal()` also uses Math.log,
 * sin and cos, which V8 computes with its own port of fdlibm, the same on every platform (tests pin the
 * first values so that any change shows).
 */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  /** `seed` is an integer, taken modulo 2^32. */
  constructor(seed: number = (Math.random() * 2 ** 32) >>> 0) {
    checkSeed(seed, 'Random');
    let x = seed >>> 0;
    const next = (): number => {
      // splitmix32: spreads any seed (even 0) over the four words of state.
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A uniformly chosen integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new ValueError('Random.int', `n must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** Shuffles an array in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: any }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }
}

/**
 * Checks a seed for `op` and returns it (undefined stays undefined: draw from the global generator).
 * A seed is an integer; beyond 2^53 integers are no longer exact, so two different seeds could
 * silently give the same numbers: refused too.
 */
export function checkSeed(seed: unknown, op: string): number | undefined {
  if (seed === undefined) return undefined;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new ValueError(op, `seed must be an integer, got ${describeValue(seed)}`);
  if (!Number.isSafeInteger(seed)) throw new ValueError(op, `seed must be an integer of magnitude at most 2^53 - 1 (beyond, integers are not exact), got ${seed}`);
  return seed;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

let globalRandom = new Random();

/** Seeds the generator used by random creators called without `{ seed }`. */
export function manualSeed(seed: number): void {
  checkSeed(seed, 'manualSeed');
  globalRandom = new Random(seed);
}

/**
 * The generator for a call of `op`: a fresh one when a seed is given, else the global one. The seed
 * is checked here, so a bad one is an error naming `op` (the function the user called).
 */
export function randomFor(seed: unknown, op: string): Random {
  const checked = checkSeed(seed, op);
  return checked === undefined ? globalRandom : new Random(checked);
}
