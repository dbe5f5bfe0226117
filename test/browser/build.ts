/**
 * Builds a vite page (the playground, the browser benchmark) into a fresh temporary folder with the
 * page's own vite.config.ts, for the browser tests and the browser benchmark to serve.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';

export interface BuiltPage {
  dir: string;
  remove(): Promise<void>;
}

export async function buildPage(root: string): Promise<BuiltPage> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `tensorgrad-${path.basename(root)}-`));
  await build({
    root,
    configFile: path.join(root, 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir: dir, emptyOutDir: true, chunkSizeWarningLimit: 4096 },
  });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
