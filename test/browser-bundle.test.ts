// The packages in a browser bundle: vite (the bundler the playground uses) builds an entry that imports
// everything from 'tensorgrad' and '@tensorgrad/viz' for the browser, and the bundle must hold no Node
// built-in (node:fs, worker_threads, ...: vite would swap each for an empty stub with a warning) and no
// native addon (resvg). The Node-only parts are reached through the packages' '#weights-files' and '#png'
// imports, whose 'node' condition a browser build does not take. The kernel's Web Worker is bundled as a
// chunk of its own.
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { build, defaultClientConditions, type Rollup } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = '\0browser-entry';
const entryCode = `
import * as tensorgrad from 'tensorgrad';
import * as viz from '@tensorgrad/viz';
globalThis.everything = { tensorgrad, viz };
`;

async function bundle(conditions: string[], external?: (id: string) => boolean): Promise<{ chunks: Rollup.OutputChunk[]; assets: Rollup.OutputAsset[]; warnings: string[] }> {
  const warnings: string[] = [];
  const output = await build({
    root,
    configFile: false,
    logLevel: 'silent',
    resolve: { conditions },
    plugins: [{ name: 'browser-entry', resolveId: (id) => (id === 'browser-entry' ? ENTRY : null), load: (id) => (id === ENTRY ? entryCode : null) }],
    build: {
      write: false,
      minify: false,
      rollupOptions: { input: 'browser-entry', external, onwarn: (w) => void warnings.push(w.message) },
    },
    customLogger: {
      info: () => {},
      warn: (message) => void warnings.push(message),
      warnOnce: (message) => void warnings.push(message),
      error: (message) => void warnings.push(message),
      clearScreen: () => {},
      hasErrorLogged: () => false,
      hasWarned: false,
    },
  });
  const results = (Array.isArray(output) ? output : [output]) as Rollup.RollupOutput[];
  const outputs = results.flatMap((r) => r.output);
  const chunks = outputs.filter((o): o is Rollup.OutputChunk => o.type === 'chunk');
  const assets = outputs.filter((o): o is Rollup.OutputAsset => o.type === 'asset');
  return { chunks, assets, warnings };
}

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

describe('a browser bundle of the packages (vite)', () => {
  it('built from the sources: no Node built-in, no native addon, the kernel worker as a chunk', async () => {
    const { chunks, assets, warnings } = await bundle(['@tensorgrad/source', ...defaultClientConditions]);
    const modules = chunks.flatMap((c) => c.moduleIds);
    const imports = chunks.flatMap((c) => [...c.imports, ...c.dynamicImports]);
    // The packages are in it (the entry keeps every export alive)...
    expect(modules.some((id) => id.endsWith('packages/nn/src/io/weights-bytes.ts'))).toBe(true);
    expect(modules.some((id) => id.endsWith('packages/ops/src/kernels/threads.ts'))).toBe(true);
    // ...with the portable halves of the split, not the Node ones.
    expect(modules.some((id) => id.endsWith('packages/nn/src/io/weights-portable.ts'))).toBe(true);
    expect(modules.some((id) => id.endsWith('packages/viz/src/png-portable.ts'))).toBe(true);
    expect(modules.filter((id) => /packages\/nn\/src\/io\/weights\.ts$|packages\/viz\/src\/png\.ts$/.test(id))).toEqual([]);
    expect(modules.filter((id) => id.includes('__vite-browser-external') || builtins.has(id) || id.includes('@resvg'))).toEqual([]);
    expect(imports.filter((id) => builtins.has(id) || id.startsWith('node:'))).toEqual([]);
    expect(warnings.filter((w) => /externalized|node:|resvg/i.test(w))).toEqual([]);
    // The Web Worker of the kernel's second thread, bundled (vite builds it on its own, as an asset) from
    // new Worker(new URL('./web-worker.js', import.meta.url)), and the bundle points at it.
    const worker = assets.filter((a) => /web-worker[^/]*\.js$/.test(a.fileName));
    expect(worker.length).toBe(1);
    const workerCode = String(worker[0]!.source);
    expect(workerCode).toContain('Atomics.wait');
    expect(workerCode).not.toMatch(/\bfrom\s*["']node:|require\(/);
    // It instantiates no kernel of its own: the module's bytes (base64 of '\0asm') are not in it.
    expect(workerCode).not.toContain('AGFzbQ');
    expect(chunks.some((c) => c.code.includes(worker[0]!.fileName.split('/').pop()!))).toBe(true);
  });

  it('control: the Node build of the same entry takes the Node halves', async () => {
    const { chunks } = await bundle(['@tensorgrad/source', 'node'], (id) => builtins.has(id) || id.startsWith('@resvg/'));
    const modules = chunks.flatMap((c) => c.moduleIds);
    expect(modules.some((id) => id.endsWith('packages/nn/src/io/weights.ts'))).toBe(true);
    expect(modules.some((id) => id.endsWith('packages/viz/src/png.ts'))).toBe(true);
  });
});
