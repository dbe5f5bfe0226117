import { ValueError } from '@tensorgrad/core';
import type { Module, StateDict } from '../module.js';

/**
 * saveWeights and loadWeights where there is no Node (the `default` target of the package's
 * `#weights-files` import, which a browser bundle resolves to): a folder of files needs `node:fs`, which
 * no bundle should carry. They refuse, saying what to use instead. Same signatures as weights.ts's.
 */

export async function saveWeights(_source: Module | StateDict, _directory: string, _options: { metadata?: unknown } = {}): Promise<string[]> {
  throw new ValueError('saveWeights', 'writes a folder of files, which needs Node (node:fs); here, use saveWeightsToBytes(module) and save the bytes (a download: new Blob([bytes]))');
}

export async function loadWeights(_directory: string): Promise<StateDict> {
  throw new ValueError('loadWeights', 'reads a folder of files, which needs Node (node:fs); here, use loadWeightsFromBytes(new Uint8Array(await file.arrayBuffer()))');
}
