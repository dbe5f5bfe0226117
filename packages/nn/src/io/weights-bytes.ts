import { TensorgradError, ValueError, describeValue, type Tensor } from '@tensorgrad/core';
import type { Module, StateDict } from '../module.js';
import { checkOptions } from '../options.js';
import { MANIFEST_FILE, MANIFEST_MAX_BYTES, decodeEntry, encodeCheckpoint, parseManifest, stateDictOf, withCause } from './checkpoint.js';
import { decodeNpy } from './npy.js';
import { readZip, writeZip } from './zip.js';

/**
 * Weights as bytes, for where there is no file system (a browser: a download, an upload, IndexedDB) or
 * no wish for a folder: the files saveWeights writes (`manifest.json` and one `.npy` per tensor), packed
 * into one zip archive of stored entries. That archive is a NumPy `.npz`: `numpy.load('weights.npz')`
 * reads it (each tensor under its file's name without `.npy`; `manifest.json` as bytes), and a `.npz`
 * that `numpy.savez` wrote loads here.
 */

/**
 * A module's parameters (or any state dict) as the bytes of a `.npz` archive (see above), with the
 * manifest saveWeights writes (and `metadata` in it). Checked and copied at the call, like saveWeights.
 * In a page: `new Blob([bytes], { type: 'application/zip' })` for a download link.
 */
export function saveWeightsToBytes(source: Module | StateDict, options: { metadata?: unknown } = {}): Uint8Array {
  const op = 'saveWeightsToBytes';
  options = checkOptions(op, options, { metadata: 'any' }, '{ metadata: { epoch: 3 } }');
  const { files, manifestText } = encodeCheckpoint(source, options.metadata, op);
  return writeZip([[MANIFEST_FILE, new TextEncoder().encode(manifestText)], ...files], op);
}

/**
 * Reads what saveWeightsToBytes wrote into a state dict; give it to `module.loadStateDict(...)`. From a
 * File or Blob: `loadWeightsFromBytes(new Uint8Array(await file.arrayBuffer()), { name: file.name })`.
 *
 * As strict as loadWeights: the archive's structure is checked before anything is decoded (see zip.ts:
 * offsets, sizes, overlaps, CRC-32s), the manifest whole before any tensor, each `.npy` no larger than
 * its shape allows and holding that shape. An archive without `manifest.json` (`numpy.savez(path,
 * W=w, b=b)`) gives one tensor per `.npy` entry, named by the entry without `.npy`. Every refusal is a
 * ValueError naming `loadWeightsFromBytes` and the archive (`name`, default 'the archive').
 */
export function loadWeightsFromBytes(bytes: Uint8Array | ArrayBuffer, options: { name?: string } = {}): StateDict {
  const op = 'loadWeightsFromBytes';
  options = checkOptions(op, options, { name: 'string' }, "{ name: 'weights.npz' }");
  const source = options.name ?? 'the archive';
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  if (!(bytes instanceof Uint8Array)) {
    throw new ValueError(op, `expected the archive's bytes as a Uint8Array or an ArrayBuffer (from a File: new Uint8Array(await file.arrayBuffer())), got ${describeValue(bytes)}`);
  }
  if (bytes[0] === 0x93 && bytes[1] === 0x4e && bytes[2] === 0x55 && bytes[3] === 0x4d && bytes[4] === 0x50 && bytes[5] === 0x59) {
    throw new ValueError(op, `${source} is a single .npy file, not an archive of weights: read it with decodeNpy`);
  }
  const entries = readZip(bytes, source, op);
  const manifestBytes = entries.get(MANIFEST_FILE);
  const decoded: [string, Tensor][] = [];
  if (manifestBytes !== undefined) {
    const manifestPath = `${MANIFEST_FILE} in ${source}`;
    if (manifestBytes.length > MANIFEST_MAX_BYTES) throw new ValueError(op, `${manifestPath} is ${manifestBytes.length} bytes, more than the ${MANIFEST_MAX_BYTES} it can hold`);
    const checked = parseManifest(manifestBytes, manifestPath, op);
    for (const [name, file, , limit] of checked) {
      const data = entries.get(file);
      if (data === undefined) throw new ValueError(op, `key ${JSON.stringify(name)}: ${source} has no entry ${file}, which its manifest names`);
      if (data.length > limit) throw new ValueError(op, `key ${JSON.stringify(name)}: ${file} in ${source} is ${data.length} bytes, more than the ${limit} it can hold`);
    }
    for (const [name, file, shape] of checked) decoded.push([name, decodeEntry(name, entries.get(file)!, `${file} in ${source}`, shape, op)]);
  } else {
    for (const file of entries.keys()) {
      if (!file.endsWith('.npy') || file.length === 4) {
        throw new ValueError(op, `${source} holds the entry ${JSON.stringify(file)}, which is neither ${MANIFEST_FILE} nor a .npy file`);
      }
    }
    for (const [file, data] of entries) {
      try {
        decoded.push([file.slice(0, -4), decodeNpy(data, `${file} in ${source}`)]);
      } catch (error) {
        if (!(error instanceof TensorgradError)) throw error;
        const Class = error.constructor as new (op: string, message: string) => TensorgradError;
        throw withCause(new Class(op, `key ${JSON.stringify(file.slice(0, -4))}: ${error.message}`), error);
      }
    }
  }
  return stateDictOf(decoded);
}
