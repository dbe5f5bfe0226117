import { ValueError } from '@tensorgrad/core';

/**
 * The zip archive NumPy's `.npz` is (PKWARE's APPNOTE): entries stored, not compressed, which is what
 * `numpy.savez` writes. Writing: one local header and the data per entry, then the central directory,
 * with a fixed date (1980-01-01), so the same entries always give the same bytes. Reading is strict: the
 * central directory is the index, every offset and size is checked against the bytes before it is used,
 * each entry's local header must agree with it, entries may not overlap, and each entry's CRC-32 must
 * match. Zip64 records (NumPy writes them for every entry) are read; compressed, encrypted or
 * multi-disk archives are refused. Every refusal is a ValueError naming the op and the archive.
 */

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const END64 = 0x06064b50;
const END64_LOCATOR = 0x07064b50;
const ZIP64_EXTRA = 0x0001;
/** General-purpose flag bit 11: the name is UTF-8. */
const UTF8_NAME = 0x0800;
/** Version 2.0 (stored entries, folders); 4.5 for Zip64, which the writer never needs. */
const VERSION = 20;
/** MS-DOS date of 1980-01-01 (the earliest a zip can say), time 00:00. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
/** Without Zip64, sizes and offsets are 32-bit and entries are counted in 16 bits. */
const MAX_32 = 0xffffffff;
const MAX_ENTRIES = 0xffff;

let crcTable: Uint32Array | null = null;

/** CRC-32 (the zip polynomial, reflected 0xEDB88320) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let table = crcTable;
  if (table === null) {
    table = crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The archive of `entries` (name, bytes), stored, in order. */
export function writeZip(entries: readonly (readonly [string, Uint8Array])[], op: string): Uint8Array {
  if (entries.length > MAX_ENTRIES) throw new ValueError(op, `${entries.length} entries are more than a zip archive without Zip64 holds (${MAX_ENTRIES}); save to a folder instead`);
  const encoder = new TextEncoder();
  const names = entries.map(([name]) => encoder.encode(name));
  let localBytes = 0;
  let centralBytes = 0;
  for (let i = 0; i < entries.length; i++) {
    localBytes += 30 + names[i]!.length + entries[i]![1].length;
    centralBytes += 46 + names[i]!.length;
  }
  const total = localBytes + centralBytes + 22;
  if (localBytes > MAX_32 || total > MAX_32) {
    throw new ValueError(op, `the archive would be ${total} bytes, more than a zip archive without Zip64 holds (4 GiB); save to a folder instead`);
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const offsets: number[] = [];
  const crcs: number[] = [];
  let at = 0;
  for (let i = 0; i < entries.length; i++) {
    const name = names[i]!;
    const data = entries[i]![1];
    const crc = crc32(data);
    offsets.push(at);
    crcs.push(crc);
    view.setUint32(at, LOCAL, true);
    view.setUint16(at + 4, VERSION, true);
    view.setUint16(at + 6, UTF8_NAME, true);
    view.setUint16(at + 8, 0, true); // stored
    view.setUint16(at + 10, 0, true); // time
    view.setUint16(at + 12, DOS_DATE, true);
    view.setUint32(at + 14, crc, true);
    view.setUint32(at + 18, data.length, true);
    view.setUint32(at + 22, data.length, true);
    view.setUint16(at + 26, name.length, true);
    view.setUint16(at + 28, 0, true);
    out.set(name, at + 30);
    out.set(data, at + 30 + name.length);
    at += 30 + name.length + data.length;
  }
  const centralAt = at;
  for (let i = 0; i < entries.length; i++) {
    const name = names[i]!;
    const size = entries[i]![1].length;
    view.setUint32(at, CENTRAL, true);
    view.setUint16(at + 4, VERSION, true); // made by: MS-DOS attributes, version 2.0
    view.setUint16(at + 6, VERSION, true);
    view.setUint16(at + 8, UTF8_NAME, true);
    view.setUint16(at + 10, 0, true);
    view.setUint16(at + 12, 0, true);
    view.setUint16(at + 14, DOS_DATE, true);
    view.setUint32(at + 16, crcs[i]!, true);
    view.setUint32(at + 20, size, true);
    view.setUint32(at + 24, size, true);
    view.setUint16(at + 28, name.length, true);
    // extra, comment, disk, internal and external attributes: 0
    view.setUint32(at + 42, offsets[i]!, true);
    out.set(name, at + 46);
    at += 46 + name.length;
  }
  view.setUint32(at, END, true);
  view.setUint16(at + 8, entries.length, true);
  view.setUint16(at + 10, entries.length, true);
  view.setUint32(at + 12, at - centralAt, true);
  view.setUint32(at + 16, centralAt, true);
  return out;
}

/**
 * The entries of a stored zip archive, name -> its bytes (views into `bytes`, not copies), in the
 * central directory's order. `source` names the archive in messages.
 */
export function readZip(bytes: Uint8Array, source: string, op: string): Map<string, Uint8Array> {
  const fail = (why: string): never => {
    throw new ValueError(op, `${source} ${why}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = bytes.length;
  // The end record is the last 22 bytes, unless the archive has a comment (at most 65,535 bytes after it).
  let end = -1;
  for (let at = length - 22; at >= 0 && at >= length - 22 - 0xffff; at--) {
    if (view.getUint32(at, true) === END && view.getUint16(at + 20, true) === length - at - 22) {
      end = at;
      break;
    }
  }
  if (end < 0) return fail('is not a zip archive (.npz): it has no end-of-central-directory record');
  if (view.getUint16(end + 4, true) !== 0 || view.getUint16(end + 6, true) !== 0) return fail('spans several disks, which is not read');
  let count = view.getUint16(end + 10, true);
  if (view.getUint16(end + 8, true) !== count) return fail('is not a whole archive: its entry counts disagree');
  let centralSize = view.getUint32(end + 12, true);
  let centralAt = view.getUint32(end + 16, true);
  let centralEnd = end;
  if (count === MAX_ENTRIES || centralSize === MAX_32 || centralAt === MAX_32) {
    // Zip64: the locator just before the end record gives the Zip64 end record's offset.
    if (end < 20 || view.getUint32(end - 20, true) !== END64_LOCATOR) return fail('has Zip64 fields but no Zip64 end-of-central-directory locator');
    const record = big(view, end - 12, fail);
    if (record + 56 > end - 20 || view.getUint32(record, true) !== END64) return fail('has a Zip64 locator that points at no Zip64 end-of-central-directory record');
    if (view.getUint32(record + 16, true) !== 0 || view.getUint32(record + 20, true) !== 0) return fail('spans several disks, which is not read');
    const onDisk = big(view, record + 24, fail);
    count = big(view, record + 32, fail);
    if (onDisk !== count) return fail('is not a whole archive: its entry counts disagree');
    centralSize = big(view, record + 40, fail);
    centralAt = big(view, record + 48, fail);
    centralEnd = record;
  }
  if (centralAt + centralSize > centralEnd) return fail(`is truncated or corrupt: its central directory (${centralSize} bytes at ${centralAt}) runs past the end record at ${centralEnd}`);
  // A central header is at least 46 bytes: no count larger than the directory can hold is believed.
  if (count * 46 > centralSize) return fail(`is corrupt: ${count} entries cannot fit in a central directory of ${centralSize} bytes`);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const entries = new Map<string, Uint8Array>();
  const spans: { from: number; to: number; shown: string; crc: number }[] = [];
  let at = centralAt;
  for (let i = 0; i < count; i++) {
    if (at + 46 > centralAt + centralSize || view.getUint32(at, true) !== CENTRAL) return fail(`is corrupt: central directory entry ${i} is not where the directory says`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let stored = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let local = view.getUint32(at + 42, true);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > centralAt + centralSize) return fail(`is corrupt: central directory entry ${i} runs past the directory`);
    let name: string;
    try {
      name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    } catch {
      return fail(`has an entry name that is not UTF-8 (entry ${i})`);
    }
    const shown = JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}...` : name);
    if (flags & 1) return fail(`holds the encrypted entry ${shown}, which is not read`);
    if (method !== 0) {
      return fail(`holds the entry ${shown} compressed (method ${method}${method === 8 ? ', deflate' : ''}); only stored entries are read (numpy.savez writes those, numpy.savez_compressed does not)`);
    }
    if (stored === MAX_32 || size === MAX_32 || local === MAX_32) {
      // The Zip64 extra field holds, in this order, whichever of the three are 0xFFFFFFFF here.
      let extra = at + 46 + nameLength;
      const extraEnd = extra + extraLength;
      let found = false;
      while (extra + 4 <= extraEnd) {
        const id = view.getUint16(extra, true);
        const dataLength = view.getUint16(extra + 2, true);
        if (extra + 4 + dataLength > extraEnd) break;
        if (id === ZIP64_EXTRA) {
          let field = extra + 4;
          const take = (): number => {
            if (field + 8 > extra + 4 + dataLength) return fail(`has a Zip64 extra field too short for entry ${shown}`);
            const value = big(view, field, fail);
            field += 8;
            return value;
          };
          if (size === MAX_32) size = take();
          if (stored === MAX_32) stored = take();
          if (local === MAX_32) local = take();
          found = true;
          break;
        }
        extra += 4 + dataLength;
      }
      if (!found) return fail(`has no Zip64 extra field for entry ${shown}, whose sizes need one`);
    }
    if (stored !== size) return fail(`says the stored entry ${shown} is ${stored} bytes packed and ${size} unpacked`);
    if (entries.has(name)) return fail(`holds the entry ${shown} twice`);
    // The local header must agree with the directory: same name; the data follows it.
    if (local + 30 > centralAt || view.getUint32(local, true) !== LOCAL) return fail(`is corrupt: the local header of entry ${shown} is not where the directory says`);
    const localName = view.getUint16(local + 26, true);
    const localExtra = view.getUint16(local + 28, true);
    const dataAt = local + 30 + localName + localExtra;
    if (localName !== nameLength || bytes.subarray(local + 30, local + 30 + localName).some((b, j) => b !== bytes[at + 46 + j])) {
      return fail(`is corrupt: the local header of entry ${shown} names another entry`);
    }
    if (dataAt + size > centralAt) return fail(`is truncated or corrupt: entry ${shown} (${size} bytes at ${dataAt}) runs into the central directory`);
    entries.set(name, bytes.subarray(dataAt, dataAt + size));
    spans.push({ from: local, to: dataAt + size, shown, crc });
    at = next;
  }
  // Entries may not share bytes (checked before any CRC is computed): one region listed many times
  // would be read, and decoded, many times.
  const sorted = [...spans].sort((x, y) => x.from - y.from);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.from < sorted[i - 1]!.to) return fail(`is corrupt: entries ${sorted[i - 1]!.shown} and ${sorted[i]!.shown} overlap`);
  }
  let i = 0;
  for (const data of entries.values()) {
    const { crc, shown } = spans[i++]!;
    if (crc32(data) !== crc) return fail(`is corrupt: entry ${shown} does not match its CRC-32`);
  }
  return entries;
}

/** A little-endian unsigned 64-bit field as a number; larger than 2^53 is refused. */
function big(view: DataView, at: number, fail: (why: string) => never): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return fail(`is corrupt: a Zip64 field holds ${value}`);
  return Number(value);
}
