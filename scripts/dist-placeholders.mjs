// A checkout that has not been built yet (a fresh clone after `pnpm install`) has no dist/, and the
// exports maps point there: a script that loads 'tensorgrad' without the '@tensorgrad/source' condition
// would get Node's bare "Cannot find module .../dist/index.js". So `pnpm install` (the root's `prepare`)
// runs this, which writes a placeholder at every missing dist/ file of each package's exports map (and
// main/module): loading it throws a NotBuiltError that says to run `pnpm build`, or to run the sources
// with tsx and the condition. `pnpm build` deletes dist/ whole, placeholders included.
//
//   node scripts/dist-placeholders.mjs [--root dir]   write the missing placeholders (pnpm install)
//   node scripts/dist-placeholders.mjs --check        in a package folder: refuse a dist/ that is
//                                                     missing or a placeholder (each package's prepack,
//                                                     so `pnpm pack` and `pnpm publish` never ship one)
//
// An ES module placeholder declares the export names of its entry: a named import of a name the module
// does not provide fails when Node links the modules, before any module runs, so without them
// `import { tensor } from 'tensorgrad'` would say "does not provide an export named 'tensor'" instead.
// The names are the ones esbuild finds when it bundles the entry's TypeScript source (what the built
// module will export; type-only exports excluded). Writing them costs one esbuild run, only when a
// dist/ file is missing; with every package built this reads five package.json files and stops.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The first line of every placeholder: how --check and check-module-systems tell one from a build. */
export const PLACEHOLDER_MARK = '// tensorgrad dist/ placeholder, written by scripts/dist-placeholders.mjs';
const SOURCE_CONDITION = '@tensorgrad/source';

/**
 * The dist/ files the package.json of a package points at (exports map, main, module), each with the
 * TypeScript source of its entry (the '@tensorgrad/source' target of the same exports entry) and
 * whether it is CommonJS (under dist/cjs/).
 */
export function distTargets(pkg) {
  const found = new Map();
  const add = (target, source) => {
    if (typeof target === 'string' && target.startsWith('./dist/') && target.endsWith('.js') && !found.has(target.slice(2))) {
      found.set(target.slice(2), { file: target.slice(2), source: typeof source === 'string' ? source.slice(2) : undefined, cjs: target.startsWith('./dist/cjs/') });
    }
  };
  const entries = typeof pkg.exports === 'object' && pkg.exports !== null && Object.keys(pkg.exports).every((k) => k.startsWith('.')) ? Object.values(pkg.exports) : [pkg.exports];
  for (const entry of entries) {
    const source = entry && typeof entry === 'object' ? entry[SOURCE_CONDITION] : undefined;
    // The targets under every condition but the source one; nested condition objects by a work list.
    const pending = [entry];
    while (pending.length > 0) {
      const value = pending.shift();
      if (typeof value === 'string') add(value, source);
      else if (Array.isArray(value)) pending.push(...value);
      else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) if (key !== SOURCE_CONDITION) pending.push(inner);
      }
    }
  }
  const rootSource = pkg.exports?.['.']?.[SOURCE_CONDITION];
  add(pkg.main, rootSource);
  add(pkg.module, rootSource);
  return [...found.values()];
}

/** Whether a file is a placeholder (its first line is the mark). */
export function isPlaceholder(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(PLACEHOLDER_MARK.length);
    const read = fs.readSync(fd, head, 0, head.length, 0);
    return head.toString('utf8', 0, read) === PLACEHOLDER_MARK;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Why the package in `dir` cannot be packed (a dist/ file missing or a placeholder), or undefined. */
export function notBuiltReason(dir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const missing = [];
  const placeholders = [];
  for (const { file } of distTargets(pkg)) {
    const full = path.join(dir, file);
    if (!fs.existsSync(full)) missing.push(file);
    else if (isPlaceholder(full)) placeholders.push(file);
  }
  if (missing.length === 0 && placeholders.length === 0) return undefined;
  const what = [missing.length > 0 ? `${missing.join(', ')} missing` : '', placeholders.length > 0 ? `${placeholders.join(', ')} only placeholders` : ''].filter(Boolean).join('; ');
  return `${pkg.name} has not been built (${what}): run \`pnpm build\` first`;
}

/** The message a placeholder throws. */
function notBuiltMessage(name, file) {
  return (
    `${name}: ${file} has not been built; this is a placeholder, which pnpm install writes where a file of dist/ is missing. ` +
    'Run `pnpm build`, or run the TypeScript sources with the export condition: `tsx --conditions=@tensorgrad/source script.ts` ' +
    '(vitest and the pnpm scripts of the repository already do).'
  );
}

/** A placeholder's text: throws NotBuiltError; an ES module one also declares `names` as its exports. */
export function placeholderText(name, file, names, cjs) {
  const lines = [
    PLACEHOLDER_MARK,
    '// (`pnpm install` in a checkout without a build). `pnpm build` replaces it.',
    `const message = ${JSON.stringify(notBuiltMessage(name, file))};`,
    // Named before the error is made: the stack's first line (what Node prints) takes the name then.
    'class NotBuiltError extends Error {}',
    "NotBuiltError.prototype.name = 'NotBuiltError';",
    "throw Object.assign(new NotBuiltError(message), { code: 'TENSORGRAD_NOT_BUILT' });",
  ];
  if (!cjs && names.length > 0) {
    // Only declared so that named imports link and this error is what the importer sees.
    const exported = names.map((n) => (/^[A-Za-z_$][\w$]*$/.test(n) ? n : JSON.stringify(n)));
    lines.push('let notBuilt;', `export { ${exported.map((n) => `notBuilt as ${n}`).join(', ')} };`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The runtime export names of each TypeScript source (absolute paths), from one esbuild bundle of
 * them all under the source condition, the workspace packages followed into their sources and every
 * other package left external (its export names are not needed: no entry re-exports one with *).
 */
export async function exportNames(root, sources) {
  const { build } = await import('esbuild');
  const workspace = (specifier) => specifier === 'tensorgrad' || specifier.startsWith('tensorgrad/') || specifier.startsWith('@tensorgrad/');
  const result = await build({
    absWorkingDir: root,
    entryPoints: sources.map((source, i) => ({ in: source, out: `entry${i}` })),
    outdir: path.join(root, 'placeholder-names'),
    bundle: true,
    write: false,
    metafile: true,
    // Modules shared by the entries printed once.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: [SOURCE_CONDITION],
    logLevel: 'silent',
    plugins: [
      {
        name: 'external-registry-packages',
        setup(b) {
          b.onResolve({ filter: /^[^./#]/ }, (args) => (workspace(args.path) ? undefined : { path: args.path, external: true }));
        },
      },
    ],
  });
  const names = new Map();
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    const match = /entry(\d+)\.js$/.exec(out);
    if (match) names.set(sources[Number(match[1])], meta.exports ?? []);
  }
  return names;
}

/**
 * Writes the placeholders the packages under root/packages lack. Returns the files written (relative
 * to root); an empty list when every package is built, without loading esbuild.
 */
export async function writePlaceholders(root) {
  const packagesDir = path.join(root, 'packages');
  const work = [];
  for (const folder of fs.readdirSync(packagesDir).sort()) {
    const dir = path.join(packagesDir, folder);
    if (!fs.existsSync(path.join(dir, 'package.json'))) continue;
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const missing = distTargets(pkg).filter((t) => !fs.existsSync(path.join(dir, t.file)));
    if (missing.length > 0) work.push({ dir, pkg, missing });
  }
  if (work.length === 0) return [];

  const sources = [...new Set(work.flatMap(({ dir, missing }) => missing.filter((t) => !t.cjs && t.source).map((t) => path.join(dir, t.source))))];
  let names = new Map();
  try {
    names = await exportNames(root, sources);
  } catch (error) {
    // A source that does not compile must not fail `pnpm install`: the placeholders still say what to
    // do to `import * as`, require and a bare import; a named import fails to link, as without them.
    console.warn(`dist-placeholders: could not read the export names (${String(error.message ?? error).split('\n')[0]}); placeholders without them`);
  }
  const written = [];
  for (const { dir, pkg, missing } of work) {
    for (const target of missing) {
      const full = path.join(dir, target.file);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      const entryNames = target.source ? (names.get(path.join(dir, target.source)) ?? []) : [];
      fs.writeFileSync(full, placeholderText(pkg.name, target.file, entryNames, target.cjs));
      written.push(path.relative(root, full));
      // The package is "type": "module": the CommonJS placeholders need their folder's own marker, as
      // the build writes (a require of a file Node reads as an ES module would fail another way).
      const cjsPackage = path.join(dir, 'dist/cjs/package.json');
      if (target.cjs && !fs.existsSync(cjsPackage)) fs.writeFileSync(cjsPackage, '{ "type": "commonjs" }\n');
    }
  }
  return written;
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--check')) {
    const reason = notBuiltReason(process.cwd());
    if (reason) {
      console.error(reason);
      process.exitCode = 1;
    }
  } else {
    const at = args.indexOf('--root');
    const root = at >= 0 ? path.resolve(args[at + 1]) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
    const written = await writePlaceholders(root);
    if (written.length > 0) {
      const folders = [...new Set(written.map((f) => f.split(path.sep).slice(0, 2).join('/')))];
      console.log(
        `dist-placeholders: ${folders.join(', ')} not built yet: placeholders in dist/ say so when loaded. ` +
          'Run `pnpm build` for dist/, or run scripts with `tsx --conditions=@tensorgrad/source`.',
      );
    }
  }
}
