/**
 * The tfjs peers of the training-step suite, run in a Node process of their own (started by
 * tfjs-runner.ts; never imported by the parent). Once tfjs has run training steps in a process, that
 * process is far more likely to fall into V8's state of a Mark-Compact every few steps, whose concurrent
 * marking slowed tensorgrad's two-thread step by 10–20% (diagnosis in benchmarks/README.md); so each
 * engine family gets its own process, as NumPy's python3 child already had.
 *
 * Argument: a JSON `TfjsRequest`. Builds the shared minibatch and initial weights (`makeMinibatch`),
 * times tfjs's cpu and wasm backends at each config as one benny round (JSON and chart saved under
 * results/ with a `-tfjs` suffix), and prints one `TfjsReply` as JSON on stdout. Everything else — benny's
 * progress, tfjs's messages — goes to stderr, which the parent passes through.
 */
import type { CaseTiming, Case } from './bench.js';
import { runSuite } from './bench.js';
import { configLabel, makeMinibatch, type NetConfig } from './net.js';
import { budgetFor, roundsFor } from '../training-step.js';

export interface TfjsRequest {
  configs: NetConfig[];
  quick: boolean;
  /** 1-based; an even round runs the backends in reverse order, as runSuite's rounds do. */
  round: number;
}

export type TfjsReply =
  | {
      description: string;
      results: { config: NetConfig; engine: 'tfjs-cpu' | 'tfjs-wasm'; firstLoss: number; timing: CaseTiming }[];
    }
  | { skipped: string };

// Keep stdout for the reply alone: console.log (benny, tfjs) and any direct write go to stderr.
const writeReply = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

async function main(request: TfjsRequest): Promise<TfjsReply> {
  let peer: typeof import('./tfjs-peer.js');
  try {
    peer = await import('./tfjs-peer.js');
  } catch (error) {
    return { skipped: `@tensorflow/tfjs could not be loaded (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  }
  const tfjs = await peer.initTfjs();
  const results: Extract<TfjsReply, { results: unknown }>['results'] = [];
  for (const config of request.configs) {
    const batch = makeMinibatch(config);
    const label = configLabel(config);
    const nets = tfjs.backends.map((backend) => ({ engine: `tfjs-${backend}` as const, net: peer.tfjsStep(backend, config, batch) }));
    const firstLoss = new Map(nets.map(({ engine, net }) => [engine, net.step()]));
    console.log(`\ntraining step ${label}, tfjs in its own process: first-step loss ${[...firstLoss].map(([engine, loss]) => `${engine} ${loss.toFixed(5)}`).join(', ')}`);
    const cases: Case[] = nets.map(({ engine, net }) => ({ name: engine, fn: () => net.step() }));
    const rounds = roundsFor(config, request.quick);
    const file = `training-step-${config.N}x${config.D}x${config.H}x${config.C}-tfjs${rounds > 1 ? `-round${request.round}` : ''}`;
    const title = `training step ${label}, tfjs${rounds > 1 ? ` (round ${request.round} of ${rounds})` : ''}`;
    const timings = await runSuite(file, title, request.round % 2 === 0 ? cases.reverse() : cases, budgetFor(config, request.quick));
    for (const { engine, net } of nets) {
      net.dispose();
      const timing = timings.get(engine);
      if (timing !== undefined) results.push({ config, engine, firstLoss: firstLoss.get(engine)!, timing });
    }
  }
  return { description: tfjs.description, results };
}

// A failure is a reply too (and caught here, before the wasm backend's uncaughtException hook rethrows it
// with a page of minified source).
const reply = await main(JSON.parse(process.argv[2] ?? '{}') as TfjsRequest).catch((error: unknown): TfjsReply => {
  console.error(error);
  return { skipped: `the tfjs child failed: ${error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error)}` };
});
writeReply(`${JSON.stringify(reply)}\n`);
