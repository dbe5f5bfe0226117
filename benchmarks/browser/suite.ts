/**
 * Suite `browser` of `pnpm bench`: the training step in Chromium. Builds page.ts with vite, serves it
 * cross-origin isolated (so tensorgrad's wasm kernel may start its second thread, a Web Worker), opens it
 * in the system's Chromium (test/browser/chromium.ts) and reads back what the page measured: tensorgrad
 * on each kernel and tfjs's cpu and wasm backends, in the same page and the same run.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPage } from '../../test/browser/build.js';
import { launchChromium } from '../../test/browser/chromium.js';
import { serveFolder } from '../../test/browser/serve.js';
import type { BenchOptions } from '../src/bench.js';
import type { Report } from '../src/report.js';
import type { BrowserBench } from './types.js';

const pageRoot = path.dirname(fileURLToPath(import.meta.url));

export async function run(options: BenchOptions, report: Report): Promise<void> {
  console.log('building the page (vite) ...');
  const built = await buildPage(pageRoot);
  const server = await serveFolder(built.dir, { isolated: true });
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    browser = await launchChromium();
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('console', (message) => console.log(`  ${message.text()}`));
    tab.on('pageerror', (error) => errors.push(error.message));
    await tab.goto(`${server.url}${options.quick ? '?quick=1' : ''}`);
    await tab.waitForFunction(
      () => {
        const bench = (globalThis as unknown as { __bench?: BrowserBench }).__bench;
        return bench !== undefined && bench.status !== 'running';
      },
      undefined,
      { timeout: 15 * 60_000, polling: 250 },
    );
    const bench = await tab.evaluate(() => (globalThis as unknown as { __bench: BrowserBench }).__bench);
    if (bench.status === 'error') throw new Error(`the page failed: ${bench.error}`);
    if (errors.length > 0) throw new Error(`the page threw: ${errors.join('; ')}`);
    report.browser = { browser: `Chromium ${browser.version()} (headless)`, ...bench };
  } finally {
    await browser?.close();
    await server.close();
    await built.remove();
  }
}
