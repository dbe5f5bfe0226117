import { ShapeError, Tensor, ValueError, contiguousStrides, describeValue, fromData, viewOf } from '@tensorgrad/core';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** NumPy's limit on the number of dimensions (NPY_MAXDIMS in NumPy 2). */
export const NPY_MAX_DIMS = 64;

/**
 * The longest header read, as NumPy's `max_header_size` (10,000 bytes by default): a header of 64
 * twenty-digit dimensions fits with room to spare, and no header is ever scanned further.
 */
export const NPY_MAX_HEADER = 10_000;

/** Throws unless `numpy.load` could read `t` back: at most 64 dimensions. `op` and `what` name the caller. */
export function checkNpyEncodable(t: Tensor, op: string, what = 'the tensor'): void {
  if (t.ndim > NPY_MAX_DIMS) {
    throw new ShapeError(op, `${what} has ${t.ndim} dimensions; a .npy file holds at most ${NPY_MAX_DIMS} (NumPy's limit)`);
  }
}

/**
 * A tensor as a NumPy `.npy` file (format version 1.0): the magic string, a little-endian header length,
 * a Python dict literal `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces
 * to a multiple of 64 bytes (so the data is aligned, as NumPy writes it), then the float64 values in
 * row-major order. `numpy.load` reads it as is.
 */
export function encodeNpy(t: Tensor): Uint8Array {
  if (!(t instanceof Tensor)) throw new ValueError('encodeNpy', `expected a Tensor, got ${describeValue(t)}`);
  checkNpyEncodable(t, 'encodeNpy');
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
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

type HeaderValue = string | boolean | number[];

/**
 * The header dict, parsed as the Python literal NumPy writes: `{'descr': '<f8', 'fortran_order': False,
 * 'shape': (2, 3), }`. Whitespace between tokens and the trailing commas Python allows are accepted; keys
 * and strings are quoted, booleans are `True`/`False`, and a shape is a tuple of decimal integers (an
 * optional `L`, as Python 2 wrote them). Anything else (`1e1`, `0x2`, `(,3)`, `(3)` which Python reads as
 * an int, expressions) is refused, and so is a dimension beyond 2^53 - 1, which a float64 would round.
 * One left-to-right scan: the cost is linear in the header, which is at most NPY_MAX_HEADER bytes.
 */
function parseHeader(header: string, fail: (why: string) => never): Map<string, HeaderValue> {
  let i = 0;
  const skip = (): void => {
    while (i < header.length && ' \t\r\n\f'.includes(header[i]!)) i++;
  };
  const expect = (c: string): void => {
    skip();
    if (header[i] !== c) fail(`expected '${c}' at character ${i}`);
    i++;
  };
  const peek = (): string | undefined => {
    skip();
    return header[i];
  };
  const string = (): string => {
    const quote = header[i]!;
    const end = header.indexOf(quote, i + 1);
    if (end < 0) fail(`unterminated string at character ${i}`);
    const text = header.slice(i + 1, end);
    if (/[\\\n\r]/.test(text)) fail(`unsupported string ${header.slice(i, end + 1)}`);
    i = end + 1;
    return text;
  };
  const integer = (): number => {
    const match = /^(0|[1-9][0-9]*)L?(?![0-9A-Za-z_.])/.exec(header.slice(i, i + 32));
    if (match === null) fail(`a dimension must be a decimal integer, got '${header.slice(i, i + 16).split(/[,)\s]/)[0]}'`);
    const d = Number(match[1]);
    if (!Number.isSafeInteger(d)) fail(`dimension ${match[1]} is larger than 2^53 - 1`);
    i += match[0].length;
    return d;
  };
  const tuple = (): number[] => {
    i++; // '('
    const dims: number[] = [];
    if (peek() === ')') {
      i++;
      return dims;
    }
    for (;;) {
      skip();
      dims.push(integer());
      if (dims.length > NPY_MAX_DIMS) fail(`the shape has more than ${NPY_MAX_DIMS} dimensions (NumPy's limit)`);
      const next = peek();
      if (next === ')') {
        // (3) is the int 3 in Python, not a tuple.
        if (dims.length === 1) fail(`the shape (${dims[0]}) is not a tuple (a 1-d shape is written (${dims[0]},))`);
        i++;
        return dims;
      }
      expect(',');
      if (peek() === ')') {
        i++;
        return dims;
      }
    }
  };
  const value = (): HeaderValue => {
    const c = peek();
    if (c === "'" || c === '"') return string();
    if (c === '(') return tuple();
    if (header.startsWith('True', i)) return (i += 4), true;
    if (header.startsWith('False', i)) return (i += 5), false;
    return fail(`unexpected value at character ${i}: '${header.slice(i, i + 16)}'`);
  };
  const entries = new Map<string, HeaderValue>();
  expect('{');
  while (peek() !== '}') {
    const c = peek();
    if (c !== "'" && c !== '"') fail(`expected a quoted key at character ${i}`);
    const key = string();
    if (!['descr', 'fortran_order', 'shape'].includes(key)) fail(`unexpected key '${key}'`);
    if (entries.has(key)) fail(`the key '${key}' appears twice`);
    expect(':');
    entries.set(key, value());
    if (peek() === '}') break;
    expect(',');
  }
  i++; // '}'
  skip();
  if (i !== header.length) fail(`unexpected text after the dict at character ${i}`);
  return entries;
}

/**
 * Reads a `.npy` file (format versions 1, 2 and 3) into a float64 tensor. Floats, integers and booleans of
 * either byte order are converted; Fortran-ordered arrays are reordered to row-major. The header is
 * parsed strictly as NumPy writes it (see parseHeader), with at most 64 dimensions, and the data must be
 * exactly as long as the shape says; a boolean byte other than 0 or 1 is refused. Every refusal is a
 * ValueError (ShapeError for a shape that cannot be allocated) naming `source`.
 */
export function decodeNpy(bytes: Uint8Array, source = 'npy data'): Tensor {
  const op = 'decodeNpy';
  if (!(bytes instanceof Uint8Array)) throw new ValueError(op, `expected the bytes of a .npy file as a Uint8Array, got ${describeValue(bytes)}`);
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
  if (bytes[7] !== 0) throw new ValueError(op, `${source} has .npy format version ${major}.${bytes[7]}, which is not supported (${major}.0)`);
  if (headerLength > NPY_MAX_HEADER) throw new ValueError(op, `${source} has a header of ${headerLength} bytes, more than the ${NPY_MAX_HEADER} NumPy reads by default`);
  if (headerStart + headerLength > bytes.length) throw new ValueError(op, `${source} is truncated inside its header`);
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const shown = header.trim().length > 200 ? `${header.trim().slice(0, 200)}...` : header.trim();
  const fail = (why: string): never => {
    throw new ValueError(op, `${source} has a header that is not a NumPy header (${why}): ${shown}`);
  };
  const entries = parseHeader(header, fail);
  const descr = entries.get('descr');
  const fortran = entries.get('fortran_order');
  const shape = entries.get('shape');
  if (typeof descr !== 'string') return fail(descr === undefined ? "no 'descr'" : "'descr' is not a string");
  if (typeof fortran !== 'boolean') return fail(fortran === undefined ? "no 'fortran_order'" : "'fortran_order' is not True or False");
  if (!Array.isArray(shape)) return fail(shape === undefined ? "no 'shape'" : "'shape' is not a tuple");
  const dtype = /^([<>|=])([a-z])(\d+)$/.exec(descr);
  const reader = dtype === null ? undefined : readers[`${dtype[2]}${dtype[3]}`];
  if (dtype === null || reader === undefined) throw new ValueError(op, `${source} holds dtype '${descr}', which cannot be read as numbers`);
  const little = dtype[1] !== '>';
  let size = 1;
  for (const d of shape) size *= d;
  // Zero-size arrays aside, the element count must be exact (a safe integer); NumPy refuses such shapes too.
  let nonzero = 1;
  for (const d of shape) if (d !== 0) nonzero *= d;
  if (!Number.isSafeInteger(nonzero)) throw new ValueError(op, `${source} has shape (${shape.join(', ')}), too large for any array`);
  const [width, read] = reader;
  const dataStart = headerStart + headerLength;
  const found = bytes.length - dataStart;
  if (found !== size * width) {
    throw new ValueError(op, `${source} is ${found < size * width ? 'truncated' : 'longer than its header says'}: shape (${shape.join(', ')}) of '${descr}' needs ${size * width} bytes of data, found ${found}`);
  }
  let values: Float64Array;
  try {
    values = new Float64Array(size);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ShapeError(op, `${source}: cannot allocate ${size} float64 values for shape (${shape.join(', ')})`);
  }
  for (let i = 0; i < size; i++) values[i] = read(view, dataStart + i * width, little);
  if (dtype[2] === 'b') {
    // NumPy writes a bool as one byte, 0 or 1; any other byte is not a file NumPy wrote.
    const bad = values.findIndex((v) => v !== 0 && v !== 1);
    if (bad >= 0) throw new ValueError(op, `${source} holds the byte ${values[bad]} at flat index ${bad} of a bool array (expected 0 or 1)`);
  }
  if (!fortran || shape.length < 2) return fromData(values, shape);
  // Column-major: view the values with reversed strides, then take a row-major copy.
  const strides = contiguousStrides([...shape].reverse()).reverse();
  return fromData(viewOf(fromData(values, [size]), shape, strides, 0).data, shape);
}
