import { formatCount, formatRatio } from '../src/bench.js';
import { configLabel } from '../src/net.js';
import type { Report } from '../src/report.js';
import type { BrowserCase } from './types.js';

const samplesPerSecond = (row: BrowserCase): number => row.config.N / row.median;

function engineName(row: BrowserCase): string {
  if (row.engine !== 'tensorgrad') return `${row.engine.replace('-', ' ')} (f32)`;
  const threads = row.kernel === 'wasm' ? (row.secondThread === true ? ', 2 threads' : ', second thread not started') : '';
  return `tensorgrad (${row.kernel}${threads})`;
}

/** The browser suite's table: every engine in the page, with ratios to tfjs's backends in the same page. */
export function browserSection(report: Report): string {
  const b = report.browser;
  if (b === undefined) return '';
  const lines = [
    '## Training step in Chromium: the same page, the same run (samples/s, higher is better)',
    '',
    `${b.browser}, page cross-origin isolated: ${b.isolated ? 'yes' : 'no'}; ${b.tfjs}. The step of the Node suite (src/net.ts's default loop; tfjs's step from src/tfjs-step.ts) from the same minibatch and weights, timed in the page: samples/s = N / median seconds per step over ${b.rounds === 1 ? 'one round' : `${b.rounds} rounds (the second in reverse order), the better round kept`}. Unlike the Node suite, tfjs and tensorgrad share one JavaScript heap here.`,
    '',
    '| (N, D, H, C) | engine | samples/s | steps | first-step loss | × tfjs cpu | × tfjs wasm |',
    '|:--|:--|--:|--:|--:|--:|--:|',
  ];
  for (const row of b.results) {
    const peer = (engine: BrowserCase['engine']): BrowserCase | undefined => b.results.find((r) => r.engine === engine && configLabel(r.config) === configLabel(row.config));
    const ratio = (engine: BrowserCase['engine']): string => {
      const p = peer(engine);
      return p === undefined || row.engine !== 'tensorgrad' ? '' : formatRatio(samplesPerSecond(row) / samplesPerSecond(p));
    };
    lines.push(`| ${configLabel(row.config)} | ${engineName(row)} | ${formatCount(samplesPerSecond(row))} | ${row.samples} | ${row.firstLoss.toFixed(5)} | ${ratio('tfjs-cpu')} | ${ratio('tfjs-wasm')} |`);
  }
  return lines.join('\n');
}
