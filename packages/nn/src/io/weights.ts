import { Tensor, ValueError } from '@tensorgrad/core';
import { Module, type StateDict } from '../module.js';
import { decodeNpy, encodeNpy } from './npy.js';
import { checkOptions } from '../options.js';

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

/** A file name from a parameter name: `0.weight` stays `0.weight.npy`; odd characters become `_`. */
function fileNameFor(name: string, taken: Set<string>): string {
  const base = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'tensor';
  let file = `${base}.npy`;
  for (let i = 2; taken.has(file.toLowerCase()); i++) file = `${base}_${i}.npy`;
  taken.add(file.toLowerCase());
  return file;
}

/**
 * Writes a module's parameters (or any state dict) to `directory`: one NumPy `.npy` file per tensor and a
 * `manifest.json` naming them, with their shapes. Returns the paths written, manifest first.
 * In Python: `np.load('out/weights/0.weight.npy')`.
 */
export async function saveWeights(source: Module | StateDict, directory: string, options: { metadata?: unknown } = {}): Promise<string[]> {
  options = checkOptions('saveWeights', options, { metadata: 'any' }, '{ metadata: { epoch: 3 } }');
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const state = source instanceof Module ? source.stateDict() : source;
  const manifest: WeightsManifest = { format: 'tensorgrad-weights', version: 1, tensors: {} };
  if (options.metadata !== undefined) manifest.metadata = options.metadata;
  const taken = new Set<string>([MANIFEST_FILE]);
  const files: [string, Tensor][] = [];
  for (const [name, t] of Object.entries(state)) {
    if (!(t instanceof Tensor)) throw new ValueError('saveWeights', `key '${name}' is not a Tensor`);
    const file = fileNameFor(name, taken);
    manifest.tensors[name] = { file, shape: [...t.shape], dtype: 'float64' };
    files.push([file, t]);
  }
  await mkdir(directory, { recursive: true });
  const written = [join(directory, MANIFEST_FILE)];
  for (const [file, t] of files) {
    await writeFile(join(directory, file), encodeNpy(t));
    written.push(join(directory, file));
  }
  // The manifest last: a directory with a manifest is complete.
  await writeFile(written[0]!, `${JSON.stringify(manifest, null, 2)}\n`);
  return written;
}

/** Reads what `saveWeights` wrote into a state dict; give it to `module.loadStateDict(...)`. */
export async function loadWeights(directory: string): Promise<StateDict> {
  const op = 'loadWeights';
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const manifestPath = join(directory, MANIFEST_FILE);
  let manifest: WeightsManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as WeightsManifest;
  } catch (error) {
    throw new ValueError(op, `cannot read ${manifestPath}: ${(error as Error).message}`);
  }
  if (manifest?.format !== 'tensorgrad-weights' || typeof manifest.tensors !== 'object' || manifest.tensors === null) {
    throw new ValueError(op, `${manifestPath} is not a tensorgrad weights manifest`);
  }
  const state: StateDict = {};
  for (const [name, entry] of Object.entries(manifest.tensors)) {
    if (typeof entry?.file !== 'string' || entry.file.includes('/') || entry.file.includes('\\')) {
      throw new ValueError(op, `key '${name}' in ${manifestPath} has no valid file name`);
    }
    const path = join(directory, entry.file);
    const t = decodeNpy(await readFile(path), path);
    if (Array.isArray(entry.shape) && (entry.shape.length !== t.ndim || entry.shape.some((d, i) => d !== t.shape[i]))) {
      throw new ValueError(op, `key '${name}': ${path} holds shape [${t.shape.join(', ')}], the manifest says [${entry.shape.join(', ')}]`);
    }
    state[name] = t;
  }
  return state;
}
