/**
 * The playground (playground/) in Chromium: built with vite, served with COOP/COEP (cross-origin
 * isolated: the kernel may start its second thread) and without (one thread), on the WebAssembly and the
 * TypeScript kernel. Trains 200 steps and checks the numbers against the same trainer run here in Node,
 * edits the circuits' inputs and reads the lecture's gradients off the page, and checks a screenshot is
 * a picture. PLAYGROUND_SCREENSHOT=<path> also writes the screenshot there (docs/playground.png).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { setGemmKernel, gemmKernel } from 'tensorgrad';
import { CLASS_FILL } from '../../playground/src/colours.js';
import { SpiralTrainer } from '../../playground/src/trainer.js';
import { buildPage, type BuiltPage } from './build.js';
import { launchChromium } from './chromium.js';
import { census, countColour } from './screenshot.js';
import { serveFolder, type Served } from './serve.js';

const playgroundRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../playground');

/** What the tests read from `window.__playground` (playground/src/main.ts). */
interface Snapshot {
  steps: number;
  loss: number;
  firstLoss: number;
  accuracy: number;
  settings: { hidden: number; lr: number; reg: number; seed: number };
  kernel: string;
  kernels: string[];
  secondThread: boolean;
  threads: string;
  isolated: boolean;
}
interface PlaygroundApi {
  pause(): void;
  resume(): void;
  readonly running: boolean;
  reset(): void;
  train(steps: number): Snapshot;
  snapshot(): Snapshot;
  speedTest(seconds?: number): Promise<Snapshot & { samplesPerSecond: number; steps: number }>;
}
/** The page's globals, inside page.evaluate callbacks (which run in the page: they can name types, not this module's values). */
type Win = { __playground: PlaygroundApi };

/** The same 200 steps in Node, on the same kernel: the page must land on these numbers. */
function nodeReference(kernel: string): { loss: number; accuracy: number } {
  const previous = gemmKernel().name;
  setGemmKernel(kernel);
  try {
    const trainer = new SpiralTrainer();
    let last = { loss: Number.NaN, accuracy: Number.NaN };
    for (let i = 0; i < 200; i++) last = trainer.step();
    return { loss: last.loss, accuracy: trainer.accuracy() };
  } finally {
    setGemmKernel(previous);
  }
}

let page: BuiltPage;
let browser: Browser;
const servers = new Map<boolean, Served>();
const pageErrors: string[] = [];

beforeAll(async () => {
  page = await buildPage(playgroundRoot);
  for (const isolated of [true, false]) servers.set(isolated, await serveFolder(page.dir, { isolated }));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const server of servers.values()) await server.close();
  await page?.remove();
});

async function open(isolated: boolean, query: string): Promise<Page> {
  const tab = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  tab.on('pageerror', (error) => pageErrors.push(error.message));
  await tab.goto(`${servers.get(isolated)!.url}?${query}`);
  await tab.waitForFunction(() => (globalThis as unknown as { __playground?: unknown }).__playground !== undefined);
  return tab;
}

/** f and the gradients as the page prints them (4 decimals), once the diagram for the current inputs is in. */
async function readCircuit(tab: Page, id: string, names: readonly string[]): Promise<Record<string, number>> {
  await tab.waitForSelector(`[data-testid=${id}][data-state=ready]`, { timeout: 30_000 });
  const out: Record<string, number> = { f: Number(await tab.textContent(`[data-testid=${id}-f]`)) };
  for (const name of names) out[name] = Number(await tab.textContent(`[data-testid=${id}-grad-${name}]`));
  return out;
}

async function edit(tab: Page, id: string, name: string, value: number): Promise<void> {
  await tab.fill(`[data-testid=${id}-input-${name}]`, String(value));
}

/** Waits until the element with this test id reads exactly `text`. */
async function shows(tab: Page, testId: string, text: string): Promise<void> {
  await tab.locator(`[data-testid=${testId}]`, { hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).waitFor({ timeout: 30_000 });
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

for (const isolated of [true, false]) {
  describe(`playground, ${isolated ? 'cross-origin isolated' : 'not isolated'}`, () => {
    for (const kernel of ['wasm', 'ts']) {
      test(`${kernel} kernel: 200 steps reach the Node run's loss and accuracy; threads as the page allows`, async () => {
        const tab = await open(isolated, `paused=1&kernel=${kernel}`);
        try {
          const before = await tab.evaluate(() => (globalThis as unknown as Win).__playground.snapshot());
          expect(before.isolated).toBe(isolated);
          expect(before.kernel).toBe(kernel);
          expect(before.kernels).toEqual(expect.arrayContaining(['ts', 'wasm']));

          // The page's buttons: reset, then one step by the step button.
          await tab.click('[data-testid=reset]');
          await tab.click('[data-testid=step-button]');
          expect(await tab.evaluate(() => (globalThis as unknown as Win).__playground.snapshot().steps)).toBe(1);
          await tab.click('[data-testid=reset]');

          const after = await tab.evaluate(() => {
            (globalThis as unknown as Win).__playground.reset();
            return (globalThis as unknown as Win).__playground.train(200);
          });
          const reference = nodeReference(kernel);
          expect(after.steps).toBe(200);
          expect(after.accuracy).toBeGreaterThanOrEqual(0.95);
          expect(after.accuracy).toBe(reference.accuracy);
          expect(after.loss).toBeLessThan(after.firstLoss / 3);
          expect(Math.abs(after.loss - reference.loss)).toBeLessThan(1e-9);
          // What the page shows is what it computed.
          expect(await tab.textContent('[data-testid=accuracy]')).toBe(`${(100 * after.accuracy).toFixed(1)}%`);
          expect(await tab.textContent('[data-testid=step]')).toBe('200');

          // The benchmark's step (200 × 3072 × 100 products) is large enough for the second thread: it
          // starts where SharedArrayBuffer exists (an isolated page) and the kernel is the threaded one.
          const speed = await tab.evaluate(() => (globalThis as unknown as Win).__playground.speedTest(0.3));
          expect(speed.samplesPerSecond).toBeGreaterThan(0);
          expect(speed.kernel).toBe(kernel);
          if (kernel === 'wasm' && isolated) {
            expect(speed.secondThread).toBe(true);
            expect(['on', 'backed off']).toContain(speed.threads);
          } else {
            expect(speed.secondThread).toBe(false);
            expect(speed.threads).toBe(kernel === 'wasm' ? 'unavailable' : 'not used by this kernel');
          }
          expect(await tab.textContent('[data-testid=threads]')).toBe(speed.threads);
          expect(await tab.textContent('[data-testid=speed-result]')).toContain('samples/s');
        } finally {
          await tab.close();
        }
      });
    }

    test('the circuits show the lecture\'s gradients, and follow edits of their inputs', async () => {
      const tab = await open(isolated, 'paused=1');
      try {
        // (x + y)·z at the lecture's (-2, 5, -4): f = -12, gradients (-4, -4, 3).
        expect(await readCircuit(tab, 'circuit', ['x', 'y', 'z'])).toEqual({ f: -12, x: -4, y: -4, z: 3 });
        await edit(tab, 'circuit', 'x', 3);
        await shows(tab, 'circuit-f', '-32.0000');
        expect(await readCircuit(tab, 'circuit', ['x', 'y', 'z'])).toEqual({ f: -32, x: -4, y: -4, z: 8 });
        await edit(tab, 'circuit', 'x', -2);
        await shows(tab, 'circuit-f', '-12.0000');
        expect(await readCircuit(tab, 'circuit', ['x', 'y', 'z'])).toEqual({ f: -12, x: -4, y: -4, z: 3 });
        // The diagram is viz's SVG of this circuit: values and gradients on the wires, two decimals.
        const svg = (await tab.innerHTML('[data-testid=circuit-diagram]')).replace(/&#45;|−/g, '-');
        expect(svg).toContain('<svg');
        for (const text of ['-12.00', '-4.00', '3.00', '5.00']) expect(svg).toContain(text);

        // The sigmoid neuron at the lecture's w = (2, -3, -3), x = (-1, -2): f = 0.73, dw = (-0.20, -0.39, 0.20), dx = (0.39, -0.59).
        const names = ['w0', 'x0', 'w1', 'x1', 'w2'];
        expect(await readCircuit(tab, 'neuron', names)).toEqual({ f: 0.7311, w0: -0.1966, x0: 0.3932, w1: -0.3932, x1: -0.5898, w2: 0.1966 });
        // x1 = 1: s = 2·(-1) + (-3)·1 - 3 = -8, and every gradient is σ'(s) times the other factor.
        await edit(tab, 'neuron', 'x1', 1);
        const s = -8;
        const local = sigmoid(s) * (1 - sigmoid(s));
        const round = (v: number): number => Number(v.toFixed(4));
        await shows(tab, 'neuron-f', sigmoid(s).toFixed(4));
        expect(await readCircuit(tab, 'neuron', names)).toEqual({
          f: round(sigmoid(s)),
          w0: round(local * -1),
          x0: round(local * 2),
          w1: round(local * 1),
          x1: round(local * -3),
          w2: round(local),
        });
      } finally {
        await tab.close();
      }
    });
  });
}

test('the sliders set hidden size, learning rate and λ; pause toggles training; the select switches the kernel', async () => {
  const tab = await open(true, '');
  try {
    await tab.waitForFunction(() => (globalThis as unknown as Win).__playground.snapshot().steps > 0, undefined, { timeout: 30_000 });
    await tab.click('[data-testid=pause]');
    expect(await tab.evaluate(() => (globalThis as unknown as Win).__playground.running)).toBe(false);
    expect(await tab.textContent('[data-testid=pause]')).toBe('resume');

    // A new hidden size rebuilds the net from the seed: the history starts again.
    await tab.locator('[data-testid=hidden]').fill('20');
    await tab.locator('[data-testid=lr]').fill('-1');
    await tab.locator('[data-testid=reg]').fill('-2');
    let state = await tab.evaluate(() => (globalThis as unknown as Win).__playground.snapshot());
    expect(state.settings).toEqual({ hidden: 20, lr: 0.1, reg: 0.01, seed: 0 });
    expect(state.steps).toBe(0);
    expect(await tab.textContent('#hidden-out')).toBe('20');
    expect(await tab.textContent('#lr-out')).toBe('0.1');
    expect(await tab.textContent('#reg-out')).toBe('0.01');

    // The page trains with those settings: the same numbers as the trainer in Node with them.
    state = await tab.evaluate(() => (globalThis as unknown as Win).__playground.train(50));
    const node = new SpiralTrainer({ hidden: 20, lr: 0.1, reg: 0.01 });
    let last = { loss: Number.NaN, accuracy: Number.NaN };
    for (let i = 0; i < 50; i++) last = node.step();
    expect(Math.abs(state.loss - last.loss)).toBeLessThan(1e-9);

    await tab.selectOption('[data-testid=kernel-select]', 'ts');
    expect(await tab.evaluate(() => (globalThis as unknown as Win).__playground.snapshot().kernel)).toBe('ts');
    expect(await tab.textContent('[data-testid=threads]')).toBe('not used by this kernel');

    await tab.click('[data-testid=pause]');
    expect(await tab.evaluate(() => (globalThis as unknown as Win).__playground.running)).toBe(true);
    await tab.waitForFunction(() => (globalThis as unknown as Win).__playground.snapshot().steps > 60, undefined, { timeout: 30_000 });
  } finally {
    await tab.close();
  }
});

test('a screenshot of the running playground is a picture: regions of all three classes, text, curves', async () => {
  const tab = await open(true, '');
  try {
    // Let it train on its own for a moment, as a visitor sees it.
    await tab.waitForFunction(() => (globalThis as unknown as Win).__playground.snapshot().steps >= 100, undefined, { timeout: 30_000 });
    await tab.waitForSelector('[data-testid=neuron][data-state=ready]', { timeout: 30_000 });
    const snapshot = await tab.evaluate(() => (globalThis as unknown as Win).__playground.snapshot());
    expect(snapshot.steps).toBeGreaterThanOrEqual(100);
    expect(await tab.textContent('[data-testid=throughput]')).toMatch(/^[\d,]+ samples\/s/);

    const whole = await tab.screenshot({ fullPage: true });
    const picture = census(whole);
    expect(picture.height).toBeGreaterThan(900);
    expect(picture.colours).toBeGreaterThan(200);
    expect(picture.foreground).toBeGreaterThan(0.2);

    const boundary = await tab.locator('[data-testid=boundary]').screenshot();
    const { width, height } = census(boundary);
    for (const colour of CLASS_FILL) expect(countColour(boundary, colour) / (width * height)).toBeGreaterThan(0.05);

    const target = process.env.PLAYGROUND_SCREENSHOT;
    if (target !== undefined && target !== '') await writeFile(target, whole);
    expect(pageErrors).toEqual([]);
  } finally {
    await tab.close();
  }
});
