import { Tensor, TensorgradError, ValueError, describeValue } from '@tensorgrad/core';
import { Module, type StateDict } from '../module.js';
import { NPY_MAX_DIMS, NPY_MAX_HEADER, checkNpyEncodable, decodeNpy, encodeNpy } from './npy.js';

/**
 * The weights format, apart from where the files go: the manifest, the file names, the `.npy` bytes of
 * each tensor, and the strict reading of a manifest and of the files it names. The folder (weights.ts,
 * Node) and the archive in bytes (weights-bytes.ts, anywhere) hold the same files.
 */

/** The JSON file written beside the `.npy` files. */
export interface WeightsManifest {
  format: 'tensorgrad-weights';
  version: 1;
  /** Parameter name -> its file (relative to the manifest), shape and dtype, in the module's order. */
  tensors: Record<string, { file: string; shape: number[]; dtype: 'float64' }>;
  /** Whatever the caller passed as `metadata` (hyper-parameters, metrics...). */
  metadata?: unknown;
}

export const MANIFEST_FILE = 'manifest.json';

/** The largest manifest read (its metadata included). */
export const MANIFEST_MAX_BYTES = 64 * 1024 * 1024;

/** File names stay well under the 255 bytes most file systems allow, whatever the parameter's name. */
const MAX_FILE_BASE = 100;

/** Names Windows reserves in every folder (`nul.npy` is the null device there). */
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i;

/**
 * A file name from a parameter name: `0.weight` stays `0.weight.npy`; odd characters become `_`, a
 * leading dot `_`, and a long name is cut (the manifest keeps the full name), so any name can be saved.
 */
export function fileNameFor(name: string, taken: Set<string>): string {
  let base = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, MAX_FILE_BASE) || 'tensor';
  if (RESERVED.test(base)) base = `_${base}`;
  let file = `${base}.npy`;
  for (let i = 2; taken.has(file.toLowerCase()); i++) file = `${base}_${i}.npy`;
  taken.add(file.toLowerCase());
  return file;
}

/** Sets an own, enumerable property, so that a key such as `__proto__` is a key, not the prototype. */
export function define<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function withCause(error: TensorgradError, cause: unknown, code?: string): TensorgradError {
  Object.defineProperty(error, 'cause', { value: cause, writable: true, configurable: true });
  if (code !== undefined) Object.defineProperty(error, 'code', { value: code, writable: true, configurable: true, enumerable: true });
  return error;
}

/** The entries of the state to save, read once each, every value checked to be a Tensor a .npy can hold. */
export function stateEntries(source: unknown, op: string): [string, Tensor][] {
  const state = source instanceof Module ? source.stateDict() : source;
  if (state === null || typeof state !== 'object' || Array.isArray(state)) {
    throw new ValueError(op, `expected a Module or a state dict (an object of name -> Tensor), got ${describeValue(state)}`);
  }
  const entries: [string, Tensor][] = [];
  for (const name of Object.keys(state)) {
    const t = (state as Record<string, unknown>)[name];
    if (!(t instanceof Tensor)) throw new ValueError(op, `key '${name}' holds ${describeValue(t)}, not a Tensor`);
    checkNpyEncodable(t, op, `key '${name}'`);
    entries.push([name, t]);
  }
  return entries;
}

/** A checkpoint's files, named as in the folder: the `.npy` of each tensor, then the manifest's text. */
export interface CheckpointFiles {
  files: [string, Uint8Array][];
  manifestText: string;
}

/**
 * Everything saveWeights and saveWeightsToBytes write, checked and encoded at the call (each value a
 * Tensor of at most 64 dimensions, the metadata JSON-encodable), so a training loop going on meanwhile
 * cannot mix steps.
 */
export function encodeCheckpoint(source: unknown, metadata: unknown, op: string): CheckpointFiles {
  const entries = stateEntries(source, op);
  const tensors: WeightsManifest['tensors'] = Object.create(null);
  const taken = new Set<string>([MANIFEST_FILE]);
  const files: [string, Uint8Array][] = [];
  for (const [name, t] of entries) {
    const file = fileNameFor(name, taken);
    define(tensors, name, { file, shape: [...t.shape], dtype: 'float64' as const });
    files.push([file, encodeNpy(t)]);
  }
  const manifest: WeightsManifest = { format: 'tensorgrad-weights', version: 1, tensors };
  if (metadata !== undefined) manifest.metadata = metadata;
  let manifestText: string;
  try {
    manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  } catch (error) {
    throw withCause(new ValueError(op, `metadata cannot be written as JSON: ${(error as Error).message}`), error);
  }
  if (metadata !== undefined && JSON.stringify(metadata) === undefined) {
    throw new ValueError(op, `metadata cannot be written as JSON: got ${describeValue(metadata)}`);
  }
  return { files, manifestText };
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** One manifest entry, checked: the parameter's name, its file, its shape, and the most bytes its file can have. */
export type ManifestEntry = [name: string, file: string, shape: number[], limit: number];

/**
 * The manifest read whole and checked before any `.npy` is: format and version, each entry a plain file
 * name ending in `.npy` (no folder), a shape of at most 64 non-negative integer dimensions and dtype
 * float64. `manifestPath` names it in messages.
 */
export function parseManifest(manifestBytes: Uint8Array, manifestPath: string, op: string): ManifestEntry[] {
  let manifest: unknown;
  try {
    manifest = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(manifestBytes));
  } catch (error) {
    throw withCause(new ValueError(op, `cannot read ${manifestPath}: it is not JSON (${(error as Error).message})`), error);
  }
  if (!isRecord(manifest) || manifest.format !== 'tensorgrad-weights' || !isRecord(manifest.tensors)) {
    throw new ValueError(op, `${manifestPath} is not a tensorgrad weights manifest`);
  }
  if (manifest.version !== 1) throw new ValueError(op, `${manifestPath} has version ${JSON.stringify(manifest.version)}; this tensorgrad reads version 1`);
  // JSON.parse makes every key (`__proto__` too) an own property: Object.keys sees them all.
  const checked: ManifestEntry[] = [];
  for (const name of Object.keys(manifest.tensors)) {
    const entry = manifest.tensors[name];
    const where = `key ${JSON.stringify(name)} in ${manifestPath}`;
    if (!isRecord(entry)) throw new ValueError(op, `${where} is not an object { file, shape, dtype }`);
    const file = entry.file;
    if (typeof file !== 'string' || !/^[^/\\:\0]+\.npy$/.test(file) || file.length > 255) {
      throw new ValueError(op, `${where} has no valid file name (a .npy file in the same folder), got ${JSON.stringify(file)}`);
    }
    const shape = entry.shape;
    if (!Array.isArray(shape) || shape.length > NPY_MAX_DIMS || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new ValueError(op, `${where} has no valid shape (at most ${NPY_MAX_DIMS} non-negative integers), got ${JSON.stringify(shape)?.slice(0, 200)}`);
    }
    if (entry.dtype !== undefined && entry.dtype !== 'float64') throw new ValueError(op, `${where} has dtype ${JSON.stringify(entry.dtype)}; saveWeights writes float64`);
    let size = 1;
    for (const d of shape as number[]) size *= d;
    // A .npy of this shape is its header and at most 8 bytes a value: anything longer is not that file.
    const limit = 12 + NPY_MAX_HEADER + size * 8;
    checked.push([name, file, shape as number[], limit]);
  }
  return checked;
}

/** Decodes the `.npy` of key `name` (`filePath` names it in messages), which must hold `shape`. */
export function decodeEntry(name: string, bytes: Uint8Array, filePath: string, shape: number[], op: string): Tensor {
  let t: Tensor;
  try {
    t = decodeNpy(bytes, filePath);
  } catch (error) {
    if (!(error instanceof TensorgradError)) throw error;
    const Class = error.constructor as new (op: string, message: string) => TensorgradError;
    throw withCause(new Class(op, `key ${JSON.stringify(name)}: ${error.message}`), error);
  }
  if (shape.length !== t.ndim || shape.some((d, i) => d !== t.shape[i])) {
    throw new ValueError(op, `key ${JSON.stringify(name)}: ${filePath} holds shape [${t.shape.join(', ')}], the manifest says [${shape.join(', ')}]`);
  }
  return t;
}

/** The state dict of decoded entries, every key an own property (`__proto__` too). */
export function stateDictOf(entries: [string, Tensor][]): StateDict {
  const state: StateDict = {};
  for (const [name, t] of entries) define(state, name, t);
  return state;
}
