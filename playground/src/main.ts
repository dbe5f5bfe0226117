/**
 * The playground page: wires the trainer, the circuits and the speed test to the DOM, runs training in
 * animation frames, and exposes `window.__playground` for the browser tests (test/browser/).
 */
import { TensorgradError, gemmKernel, gemmKernelNames, setGemmKernel, wasmKernelInfo } from 'tensorgrad';
import { CIRCUIT, NEURON, diagram, evaluate, transcript, type CircuitSpec } from './circuits.js';
import { EXTENT } from './colours.js';
import { drawBoundary, drawLossCurve } from './plots.js';
import { timeTrainingStep, type SpeedResult } from './speed.js';
import { SpiralTrainer } from './trainer.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);

// ---------------------------------------------------------------------------------------------------
// Kernel: which matmul kernel runs, and whether its second thread can (SharedArrayBuffer needs a
// cross-origin isolated page: COOP/COEP headers).

const KERNEL_LABELS: Record<string, string> = {
  wasm: 'WebAssembly SIMD (second thread for large products)',
  'wasm-st': 'WebAssembly SIMD, one thread',
  ts: 'TypeScript',
};

const requestedKernel = params.get('kernel');
if (requestedKernel !== null) {
  try {
    setGemmKernel(requestedKernel);
  } catch (error) {
    // An unknown ?kernel= keeps the default kernel, and the page says which names exist.
    const note = document.createElement('p');
    note.className = 'error';
    note.textContent = error instanceof Error ? error.message : String(error);
    $('kernel').closest('.kernel')!.after(note);
  }
}

function kernelInfo(): { kernel: string; kernels: string[]; secondThread: boolean; threads: string; isolated: boolean } {
  const info = wasmKernelInfo();
  const kernel = gemmKernel().name;
  return {
    kernel,
    kernels: gemmKernelNames(),
    secondThread: kernel === 'wasm' && info.secondThread,
    threads: kernel === 'wasm' ? info.threads : 'not used by this kernel',
    isolated: globalThis.crossOriginIsolated === true,
  };
}

function showKernel(): void {
  const info = kernelInfo();
  $('threads').textContent = info.threads;
  $('isolated').textContent = info.isolated ? 'yes (SharedArrayBuffer available)' : 'no (one thread)';
  const link = $<HTMLAnchorElement>('isolation-link');
  const other = new URLSearchParams(location.search);
  if (params.get('isolated') === '0') other.delete('isolated');
  else other.set('isolated', '0');
  link.href = `?${other.toString()}`;
  link.textContent = params.get('isolated') === '0' ? 'reload with COOP/COEP' : 'reload without COOP/COEP';
}

const kernelSelect = $<HTMLSelectElement>('kernel');
for (const name of gemmKernelNames()) {
  const option = document.createElement('option');
  option.value = name;
  option.textContent = `${name}: ${KERNEL_LABELS[name] ?? name}`;
  kernelSelect.append(option);
}
kernelSelect.value = gemmKernel().name;
kernelSelect.addEventListener('change', () => {
  setGemmKernel(kernelSelect.value);
  showKernel();
  dirty = true;
});

// ---------------------------------------------------------------------------------------------------
// Training.

const GRID = 100;
const FRAME_BUDGET_MS = 12;
const trainer = new SpiralTrainer();
let running = params.get('paused') !== '1';
/** Something changed while paused (a step, a reset, a new setting): the next frame redraws. */
let dirty = true;
/** (time, stepMs, steps) samples of the last second or so, for samples/s. */
let rate: { at: number; stepMs: number; steps: number }[] = [];
let samplesPerSecond = Number.NaN;

const boundary = $<HTMLCanvasElement>('boundary');
const lossCanvas = $<HTMLCanvasElement>('loss');
const hidden = $<HTMLInputElement>('hidden');
const lr = $<HTMLInputElement>('lr');
const reg = $<HTMLInputElement>('reg');

const formatRate = (v: number): string => (Number.isFinite(v) ? `${Math.round(v).toLocaleString('en-US')} samples/s` : '–');
const fromExponent = (e: number): number => Number((10 ** e).toPrecision(2));

function showSettings(): void {
  hidden.value = String(trainer.settings.hidden);
  lr.value = String(Math.log10(trainer.settings.lr));
  reg.value = String(Math.log10(trainer.settings.reg));
  $('hidden-out').textContent = String(trainer.settings.hidden);
  $('lr-out').textContent = String(trainer.settings.lr);
  $('reg-out').textContent = String(trainer.settings.reg);
}

function noteRate(): void {
  const now = performance.now();
  rate.push({ at: now, stepMs: trainer.stepMs, steps: trainer.steps });
  rate = rate.filter((r) => now - r.at <= 1000);
  const first = rate[0]!;
  const last = rate[rate.length - 1]!;
  const ms = last.stepMs - first.stepMs;
  const steps = last.steps - first.steps;
  // Time inside the steps only: drawing and idle frames do not count against the engine.
  if (steps > 0 && ms > 0) samplesPerSecond = (steps * trainer.points) / (ms / 1000);
}

function draw(): void {
  drawBoundary(boundary, trainer.predictGrid(GRID, EXTENT), GRID, trainer.data);
  drawLossCurve(lossCanvas, trainer.losses, trainer.accuracies);
  $('step').textContent = String(trainer.steps);
  const loss = trainer.losses[trainer.losses.length - 1];
  $('loss-value').textContent = loss === undefined ? '–' : loss.toFixed(4);
  $('accuracy').textContent = `${(100 * trainer.accuracy()).toFixed(1)}%`;
  $('throughput').textContent = `${formatRate(samplesPerSecond)}${samplesPerSecond > 0 ? ` (${trainer.points} points per step)` : ''}`;
  $('pause').textContent = running ? 'pause' : 'resume';
  showKernel();
}

function frame(): void {
  if (running) {
    const start = performance.now();
    try {
      do trainer.step();
      while (performance.now() - start < FRAME_BUDGET_MS);
    } catch (error) {
      running = false;
      showError(error);
    }
    noteRate();
  }
  // While paused, frames cost nothing unless something changed.
  if (running || dirty) draw();
  dirty = false;
  requestAnimationFrame(frame);
}

function showError(error: unknown): void {
  const message = error instanceof TensorgradError || error instanceof RangeError ? error.message : String(error);
  $('throughput').textContent = `stopped: ${message}`;
}

function resetRate(): void {
  rate = [];
  samplesPerSecond = Number.NaN;
  dirty = true;
}

hidden.addEventListener('input', () => {
  trainer.setHidden(Number(hidden.value));
  resetRate();
  showSettings();
});
lr.addEventListener('input', () => {
  trainer.setLearningRate(fromExponent(Number(lr.value)));
  showSettings();
  dirty = true;
});
reg.addEventListener('input', () => {
  trainer.setRegularization(fromExponent(Number(reg.value)));
  showSettings();
  dirty = true;
});
$('pause').addEventListener('click', () => {
  running = !running;
  resetRate();
});
$('step-button').addEventListener('click', () => {
  running = false;
  trainer.step();
  dirty = true;
});
$('reset').addEventListener('click', () => {
  trainer.reset();
  resetRate();
});

// ---------------------------------------------------------------------------------------------------
// The lecture's circuits.

function circuitCard(spec: CircuitSpec): { values: Record<string, number>; refresh(): Promise<void> } {
  const root = $(spec.id);
  const values: Record<string, number> = Object.fromEntries(spec.inputs.map((i) => [i.name, i.value]));
  root.innerHTML = `<h3>${spec.title}</h3>`;
  const inputs = document.createElement('div');
  inputs.className = 'inputs';
  const results = document.createElement('div');
  results.className = 'results';
  const picture = document.createElement('div');
  picture.className = 'diagram';
  picture.dataset.testid = `${spec.id}-diagram`;
  const details = document.createElement('details');
  details.innerHTML = '<summary>backward pass, gate by gate (upstream × local = downstream)</summary><pre></pre>';
  root.append(inputs, results, picture, details);
  let generation = 0;

  const refresh = async (): Promise<void> => {
    const mine = ++generation;
    root.dataset.state = 'rendering';
    const evaluated = evaluate(spec, values);
    results.innerHTML =
      `<span class="value">f = <b data-testid="${spec.id}-f">${evaluated.f.toFixed(4)}</b></span>` +
      spec.inputs.map(({ name }) => ` &nbsp; <span class="grad">∂f/∂${name} = <b data-testid="${spec.id}-grad-${name}">${evaluated.gradients[name]!.toFixed(4)}</b></span>`).join('');
    details.querySelector('pre')!.textContent = transcript(evaluated);
    const svg = await diagram(spec, evaluated);
    // An edit made while Graphviz was laying out this diagram has started a newer one: drop this one.
    if (mine !== generation) return;
    picture.innerHTML = svg;
    root.dataset.state = 'ready';
  };

  for (const { name } of spec.inputs) {
    const label = document.createElement('label');
    label.textContent = `${name} `;
    const input = document.createElement('input');
    input.type = 'number';
    input.step = '0.5';
    input.value = String(values[name]);
    input.dataset.testid = `${spec.id}-input-${name}`;
    input.addEventListener('input', () => {
      const v = input.valueAsNumber;
      if (!Number.isFinite(v)) {
        input.classList.add('error');
        return;
      }
      input.classList.remove('error');
      values[name] = v;
      void refresh().catch(showCircuitError);
    });
    label.append(input);
    inputs.append(label);
  }
  const showCircuitError = (error: unknown): void => {
    results.innerHTML = `<span class="error">${error instanceof Error ? error.message : String(error)}</span>`;
    root.dataset.state = 'error';
  };
  void refresh().catch(showCircuitError);
  return { values, refresh };
}

const circuits = { circuit: circuitCard(CIRCUIT), neuron: circuitCard(NEURON) };

// ---------------------------------------------------------------------------------------------------
// Speed test.

async function speedTest(seconds = 1): Promise<SpeedResult & ReturnType<typeof kernelInfo>> {
  const wasRunning = running;
  running = false;
  $('speed-result').textContent = 'timing…';
  // Let the page paint "timing…" before the loop holds the thread.
  await new Promise((resolve) => setTimeout(resolve, 30));
  try {
    const secondThreadUp = (): boolean => gemmKernel().name !== 'wasm' || !crossOriginIsolated || wasmKernelInfo().secondThread;
    const result = { ...(await timeTrainingStep(seconds, secondThreadUp)), ...kernelInfo() };
    $('speed-result').textContent = `${formatRate(result.samplesPerSecond)} on ${result.kernel} (second thread: ${result.threads}; ${result.steps} steps in ${result.seconds.toFixed(2)} s)`;
    return result;
  } finally {
    running = wasRunning;
    dirty = true;
  }
}
$('speed-button').addEventListener('click', () => {
  void speedTest();
});

// ---------------------------------------------------------------------------------------------------
// For the browser tests.

const api = {
  pause(): void {
    running = false;
  },
  resume(): void {
    running = true;
  },
  get running(): boolean {
    return running;
  },
  /** New weights from the seed, history cleared, training paused. */
  reset(): void {
    running = false;
    trainer.reset();
    resetRate();
  },
  /** Takes `steps` steps now; returns the state after them. */
  train(steps: number): ReturnType<typeof snapshot> {
    for (let i = 0; i < steps; i++) trainer.step();
    draw();
    return snapshot();
  },
  snapshot,
  setKernel(name: string): void {
    setGemmKernel(name);
    kernelSelect.value = name;
    showKernel();
  },
  kernelInfo,
  speedTest,
  circuits,
};

function snapshot() {
  return {
    steps: trainer.steps,
    loss: trainer.losses[trainer.losses.length - 1] ?? Number.NaN,
    firstLoss: trainer.losses[0] ?? Number.NaN,
    accuracy: trainer.accuracy(),
    settings: { ...trainer.settings },
    samplesPerSecond,
    ...kernelInfo(),
  };
}

declare global {
  interface Window {
    __playground: typeof api;
  }
}
window.__playground = api;

showSettings();
showKernel();
requestAnimationFrame(frame);
