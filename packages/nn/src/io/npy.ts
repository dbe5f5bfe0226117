import { Tensor, ValueError, contiguousStrides, fromData, sizeOf, viewOf } from '@tensorgrad/core';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/**
 * A tensor as a NumPy `.npy` file (format version 1.0): the magic string, a little-endian header length,
 * a Python dict literal `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces
 * to a multiple of 64 bytes (so the data is aligned, as NumPy writes it), then the float64 values in
 * row-major order. `numpy.load` reads it as is.
 */
export function encodeNpy(t: Tensor): Uint8Array {
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  if (header.length > 0xffff) throw new ValueError('encodeNpy', `shape ${shape} makes a header too long for format version 1.0`);
  const dataOffset = MAGIC.length + 4 + header.length;
  const values = t.data;
  const bytes = new Uint8Array(dataOffset + values.length * 8);
  bytes.set(MAGIC, 0);
  bytes[6] = 1; // major version
  bytes[7] = 0; // minor version
  const view = new DataView(bytes.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
  for (let i = 0; i < values.length; i++) view.setFloat64(dataOffset + i * 8, values[i]!, true);
  return bytes;
}

type Reader = (view: DataView, offset: number, little: boolean) => number;

const readers: Record<string, [number, Reader]> = {
  f8: [8, (v, o, l) => v.getFloat64(o, l)],
  f4: [4, (v, o, l) => v.getFloat32(o, l)],
  i1: [1, (v, o) => v.getInt8(o)],
  u1: [1, (v, o) => v.getUint8(o)],
  b1: [1, (v, o) => v.getUint8(o)],
  i2: [2, (v, o, l) => v.getInt16(o, l)],
  u2: [2, (v, o, l) => v.getUint16(o, l)],
  i4: [4, (v, o, l) => v.getInt32(o, l)],
  u4: [4, (v, o, l) => v.getUint32(o, l)],
  // 64-bit integers become the nearest float64 (exact up to 2^53).
  i8: [8, (v, o, l) => Number(v.getBigInt64(o, l))],
  u8: [8, (v, o, l) => Number(v.getBigUint64(o, l))],
};

/**
 * Reads a `.npy` file (format versions 1, 2 and 3) into a float64 tensor. Floats, integers and booleans of
 * either byte order are converted; Fortran-ordered arrays are reordered to row-major.
 */
export function decodeNpy(bytes: Uint8Array, source = 'npy data'): Tensor {
  const op = 'decodeNpy';
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new ValueError(op, `${source} is not a .npy file (bad magic string)`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new ValueError(op, `${source} is truncated`);
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else throw new ValueError(op, `${source} has .npy format version ${major}, which is not supported (1, 2 or 3)`);
  if (headerStart + headerLength > bytes.length) throw new ValueError(op, `${source} is truncated inside its header`);
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr'\s*:\s*'([<>|=])([a-z])(\d+)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (descr === null || fortran === null || shapeMatch === null) throw new ValueError(op, `${source} has a header that could not be parsed: ${header.trim()}`);
  const kind = `${descr[2]}${descr[3]}`;
  const reader = readers[kind];
  if (reader === undefined) throw new ValueError(op, `${source} holds dtype '${descr[1]}${kind}', which cannot be read as numbers`);
  const little = descr[1] !== '>';
  const shape = shapeMatch[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new ValueError(op, `${source} has an invalid shape (${shapeMatch[1]})`);
  const size = sizeOf(shape);
  const [width, read] = reader;
  const dataStart = headerStart + headerLength;
  if (dataStart + size * width > bytes.length) {
    throw new ValueError(op, `${source} is truncated: shape (${shape.join(', ')}) needs ${size * width} bytes of data, found ${bytes.length - dataStart}`);
  }
  const values = new Float64Array(size);
  for (let i = 0; i < size; i++) values[i] = read(view, dataStart + i * width, little);
  if (fortran[1] === 'False' || shape.length < 2) return fromData(values, shape);
  // Column-major: view the values with reversed strides, then take a row-major copy.
  const strides = contiguousStrides([...shape].reverse()).reverse();
  return fromData(viewOf(fromData(values, [size]), shape, strides, 0).data, shape);
}
