import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { TfBackend } from './tfjs-step.js';

export { tfjsStep, type TfBackend } from './tfjs-step.js';

export interface TfjsInfo {
  /** The backends that initialized (cpu always; wasm unless its module failed to load). */
  backends: TfBackend[];
  description: string;
}

let initialized: Promise<TfjsInfo> | null = null;

/**
 * Registers tfjs's cpu and wasm backends once. The wasm binaries come from the installed
 * @tensorflow/tfjs-backend-wasm package (a file path, so nothing is fetched). Threads are off: the
 * multithreaded build needs workers that tfjs does not start under Node, and one thread keeps the
 * comparison with a one-thread kernel plain. Says which wasm build runs (simd or not).
 */
export function initTfjs(): Promise<TfjsInfo> {
  initialized ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.wasm'));
    setWasmPaths(wasmDir + path.sep);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    // tfjs greets Node users once (console.warn) with advice to install tfjs-node; keep the report clean.
    const warn = console.warn;
    console.warn = () => {};
    const backends: TfBackend[] = [];
    let wasmFailure = '';
    try {
      await tf.setBackend('cpu');
      await tf.ready();
      tf.tensor([0]).dispose(); // the greeting comes with the cpu backend's first write
      backends.push('cpu');
      try {
        if (await tf.setBackend('wasm')) backends.push('wasm');
        else wasmFailure = 'setBackend returned false';
      } catch (error) {
        wasmFailure = error instanceof Error ? error.message : String(error);
      }
    } finally {
      console.warn = warn;
    }
    const simd = backends.includes('wasm') && (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const wasm = backends.includes('wasm') ? `wasm ${simd ? 'simd' : 'no simd'}, 1 thread` : `wasm backend unavailable (${wasmFailure})`;
    return { backends, description: `tfjs ${tf.version.tfjs}, cpu, ${wasm}, float32` };
  })();
  return initialized;
}
