// Builds the package in the current folder (each package's `build` script runs it):
//   dist/        ES modules and their .d.ts, by tsc (tsconfig.build.json)
//   dist/cjs/    the same modules as CommonJS, by esbuild (one file per source file, nothing bundled),
//                with copies of the .d.ts (a package.json {"type": "commonjs"} makes TypeScript read
//                them as CommonJS declarations, which `require` under node16/nodenext needs)
// Every entry point of the exports map then loads dist/build-check.js first: in a checkout (the package
// not under node_modules) it refuses to run a dist/ older than src/, saying what to do instead.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
// Taken before compiling: a source saved while the build runs counts as newer than the build.
const builtAt = Date.now();

fs.rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

const sources = fs.readdirSync('src', { recursive: true }).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => path.join('src', f));
const result = await build({
  entryPoints: sources,
  outdir: 'dist/cjs',
  outbase: 'src',
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // import.meta has no CommonJS equivalent; import.meta.url becomes the file's URL from __filename.
  inject: [fileURLToPath(new URL('./cjs-import-meta.js', import.meta.url))],
  define: { 'import.meta.url': 'importMetaUrl' },
  logLevel: 'silent',
});
// Any other use of import.meta esbuild would leave empty, with a warning. A warning fails the build
// rather than ship a CommonJS copy that differs from the ES modules.
if (result.warnings.length > 0) {
  const lines = result.warnings.map((w) => `${w.location ? `${w.location.file}:${w.location.line}: ` : ''}${w.text}`);
  throw new Error(`${pkg.name}: the CommonJS build warned:\n  ${lines.join('\n  ')}`);
}
for (const file of fs.readdirSync('dist', { recursive: true })) {
  if (file.endsWith('.d.ts') && !file.startsWith(`cjs${path.sep}`)) {
    fs.mkdirSync(path.dirname(path.join('dist/cjs', file)), { recursive: true });
    fs.copyFileSync(path.join('dist', file), path.join('dist/cjs', file));
  }
}
// dist/cjs/package.json is the nearest package.json of the CommonJS files, so Node and TypeScript read
// their '#' imports from it: it carries the package's imports map, each target the CommonJS file
// (a path from dist/cjs), without the source condition (which never loads dist/).
function cjsImports(entry) {
  if (typeof entry === 'string') return entry.startsWith('./dist/') ? `./${entry.slice('./dist/'.length).replace(/^cjs\//, '')}` : undefined;
  if (entry === null || typeof entry !== 'object') return entry;
  const out = {};
  for (const [key, value] of Object.entries(entry)) {
    if (key === '@tensorgrad/source') continue;
    const mapped = cjsImports(value);
    if (mapped !== undefined) out[key] = mapped;
  }
  return out;
}
const cjsPackage = { type: 'commonjs' };
if (pkg.imports) cjsPackage.imports = Object.fromEntries(Object.entries(pkg.imports).map(([key, value]) => [key, cjsImports(value)]));
fs.writeFileSync('dist/cjs/package.json', `${JSON.stringify(cjsPackage, null, 2)}\n`);

/** The check, as an ES module (dist/build-check.js) or CommonJS (dist/cjs/build-check.js). */
function buildCheck(cjs) {
  return `// Written by scripts/build-package.mjs. In a checkout of the repository (this file not under
// node_modules) a dist/ older than src/ would run stale code: refuse, and say what to do.
const builtAt = ${builtAt};
const proc = globalThis.process;
const fs = typeof proc?.getBuiltinModule === 'function' ? proc.getBuiltinModule('node:fs') : undefined;
const here = ${cjs ? "typeof __filename === 'string' ? require('node:url').pathToFileURL(__filename).href : undefined" : 'import.meta.url'};
if (fs && typeof here === 'string' && here.startsWith('file:') && !here.includes('/node_modules/')) {
  const src = new URL('${cjs ? '../../src/' : '../src/'}', here);
  let names = [];
  try {
    names = fs.readdirSync(src, { recursive: true });
  } catch {
    // no src/ beside dist/ (a bundle, a copied dist/): nothing to compare with
  }
  for (const name of names) {
    if (!name.endsWith('.ts')) continue;
    let modified = 0;
    try {
      modified = fs.statSync(new URL(name.split('\\\\').join('/'), src)).mtimeMs;
    } catch {
      continue;
    }
    if (modified > builtAt) {
      const error = new Error(
        ${JSON.stringify(pkg.name)} + ': dist/ is older than src/ (src/' + name + ' changed after the last build), so this would run stale code. ' +
          'Run \`pnpm build\`, or run the TypeScript sources with the export condition: \`tsx --conditions=@tensorgrad/source script.ts\` ' +
          '(vitest and the pnpm scripts of the repository already do).',
      );
      error.name = 'StaleBuildError';
      error.code = 'TENSORGRAD_STALE_BUILD';
      throw error;
    }
  }
}
`;
}
fs.writeFileSync('dist/build-check.js', buildCheck(false));
fs.writeFileSync('dist/cjs/build-check.js', buildCheck(true));

/** Every dist/ file the exports map points at. */
function targets(entry, found = new Set()) {
  if (typeof entry === 'string') {
    if (entry.startsWith('./dist/') && entry.endsWith('.js')) found.add(entry.slice(2));
  } else if (entry && typeof entry === 'object') {
    for (const value of Object.values(entry)) targets(value, found);
  }
  return found;
}
for (const target of targets(pkg.exports)) {
  if (!fs.existsSync(target)) throw new Error(`${pkg.name}: the exports map points at ${target}, which the build did not write`);
  const cjs = target.startsWith('dist/cjs/');
  const relative = path.relative(path.dirname(target), cjs ? 'dist/cjs/build-check.js' : 'dist/build-check.js').split(path.sep).join('/');
  const check = relative.startsWith('../') ? relative : `./${relative}`;
  const code = fs.readFileSync(target, 'utf8');
  // Prepended on the first line, so the source map's line numbers still hold. CommonJS output opens
  // with "use strict", which must stay first.
  const strict = '"use strict";';
  const patched = cjs
    ? code.startsWith(strict)
      ? `${strict}require("${check}");${code.slice(strict.length)}`
      : `require("${check}");${code}`
    : `import '${check}';${code}`;
  fs.writeFileSync(target, patched);
}
