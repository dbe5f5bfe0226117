/**
 * The adaptive choice between one thread and two, per shape, from measured times.
 *
 * When other processes keep the second core busy, the worker gets preempted in the middle of a chunk
 * and this thread idles until it is scheduled again: two threads then lose to one.
 * So the default kernel times every large product, on one thread and on two, per shape (sizes and
 * strides), and keeps the last RING times of each. The first three calls of a shape run on two threads,
 * one, two; after that each call takes the mode with the lower median (the best time while a mode has
 * fewer than RING; the median drops an outlier such as a call that met a burst of load), and now and
 * then the other one, to notice when the load changes (see chooseTwo). Real times of both modes, rather
 * than an estimate of one thread from a threaded call: with a third process on two cores this thread's
 * own pace is slowed as well, and an estimate from it would flatter the threads.
 */
const RING = 3;
const PROBE_ONE_WINS = 16;
const PROBE_TWO_WINS = 64;
const MAX_SHAPES = 64;

export interface ShapeRecord {
  one: number[];
  two: number[];
  calls: number;
  /** The mode of the latest call. */
  lastTwo: boolean;
}

export interface Chooser {
  shapes: Map<string, ShapeRecord>;
  /** The last decision (for wasmKernelInfo). */
  lastTwo: boolean;
}

/** The choosers of the adaptive kernels; the first is the default kernel's (wasmKernelInfo reports it). */
export const adaptiveKernels: Chooser[] = [];

/** @internal Exported for tests. */
export function recordFor(chooser: Chooser, key: string): ShapeRecord {
  let r = chooser.shapes.get(key);
  if (r === undefined) {
    if (chooser.shapes.size >= MAX_SHAPES) chooser.shapes.clear();
    r = { one: [], two: [], calls: 0, lastTwo: true };
    chooser.shapes.set(key, r);
  }
  return r;
}

/** The median of a full ring; the best time while fewer are in (what the mode can do, so far). */
function typical(xs: number[]): number {
  if (xs.length < RING) return Math.min(...xs);
  const s = [...xs].sort((x, y) => x - y);
  return s[RING >> 1]!;
}

/** @internal Exported for tests: whether the next call of this shape runs on two threads. */
export function chooseTwo(r: ShapeRecord): boolean {
  const call = r.calls++;
  // Exploration: two threads, one, two threads again; a short benchmark run should not spend many of
  // its calls on the mode that loses.
  if (call < 3) return call !== 1;
  const one = typical(r.one);
  const two = typical(r.two);
  const twoWins = two < one;
  // Probe the losing mode now and then (rarely while two threads win: a probe of one thread costs half a
  // product), at once when the winner's latest time is worse than the loser's median, and again while
  // the loser's latest time beats the winner's median (two such times in a row flip the choice: a load
  // burst that is over costs few calls).
  const winner = twoWins ? r.two : r.one;
  const loser = twoWins ? r.one : r.two;
  // While a shape is new, one thread winning may be a burst of load during the first calls: probe two
  // threads every 4th call, so that a short run (a benchmark's few calls) is not stuck on one thread.
  const every = twoWins ? PROBE_TWO_WINS : call < 32 ? 4 : PROBE_ONE_WINS;
  const lastWasWinner = r.lastTwo === twoWins;
  const probe =
    call % every === every - 1 ||
    (lastWasWinner ? winner[winner.length - 1]! > Math.max(one, two) : loser[loser.length - 1]! < Math.min(one, two));
  return probe ? !twoWins : twoWins;
}

/** @internal Exported for tests. */
export function noteTime(r: ShapeRecord, two: boolean, ms: number): void {
  const ring = two ? r.two : r.one;
  r.lastTwo = two;
  ring.push(ms);
  if (ring.length > RING) ring.shift();
}
