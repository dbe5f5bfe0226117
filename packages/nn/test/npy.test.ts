// decodeNpy on headers NumPy would not write: every refusal is a TensorgradError naming decodeNpy, and
// comes within 100 ms (a 1,500-dimension header once blocked the event loop for 22 s).
import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError, TensorgradError, ValueError, fromData, tensor } from '@tensorgrad/core';
import { decodeNpy, encodeNpy } from '@tensorgrad/nn';

/** A .npy file (version 1.0 unless given) with `header` as it is, then `data`. */
function npy(header: string, data: Uint8Array = new Uint8Array(0), major = 1): Uint8Array {
  const start = major === 1 ? 10 : 12;
  const bytes = new Uint8Array(start + header.length + data.length);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(bytes.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) bytes[start + i] = header.charCodeAt(i);
  bytes.set(data, start + header.length);
  return bytes;
}

const f8 = (...values: number[]): Uint8Array => new Uint8Array(new Float64Array(values).buffer);
const withShape = (shape: string, descr = '<f8'): string => `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }\n`;

/** The call's error, checked to be a TensorgradError naming decodeNpy, thrown within 100 ms. */
function refusal(bytes: Uint8Array): TensorgradError {
  const start = performance.now();
  let caught: unknown;
  try {
    decodeNpy(bytes, 'x.npy');
  } catch (error) {
    caught = error;
  }
  expect(performance.now() - start).toBeLessThan(100);
  expect(caught).toBeInstanceOf(TensorgradError);
  expect((caught as TensorgradError).op).toBe('decodeNpy');
  return caught as TensorgradError;
}

beforeAll(() => {
  // ndarray compiles one view class per number of dimensions, once per process (up to ~0.3 s at 64);
  // the time limits below are for a decode, so compile them all first.
  for (let n = 0; n <= 64; n++) fromData(new Float64Array(1), new Array<number>(n).fill(1));
});

describe('decodeNpy: the header, parsed as NumPy writes it', () => {
  it.each([
    ['(1e1,)', /decimal integer, got '1e1'/],
    ['(0x2,)', /decimal integer, got '0x2'/],
    ['(,,,3,,,)', /decimal integer/],
    ['(3,,)', /decimal integer/],
    ['(3)', /not a tuple/],
    ['(-1,)', /decimal integer/],
    ['(+1,)', /decimal integer/],
    ['(01,)', /decimal integer/],
    ['(1_0,)', /decimal integer/],
    ['(1.0,)', /decimal integer/],
    ['(9007199254740993,)', /larger than 2\^53 - 1/],
    ['(99999999999999999999999,)', /larger than 2\^53 - 1/],
    ['[2, 3]', /unexpected value/],
    ['2', /unexpected value/],
    ['(2, 3', /decimal integer, got '}'/],
  ])('refuses the shape %s', (shape, message) => {
    const error = refusal(npy(withShape(shape), f8(1, 2, 3, 4, 5, 6)));
    expect(error).toBeInstanceOf(ValueError);
    expect(error.message).toMatch(message);
  });

  it.each([
    ["{'descr': '<f8', 'fortran_order': False}", /no 'shape'/],
    ["{'descr': '<f8', 'shape': (1,)}", /no 'fortran_order'/],
    ["{'fortran_order': False, 'shape': (1,)}", /no 'descr'/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 1}", /unexpected key 'extra'/],
    ["{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", /appears twice/],
    ["{'descr': '<f8', 'fortran_order': 0, 'shape': (1,)}", /unexpected value/],
    ["{'descr': '<f8', 'fortran_order': 'False', 'shape': (1,)}", /not True or False/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} trailing", /after the dict/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (1,),,}", /quoted key/],
    ["{'descr': '<f\\x38', 'fortran_order': False, 'shape': (1,)}", /unsupported string/],
    ["{descr: '<f8', 'fortran_order': False, 'shape': (1,)}", /quoted key/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (1,), ", /expected a quoted key|expected '}'|quoted key/],
    ["{'descr': '<f8', 'fortran_order': Falsey, 'shape': (1,)}", /expected ','/],
    ["{'descr': '<f8', 'fortran_order': __import__('os'), 'shape': (1,)}", /unexpected value/],
  ])('refuses the header %s', (header, message) => {
    const error = refusal(npy(header, f8(1)));
    expect(error).toBeInstanceOf(ValueError);
    expect(error.message).toMatch(message);
  });

  it('refuses dtypes it cannot read as numbers, and versions and sizes it does not know', () => {
    for (const descr of ['<f2', '<c16', '|O', '<U3', '<M8', 'f8', '<f8 ']) expect(refusal(npy(withShape('(1,)', descr), f8(1))).message).toMatch(/cannot be read as numbers/);
    expect(refusal(npy(withShape('(1,)'), f8(1), 4)).message).toMatch(/version 4/);
    const minor = npy(withShape('(1,)'), f8(1));
    minor[7] = 1;
    expect(refusal(minor).message).toMatch(/version 1\.1/);
    // A header longer than NumPy's 10,000-byte max_header_size is not scanned.
    expect(refusal(npy(withShape('(1,)') + ' '.repeat(10_000), f8(1), 2)).message).toMatch(/header of 10\d{3} bytes/);
    const claimsLong = npy(withShape('(1,)'), f8(1), 2);
    new DataView(claimsLong.buffer).setUint32(8, 0xffffffff, true);
    expect(refusal(claimsLong).message).toMatch(/header of 4294967295 bytes/);
  });

  it('caps dimensions at 64, as NumPy does, and answers a 1,500-dimension header at once', () => {
    const ones = (n: number): string => `(${new Array(n).fill('1').join(', ')},)`;
    expect(refusal(npy(withShape(ones(65)), f8(7))).message).toMatch(/more than 64 dimensions/);
    expect(refusal(npy(withShape(ones(1500)), f8(7))).message).toMatch(/more than 64 dimensions/);
    const start = performance.now();
    const t = decodeNpy(npy(withShape(ones(64)), f8(7)));
    expect(performance.now() - start).toBeLessThan(100);
    expect(t.shape).toEqual(new Array(64).fill(1));
    expect(t.data).toEqual(new Float64Array([7]));
    // encodeNpy refuses what NumPy could not read back (where core lets such a tensor exist at all).
    let deep: ReturnType<typeof fromData> | undefined;
    try {
      deep = fromData(new Float64Array([1]), new Array(65).fill(1));
    } catch (error) {
      expect(error).toBeInstanceOf(ShapeError);
    }
    if (deep !== undefined) expect(() => encodeNpy(deep)).toThrow('encodeNpy: the tensor has 65 dimensions; a .npy file holds at most 64');
  });

  it('refuses data shorter or longer than the shape, and shapes beyond any array', () => {
    expect(refusal(npy(withShape('(2, 3)'), f8(1, 2, 3, 4, 5))).message).toMatch(/truncated: shape \(2, 3\) of '<f8' needs 48 bytes of data, found 40/);
    expect(refusal(npy(withShape('(2,)'), f8(1, 2, 3))).message).toMatch(/longer than its header says/);
    expect(refusal(npy(withShape('(4294967296, 4294967296)'), f8(1))).message).toMatch(/too large for any array/);
    expect(refusal(npy(withShape('(9007199254740991, 9007199254740991, 0)'))).message).toMatch(/too large for any array/);
    expect(refusal(npy(withShape('(9007199254740991,)'), f8(1))).message).toMatch(/truncated/);
  });

  it('refuses bool bytes other than 0 and 1, and reads 0 and 1', () => {
    const error = refusal(npy(withShape('(3,)', '|b1'), new Uint8Array([1, 2, 0])));
    expect(error.message).toBe("decodeNpy: x.npy holds the byte 2 at flat index 1 of a bool array (expected 0 or 1)");
    expect(decodeNpy(npy(withShape('(3,)', '|b1'), new Uint8Array([1, 0, 1]))).toArray()).toEqual([1, 0, 1]);
  });

  it('reads what NumPy and other writers produce: spacing, quotes, key order, trailing commas, Python 2 longs, zero sizes', () => {
    const data = f8(1, 2, 3, 4, 5, 6);
    for (const header of [
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }          \n",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}\n",
      '{"descr": "<f8", "fortran_order": False, "shape": (2,3)}',
      "{ 'shape' : ( 2 , 3 , ) , 'fortran_order' : False , 'descr' : '<f8' , }\n",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 3L), }\n",
    ]) {
      expect(decodeNpy(npy(header, data)).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    }
    expect(decodeNpy(npy(withShape('()'), f8(2.5))).item()).toBe(2.5);
    expect(decodeNpy(npy(withShape('(0, 3)'))).shape).toEqual([0, 3]);
    expect(decodeNpy(npy(withShape('(3, 0, 1000000000000)'))).shape).toEqual([3, 0, 1e12]);
    expect(decodeNpy(npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", data)).toArray()).toEqual([[1, 3, 5], [2, 4, 6]]);
    expect(decodeNpy(npy(withShape('(2,)'), f8(1, 2), 3)).toArray()).toEqual([1, 2]);
    // What encodeNpy writes reads back, of course.
    expect(decodeNpy(encodeNpy(tensor([[1, 2], [3, 4]]))).toArray()).toEqual([[1, 2], [3, 4]]);
  });

  it('refuses a non-Uint8Array and a non-Tensor', () => {
    expect(() => decodeNpy('abc' as never)).toThrow(ValueError);
    expect(() => encodeNpy([1, 2] as never)).toThrow(ValueError);
  });
});
