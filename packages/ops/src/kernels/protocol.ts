/**
 * The control block the main thread and the kernel's worker share (Int32 slots over bytes
 * [0, CTRL_BYTES) of the module's memory), read by both worker implementations: Node's worker_thread
 * (threads.ts's WORKER_SOURCE) and the browser's Web Worker (web-worker.ts). No imports with side
 * effects: a Web Worker loads this module without instantiating a kernel of its own.
 */

export const JOB = 0; // sequence number of the open job; its negative once the job is closed to newcomers
export const NEXT = 1; // next chunk to claim (Atomics.add)
export const READY = 3; // 1 once the worker has instantiated the module
export const WORKER_CHUNKS = 24; // chunks the worker has computed (for tests)
export const COPIED = 25; // chunks whose operand storage has been copied in (the worker waits for its chunk's)
export const B_PACKED = 26; // the job's number once all of B is packed at args[15] (see runTwoThreads)
export const WORKER_PACKED_CHUNKS = 27; // chunks the worker has computed from the shared packing of B (for tests)
/**
 * One slot per chunk, from STATE: the job's tag (its sequence number, shifted) | the chunk's phase.
 * Tagging by job means a worker still busy with a chunk of an earlier job can never claim or finish a
 * chunk of the current one. The phases change by compareExchange only.
 */
export const STATE = 32;
export const MAX_CHUNKS = 32;
export const FREE = 0; // not claimed yet
export const COMPUTING = 1; // the worker computes it (into its own tile when the job allows taking over)
export const PUBLISHING = 2; // the worker copies its tile into C
export const DONE = 3;
export const TAKEN = 4; // the main thread computes it (it was free, or the worker held it too long)
/** JOB value meaning "a job is coming": wakes the worker early, to spin until the job is posted. */
export const PENDING = 0x7fffffff;
export const ARGS = 4; // JOB_ARGS job arguments (see runChunk)
export const JOB_ARGS = 16;
