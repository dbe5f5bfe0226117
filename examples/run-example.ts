// `pnpm example <name>`: one of the lecture's worked examples, traced through backward. Prints the
// transcript (upstream × local = downstream at every gate) and writes the circuit diagram to out/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainBackward, formatValue, renderSvg, svgToPng, traceBackward } from '@tensorgrad/viz';
import { examples } from './lecture/index.js';

const name = process.argv[2];
const width = Math.max(...examples.map((e) => e.name.length));

if (name === undefined || name === '--help' || name === '-h') {
  console.log('pnpm example <name>, one of the lecture\'s examples:\n');
  for (const e of examples) console.log(`  ${e.name.padEnd(width)}  ${e.title}`);
  console.log('\nEach prints its backward transcript and writes out/<name>.svg and out/<name>.png.');
  console.log('\npnpm example memory: what backward keeps alive (savedMemory) for the 2-layer net and a 100x4096 ReLU; writes out/memory.svg.');
} else if (name === 'memory') {
  const { memoryReport, twoLayerLoss } = await import('./memory.js');
  console.log(memoryReport());
  const svg = await renderSvg(twoLayerLoss().loss, { trace: null, savedMemory: true, title: 'The 2-layer net: gates shaded by the bytes backward keeps alive' });
  mkdirSync('out', { recursive: true });
  writeFileSync(join('out', 'memory.svg'), svg);
  console.log('\ndiagram: out/memory.svg');
} else {
  const example = examples.find((e) => e.name === name);
  if (example === undefined) {
    console.error(`unknown example '${name}'; the examples are: ${examples.map((e) => e.name).join(', ')}`);
    process.exitCode = 1;
  } else {
    const f = example.build();
    const trace = traceBackward(f);
    const format = { decimals: example.decimals };
    console.log(`${example.title}\n${example.about}\n`);
    console.log(`forward: ${f.name ?? 'out'} = ${formatValue(f, format)}`);
    console.log(explainBackward(trace, format));
    const svg = await renderSvg(f, { ...format, trace, title: example.title });
    mkdirSync('out', { recursive: true });
    const svgPath = join('out', `${example.name}.svg`);
    const pngPath = join('out', `${example.name}.png`);
    writeFileSync(svgPath, svg);
    writeFileSync(pngPath, await svgToPng(svg));
    console.log(`\ndiagram: ${svgPath} (and ${pngPath})`);
  }
}
