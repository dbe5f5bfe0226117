// Property tests (fast-check) over random .npy headers and random manifests: every input is either
// loaded correctly (shape and values as generated) or refused with a TensorgradError, within 100 ms.
// Each case is generated with an oracle: whether it is valid and, if so, what it must load as.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TensorgradError, fromData, tensor } from '@tensorgrad/core';
import { decodeNpy, encodeNpy, loadWeights } from '@tensorgrad/nn';

const SEED = 20261214;

beforeAll(() => {
  // ndarray compiles a view class per number of dimensions once per process (up to ~0.3 s at 64): the
  // 100 ms limit is for a decode, so compile them first.
  for (let n = 0; n <= 64; n++) fromData(new Float64Array(1), new Array<number>(n).fill(1));
});

const DTYPES: Record<string, { width: number; write: (v: DataView, o: number, x: number, little: boolean) => void; value: fc.Arbitrary<number> }> = {
  f8: { width: 8, write: (v, o, x, l) => v.setFloat64(o, x, l), value: fc.double() },
  f4: { width: 4, write: (v, o, x, l) => v.setFloat32(o, x, l), value: fc.float({ noNaN: true }).map(Math.fround) },
  i1: { width: 1, write: (v, o, x) => v.setInt8(o, x), value: fc.integer({ min: -128, max: 127 }) },
  u1: { width: 1, write: (v, o, x) => v.setUint8(o, x), value: fc.integer({ min: 0, max: 255 }) },
  b1: { width: 1, write: (v, o, x) => v.setUint8(o, x), value: fc.integer({ min: 0, max: 1 }) },
  i2: { width: 2, write: (v, o, x, l) => v.setInt16(o, x, l), value: fc.integer({ min: -32768, max: 32767 }) },
  u4: { width: 4, write: (v, o, x, l) => v.setUint32(o, x, l), value: fc.integer({ min: 0, max: 2 ** 32 - 1 }) },
  i8: { width: 8, write: (v, o, x, l) => v.setBigInt64(o, BigInt(x), l), value: fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }) },
};
const BAD_DTYPES = ['<f2', '<c16', '|O', 'f8', '<x8', '<U4', '<f8 '];
const BAD_DIMS = ['1e1', '0x2', '', '-1', '01', '1.0', '9007199254740993', 'True', '(1,)', '1_0'];

const headerCase = fc
  .record({
    shape: fc.array(fc.oneof({ arbitrary: fc.constant(1), weight: 12 }, { arbitrary: fc.integer({ min: 0, max: 4 }), weight: 2 }), { maxLength: 70 }),
    kind: fc.constantFrom(...Object.keys(DTYPES)),
    order: fc.constantFrom('<', '>'),
    badDtype: fc.option(fc.constantFrom(...BAD_DTYPES), { freq: 8 }),
    fortran: fc.boolean(),
    badDim: fc.option(fc.record({ at: fc.nat(), text: fc.constantFrom(...BAD_DIMS) }), { freq: 8 }),
    quote: fc.constantFrom("'", '"'),
    space: fc.constantFrom('', ' ', '  ', '\t'),
    keyOrder: fc.constantFrom([0, 1, 2], [2, 1, 0], [1, 0, 2]),
    trailingComma: fc.boolean(),
    longs: fc.boolean(),
    extraKey: fc.oneof({ arbitrary: fc.constant(false), weight: 8 }, { arbitrary: fc.constant(true), weight: 1 }),
    version: fc.constantFrom(1, 1, 2, 3, 4),
    dataDelta: fc.oneof({ arbitrary: fc.constant(0), weight: 6 }, { arbitrary: fc.integer({ min: -9, max: 9 }), weight: 1 }),
    badBool: fc.boolean(),
    seed: fc.nat(),
  })
  .filter(({ shape }) => shape.reduce((a, b) => a * b, 1) <= 512);

type HeaderCase = typeof headerCase extends fc.Arbitrary<infer T> ? T : never;

/** The file bytes, and what it must load as (null: it must be refused). */
function build(c: HeaderCase): { bytes: Uint8Array; expected: { shape: number[]; values: number[] } | null } {
  const { width, write, value } = DTYPES[c.kind]!;
  const size = c.shape.reduce((a, b) => a * b, 1);
  const values = fc.sample(fc.array(value, { minLength: size, maxLength: size }), { seed: c.seed, numRuns: 1 })[0]!;
  let boolCorrupt = false;
  if (c.kind === 'b1' && c.badBool && size > 0) {
    values[c.seed % size] = 2 + (c.seed % 200);
    boolCorrupt = true;
  }
  const order = width === 1 ? '|' : c.order;
  const descr = c.badDtype ?? `${order}${c.kind}`;
  const dims = c.shape.map((d) => `${d}${c.longs ? 'L' : ''}`);
  const dimCorrupt = c.badDim !== null && dims.length > 0;
  if (c.badDim !== null && dims.length > 0) dims[c.badDim.at % dims.length] = c.badDim.text;
  const s = c.space;
  const q = c.quote;
  const tuple = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(`,${s || ' '}`)})`;
  const entries = [`${q}descr${q}:${s}${q}${descr}${q}`, `${q}fortran_order${q}:${s}${c.fortran ? 'True' : 'False'}`, `${q}shape${q}:${s}${tuple}`];
  const ordered = c.keyOrder.map((i) => entries[i]!);
  if (c.extraKey) ordered.push(`${q}extra${q}: 1`);
  let header = `{${ordered.join(`,${s}`)}${c.trailingComma ? ', ' : ''}}`;
  header += ' '.repeat((64 - ((header.length + 13) % 64)) % 64) + '\n';
  const start = c.version === 1 ? 10 : 12;
  const dataLength = Math.max(0, size * width + c.dataDelta);
  const bytes = new Uint8Array(start + header.length + dataLength);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, c.version, 0]);
  const view = new DataView(bytes.buffer);
  if (c.version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) bytes[start + i] = header.charCodeAt(i);
  // Row-major value i goes to its column-major position in a Fortran-ordered file.
  const shape = c.shape;
  const position = (i: number): number => {
    if (!c.fortran || shape.length < 2) return i;
    let rest = i;
    let j = 0;
    let stride = 1;
    const index = new Array<number>(shape.length);
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      index[axis] = rest % shape[axis]!;
      rest = Math.floor(rest / shape[axis]!);
    }
    for (let axis = 0; axis < shape.length; axis++) {
      j += index[axis]! * stride;
      stride *= shape[axis]!;
    }
    return j;
  };
  const little = order !== '>';
  for (let i = 0; i < size; i++) {
    const at = start + header.length + position(i) * width;
    if (at + width <= bytes.length) write(view, at, values[i]!, little);
  }
  const valid = c.badDtype === null && !dimCorrupt && shape.length <= 64 && !c.extraKey && c.dataDelta === 0 && c.version <= 3 && !boolCorrupt;
  return { bytes, expected: valid ? { shape, values } : null };
}

/** Runs `f`, checks it took under 100 ms, and returns what it returned or threw. */
function timed<T>(f: () => T): { value?: T; error?: unknown } {
  const start = performance.now();
  let out: { value?: T; error?: unknown };
  try {
    out = { value: f() };
  } catch (error) {
    out = { error };
  }
  expect(performance.now() - start).toBeLessThan(100);
  return out;
}

describe('decodeNpy: every header is loaded correctly or refused with a TensorgradError, within 100 ms', () => {
  it('generated headers, valid or with one corruption', () => {
    fc.assert(
      fc.property(headerCase, (c) => {
        const { bytes, expected } = build(c);
        const { value, error } = timed(() => decodeNpy(bytes, 'case.npy'));
        if (expected === null) {
          expect(error).toBeInstanceOf(TensorgradError);
          expect((error as TensorgradError).op).toBe('decodeNpy');
        } else {
          expect(error).toBeUndefined();
          expect(value!.shape).toEqual(expected.shape);
          expect(Array.from(value!.data)).toEqual(expected.values);
        }
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('random headers and data: loaded consistently or refused', () => {
    const alphabet = fc.constantFrom(...`{}()[]'",: \n\t0123456789LTrueFalsedescrshapefortran_order<>|f8i1b1ex-+.`.split(''));
    const junk = fc.record({
      header: fc.oneof(fc.string({ unit: alphabet, maxLength: 300 }), fc.string({ maxLength: 100 })),
      version: fc.constantFrom(1, 2, 3),
      data: fc.uint8Array({ maxLength: 64 }),
    });
    fc.assert(
      fc.property(junk, ({ header, version, data }) => {
        const start = version === 1 ? 10 : 12;
        const text = new TextEncoder().encode(header);
        const bytes = new Uint8Array(start + text.length + data.length);
        bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
        if (version === 1) new DataView(bytes.buffer).setUint16(8, text.length, true);
        else new DataView(bytes.buffer).setUint32(8, text.length, true);
        bytes.set(text, start);
        bytes.set(data, start + text.length);
        const { value, error } = timed(() => decodeNpy(bytes));
        if (error !== undefined) expect(error).toBeInstanceOf(TensorgradError);
        else expect(value!.size).toBe(value!.shape.reduce((a, b) => a * b, 1));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});

describe('loadWeights: every manifest is loaded correctly or refused with a TensorgradError, within 100 ms', () => {
  const root = mkdtempSync(join(tmpdir(), 'tensorgrad-weights-property-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let counter = 0;

  const BAD_FILES = ['../x.npy', 'manifest.json', '/etc/hostname', 'x.txt', 5, null, 'missing.npy', 'sub/x.npy', 'C:x.npy'];
  const BAD_SHAPES = [[-1], [1.5], ['2'], 'x', null, new Array(65).fill(1), [3]];
  const entry = fc.record({
    length: fc.integer({ min: 0, max: 4 }),
    badFile: fc.option(fc.constantFrom(...BAD_FILES), { freq: 10 }),
    badShape: fc.option(fc.constantFrom(...BAD_SHAPES), { freq: 10 }),
    dtype: fc.oneof({ arbitrary: fc.constantFrom('float64', undefined), weight: 10 }, { arbitrary: fc.constantFrom('float32', 7), weight: 1 }),
  });
  const manifestCase = fc.record({
    names: fc.uniqueArray(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '0.weight', ''), fc.string({ maxLength: 12 })), { maxLength: 6 }),
    entries: fc.array(entry, { minLength: 6, maxLength: 6 }),
    format: fc.oneof({ arbitrary: fc.constant('tensorgrad-weights'), weight: 10 }, { arbitrary: fc.constantFrom('x', null), weight: 1 }),
    version: fc.oneof({ arbitrary: fc.constant(1), weight: 10 }, { arbitrary: fc.constantFrom(2, '1', null), weight: 1 }),
    tensorsAsList: fc.oneof({ arbitrary: fc.constant(false), weight: 20 }, { arbitrary: fc.constant(true), weight: 1 }),
  });

  it('generated manifests, valid or with corruptions', async () => {
    await fc.assert(
      fc.asyncProperty(manifestCase, async (c) => {
        const dir = join(root, `m${counter++}`);
        mkdirSync(dir);
        const tensors: Record<string, unknown> = {};
        const expected: [string, number[]][] = [];
        let valid = c.format === 'tensorgrad-weights' && c.version === 1 && !c.tensorsAsList;
        c.names.forEach((name, i) => {
          const e = c.entries[i]!;
          const values = Array.from({ length: e.length }, (_, k) => i * 10 + k + 0.5);
          writeFileSync(join(dir, `t${i}.npy`), encodeNpy(tensor(values)));
          Object.defineProperty(tensors, name, {
            value: { file: e.badFile ?? `t${i}.npy`, shape: e.badShape ?? [e.length], ...(e.dtype === undefined ? {} : { dtype: e.dtype }) },
            enumerable: true,
          });
          const shapeOk = e.badShape === null || (Array.isArray(e.badShape) && e.badShape.length === 1 && e.badShape[0] === e.length);
          if (e.badFile !== null || !shapeOk || (e.dtype !== undefined && e.dtype !== 'float64')) valid = false;
          expected.push([name, values]);
        });
        writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ format: c.format, version: c.version, tensors: c.tensorsAsList ? [] : tensors }));
        const start = performance.now();
        const result = await loadWeights(dir).then(
          (value) => ({ value, error: undefined }),
          (error: unknown) => ({ value: undefined, error }),
        );
        expect(performance.now() - start).toBeLessThan(100);
        if (!valid) {
          expect(result.error).toBeInstanceOf(TensorgradError);
          expect((result.error as TensorgradError).op).toBe('loadWeights');
          return;
        }
        expect(result.error).toBeUndefined();
        const state = result.value!;
        expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
        expect(Object.keys(state)).toEqual(expected.map(([name]) => name));
        for (const [name, values] of expected) expect(Array.from(Object.getOwnPropertyDescriptor(state, name)!.value.data as Float64Array)).toEqual(values);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});
