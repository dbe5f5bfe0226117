import { TensorgradError, ValueError, describeValue } from '@tensorgrad/core';
import type { Module, StateDict } from '../module.js';
import { checkOptions } from '../options.js';
import { MANIFEST_FILE, MANIFEST_MAX_BYTES, decodeEntry, define, encodeCheckpoint, parseManifest, withCause } from './checkpoint.js';

/**
 * Weights in a folder on disk (Node): saveWeights and loadWeights. Elsewhere (a browser bundle) the
 * package's `#weights-files` import resolves to weights-portable.ts instead, so no bundle meets
 * `node:fs`; weights-bytes.ts reads and writes the same files packed into one archive, anywhere.
 */

type NodeError = Error & { code?: string };

const REASONS: Record<string, string> = {
  ENOENT: 'it does not exist',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENAMETOOLONG: 'the name is too long',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  ELOOP: 'it is a symbolic link, which is not followed',
  EMFILE: 'too many open files',
  EIO: 'an input/output error',
};

/**
 * A Node error (ENOENT, EACCES, ...) as a ValueError naming the op and the path, with the Node error as
 * its `cause` and its `code` copied (so `error.code === 'ENOENT'` still tells the cases apart).
 */
function fileError(op: string, action: string, path: string, error: unknown, note = ''): TensorgradError {
  if (error instanceof TensorgradError) return error;
  const code = (error as NodeError | null)?.code;
  const reason = (code !== undefined ? REASONS[code] : undefined) ?? (error as Error | null)?.message ?? String(error);
  return withCause(new ValueError(op, `cannot ${action} ${path}: ${reason}${code !== undefined ? ` (${code})` : ''}${note}`), error, code);
}

function checkDirectory(directory: unknown, op: string): asserts directory is string {
  if (typeof directory !== 'string' || directory.length === 0 || directory.includes('\0')) {
    throw new ValueError(op, `expected a folder path (a non-empty string), got ${describeValue(directory)}`);
  }
}

type Fs = typeof import('node:fs/promises');

/** Node's file-system modules, loaded on first use (so the package loads where there is no `node:fs`). */
async function nodeFs(): Promise<{ fs: Fs; path: typeof import('node:path'); constants: typeof import('node:fs').constants; randomUUID: () => string }> {
  const [fs, path, { constants }, { randomUUID }] = await Promise.all([import('node:fs/promises'), import('node:path'), import('node:fs'), import('node:crypto')]);
  return { fs, path, constants, randomUUID };
}

/**
 * Writes a module's parameters (or any state dict) to `directory`: one NumPy `.npy` file per tensor and a
 * `manifest.json` naming them, with their shapes. Returns the paths written, manifest first.
 * In Python: `np.load('out/weights/0.weight.npy')`.
 *
 * Atomic: everything is checked first (each value a Tensor of at most 64 dimensions, the metadata
 * JSON-encodable) and the values are copied at the call, so a training loop going on meanwhile cannot
 * mix steps. The files are written (and fsynced) into a new folder beside `directory`, which is then
 * renamed into place; an existing checkpoint is first renamed aside and removed only after the new one
 * is in place. On any failure the previous checkpoint is still at `directory`, intact, and the new folder
 * is removed. Two saves to one folder at once each write their own folder: the last rename wins, whole.
 * `directory` is never followed if it is a symbolic link, and an existing folder is replaced only if it
 * holds nothing but a checkpoint (`manifest.json` and `.npy` files), so no other file can be lost.
 */
export async function saveWeights(source: Module | StateDict, directory: string, options: { metadata?: unknown } = {}): Promise<string[]> {
  const op = 'saveWeights';
  options = checkOptions(op, options, { metadata: 'any' }, '{ metadata: { epoch: 3 } }');
  checkDirectory(directory, op);
  const { files, manifestText } = encodeCheckpoint(source, options.metadata, op);

  const { fs, path, constants, randomUUID } = await nodeFs();
  const target = path.resolve(directory);
  const parent = path.dirname(target);
  const base = path.basename(target);
  if (target === parent) throw new ValueError(op, `cannot replace the root folder ${target}: give a folder for the checkpoint`);
  await checkReplaceable(fs, path, target, directory, op);
  try {
    await fs.mkdir(parent, { recursive: true });
  } catch (error) {
    throw fileError(op, 'create the folder', parent, error);
  }
  // Hidden names beside the target: the target's name (shortened) and a random suffix, unique per save.
  const sibling = (kind: string): string => path.join(parent, `.${base.slice(0, 40)}.${kind}-${randomUUID()}`);
  const temporary = sibling('saving');
  try {
    await fs.mkdir(temporary);
  } catch (error) {
    throw fileError(op, 'create the folder', temporary, error);
  }
  const written = [path.join(directory, MANIFEST_FILE), ...files.map(([file]) => path.join(directory, file))];
  const aside: string[] = [];
  try {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
    for (const [file, bytes] of [...files, [MANIFEST_FILE, manifestText] as const]) {
      const filePath = path.join(temporary, file);
      let handle: import('node:fs/promises').FileHandle | undefined;
      try {
        handle = await fs.open(filePath, flags, 0o666);
        await handle.writeFile(bytes);
        await handle.sync();
      } catch (error) {
        throw fileError(op, 'write', filePath, error);
      } finally {
        await handle?.close().catch(() => undefined);
      }
    }
    await syncFolder(fs, constants, temporary);
    await moveIntoPlace(fs, path, temporary, target, directory, sibling, aside, op);
  } catch (error) {
    await fs.rm(temporary, { recursive: true, force: true }).catch(() => undefined);
    // Checkpoints moved aside are kept unless a whole one (a concurrent save's) is at the target.
    if (aside.length > 0 && (await exists(fs, target))) for (const old of aside) await fs.rm(old, { recursive: true, force: true }).catch(() => undefined);
    throw error instanceof TensorgradError ? error : fileError(op, 'save into', target, error);
  }
  // The new checkpoint is in place: the old ones can go. A failure here leaves a hidden folder behind, no more.
  for (const old of aside) await fs.rm(old, { recursive: true, force: true }).catch(() => undefined);
  await syncFolder(fs, constants, parent);
  return written;
}

/**
 * Throws unless `target` is absent, or a real folder (not a symbolic link) holding only a checkpoint:
 * `manifest.json` and `.npy` files, all regular files. Replacing anything else could lose the user's files.
 */
async function checkReplaceable(fs: Fs, path: typeof import('node:path'), target: string, shown: string, op: string): Promise<boolean> {
  let stats: import('node:fs').Stats;
  try {
    stats = await fs.lstat(target);
  } catch (error) {
    if ((error as NodeError).code === 'ENOENT') return false;
    throw fileError(op, 'inspect', shown, error);
  }
  if (stats.isSymbolicLink()) throw new ValueError(op, `${shown} is a symbolic link; saveWeights does not follow links (give the real folder)`);
  if (!stats.isDirectory()) throw new ValueError(op, `${shown} exists and is not a folder`);
  let names: string[];
  try {
    names = await fs.readdir(target);
  } catch (error) {
    if ((error as NodeError).code === 'ENOENT') return false; // moved away meanwhile (a concurrent save)
    throw fileError(op, 'list', shown, error);
  }
  for (const name of names) {
    let entry: import('node:fs').Stats;
    try {
      entry = await fs.lstat(path.join(target, name));
    } catch (error) {
      if ((error as NodeError).code === 'ENOENT') continue;
      throw fileError(op, 'inspect', path.join(shown, name), error);
    }
    if (!entry.isFile() || (name !== MANIFEST_FILE && !name.endsWith('.npy'))) {
      const what = entry.isSymbolicLink() ? 'a symbolic link' : entry.isDirectory() ? 'a folder' : entry.isFile() ? 'a file' : 'a special file';
      throw new ValueError(op, `${shown} holds ${what} '${name}' that is not part of a weights checkpoint; saving replaces the whole folder, so give a new or empty folder (or one saveWeights wrote)`);
    }
  }
  return true;
}

/**
 * Renames `temporary` to `target`. An existing `target` is first renamed aside (to a name added to
 * `aside`, removed by the caller once the new checkpoint is in place); if the new folder cannot then be
 * renamed in, the old one is renamed back. A concurrent save may put its own folder in between: then
 * that one is moved aside in turn, so whichever rename comes last leaves a whole checkpoint.
 */
async function moveIntoPlace(fs: Fs, path: typeof import('node:path'), temporary: string, target: string, shown: string, sibling: (kind: string) => string, aside: string[], op: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await fs.rename(temporary, target);
      return;
    } catch (error) {
      // ENOTEMPTY/EEXIST: a folder is there (or was, and another save has just moved it aside).
      const code = (error as NodeError).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && !(await exists(fs, target))) throw fileError(op, 'rename the new checkpoint into', target, error);
    }
    // Something is at target: re-check it (it may have changed since the first check), then move it aside.
    await checkReplaceable(fs, path, target, shown, op);
    const old = sibling('old');
    try {
      await fs.rename(target, old);
    } catch (error) {
      if ((error as NodeError).code === 'ENOENT') continue; // moved away meanwhile: try again
      throw fileError(op, 'move the previous checkpoint aside from', target, error);
    }
    aside.push(old);
    try {
      await fs.rename(temporary, target);
      return;
    } catch (error) {
      const code = (error as NodeError).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || (await exists(fs, target))) continue; // a concurrent save came in between: its checkpoint is whole
      // Put the previous checkpoint back where it was.
      try {
        await fs.rename(old, target);
        aside.pop();
      } catch {
        throw fileError(op, 'rename the new checkpoint into', target, error, `; nor could the previous checkpoint be renamed back: it is at ${old}`);
      }
      throw fileError(op, 'rename the new checkpoint into', target, error);
    }
  }
  throw new ValueError(op, `${target} kept being replaced by other saves; gave up after 100 attempts`);
}

async function exists(fs: Fs, file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** fsync a folder, so that the renames in it survive a power cut (not possible on every platform: skipped there). */
async function syncFolder(fs: Fs, constants: typeof import('node:fs').constants, folder: string): Promise<void> {
  let handle: import('node:fs/promises').FileHandle | undefined;
  try {
    handle = await fs.open(folder, constants.O_RDONLY);
    await handle.sync();
  } catch {
    // Windows cannot open a folder; some file systems refuse fsync on one.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * The bytes of a regular file, at most `limit` of them: a symbolic link (refused by O_NOFOLLOW too, so
 * a link swapped in after the check is not followed), a folder, a device (`/dev/zero`) or a FIFO is
 * refused, and the size is checked before anything is read.
 */
async function readRegularFile(fs: Fs, constants: typeof import('node:fs').constants, file: string, shown: string, limit: number, op: string): Promise<Uint8Array> {
  let stats: import('node:fs').Stats;
  try {
    stats = await fs.lstat(file);
  } catch (error) {
    throw fileError(op, 'read', shown, error);
  }
  if (stats.isSymbolicLink()) throw new ValueError(op, `${shown} is a symbolic link; loadWeights does not follow links`);
  if (!stats.isFile()) throw new ValueError(op, `${shown} is not a regular file`);
  let handle: import('node:fs/promises').FileHandle | undefined;
  try {
    // O_NONBLOCK: opening a FIFO swapped in after the check would otherwise wait for a writer.
    handle = await fs.open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
    const opened = await handle.stat();
    if (!opened.isFile()) throw new ValueError(op, `${shown} is not a regular file`);
    if (opened.size > limit) throw new ValueError(op, `${shown} is ${opened.size} bytes, more than the ${limit} it can hold`);
    const bytes = new Uint8Array(opened.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) throw new ValueError(op, `${shown} shrank while it was read`);
      filled += bytesRead;
    }
    return bytes;
  } catch (error) {
    throw fileError(op, 'read', shown, error);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Reads what `saveWeights` wrote into a state dict; give it to `module.loadStateDict(...)`.
 *
 * The manifest is checked whole before any `.npy` is read: format and version, each entry a plain file
 * name ending in `.npy` inside the folder, a shape of at most 64 non-negative integer dimensions and
 * dtype float64. Neither the folder nor any file in it may be a symbolic link, and only regular files
 * are read, each no larger than its shape allows. Each `.npy` must hold the shape the manifest gives.
 * Every refusal is a ValueError naming `loadWeights` and the path; a Node error is its `cause`.
 */
export async function loadWeights(directory: string): Promise<StateDict> {
  const op = 'loadWeights';
  checkDirectory(directory, op);
  const { fs, path, constants } = await nodeFs();
  const folder = path.resolve(directory);
  // A save running meanwhile renames a new folder in: if the folder at this path is another one after
  // the read (or is gone for the moment between a save's two renames), read again, so the files
  // returned all come from one checkpoint.
  for (let attempt = 0; ; attempt++) {
    let stats: import('node:fs').Stats;
    try {
      stats = await fs.lstat(folder);
    } catch (error) {
      if (attempt > 0 && attempt < 10 && (error as NodeError).code === 'ENOENT') {
        await new Promise((resolve) => setTimeout(resolve, attempt));
        continue;
      }
      throw fileError(op, 'read', path.join(directory, MANIFEST_FILE), error);
    }
    if (stats.isSymbolicLink()) throw new ValueError(op, `${directory} is a symbolic link; loadWeights does not follow links (give the real folder)`);
    if (!stats.isDirectory()) throw new ValueError(op, `cannot read ${directory}: it is not a folder`);
    let state: StateDict | undefined;
    let failure: unknown;
    try {
      state = await readCheckpoint(fs, path, constants, directory, folder, op);
    } catch (error) {
      failure = error;
    }
    if (attempt < 10 && !(await sameFolder(fs, folder, stats))) continue;
    if (state === undefined) throw failure;
    return state;
  }
}

/** Whether `folder` is still the folder `before` described (same device and inode). */
async function sameFolder(fs: Fs, folder: string, before: import('node:fs').Stats): Promise<boolean> {
  try {
    const now = await fs.lstat(folder);
    return now.ino === before.ino && now.dev === before.dev && now.isDirectory() && !now.isSymbolicLink();
  } catch {
    return false;
  }
}

/** One read of the manifest and the files it names (see loadWeights). */
async function readCheckpoint(fs: Fs, path: typeof import('node:path'), constants: typeof import('node:fs').constants, directory: string, folder: string, op: string): Promise<StateDict> {
  const manifestPath = path.join(directory, MANIFEST_FILE);
  const manifestBytes = await readRegularFile(fs, constants, path.join(folder, MANIFEST_FILE), manifestPath, MANIFEST_MAX_BYTES, op);
  const checked = parseManifest(manifestBytes, manifestPath, op);
  const state: StateDict = {};
  for (const [name, file, shape, limit] of checked) {
    const filePath = path.join(directory, file);
    const bytes = await readRegularFile(fs, constants, path.join(folder, file), filePath, limit, op);
    const t = decodeEntry(name, bytes, filePath, shape, op);
    define(state, name, t);
  }
  return state;
}
