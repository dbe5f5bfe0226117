import { describe, expect, it } from 'vitest';
import type { Tensor } from '@tensorgrad/core';
import { GRADIENT_COLOR, VALUE_COLOR, explainBackward, renderSvg, toDot, traceBackward } from '@tensorgrad/viz';
import { examples } from '../examples/lecture/index.js';

function example(name: string): Tensor {
  const found = examples.find((e) => e.name === name);
  if (found === undefined) throw new Error(`no example ${name}`);
  return found.build();
}

interface Wire {
  from: string;
  to: string;
  value: string;
  gradient: string;
}

/** The wires of a diagram: source and target node labels, the green text above and the red text below. */
function wiresOf(dot: string): Wire[] {
  const labels = new Map<string, string>();
  for (const m of dot.matchAll(/^\s*(n\d+|result) \[.*label=(?:<([^<>]*)(?:<BR\/>.*)?>|"([^"]*)")\];$/gm)) labels.set(m[1]!, m[2] ?? m[3]!);
  const text = (html: string): string => html.replace(/<BR ALIGN="LEFT"\/>/g, ' ').replace(/&#160;/g, ' ').trim();
  const wires: Wire[] = [];
  for (const m of dot.matchAll(/^\s*(w\d+) \[.*<FONT COLOR="#1a7f1a">(.*?)<\/FONT>.*<FONT COLOR="#d62728">(.*?)<\/FONT>.*\];$/gm)) {
    const id = m[1]!;
    const from = new RegExp(`^\\s*(\\w+) -> ${id} `, 'm').exec(dot)![1]!;
    const to = new RegExp(`^\\s*${id} -> (\\w+) `, 'm').exec(dot)![1]!;
    wires.push({ from: labels.get(from) ?? from, to: labels.get(to) ?? to, value: text(m[2]!), gradient: text(m[3]!) });
  }
  return wires;
}

// LECTURE.md example 3, to two decimals as the lecture prints them: [value, gradient] on every wire.
const NEURON_LEAVES: Record<string, [string, string]> = {
  w0: ['2.00', '-0.20'],
  x0: ['-1.00', '0.39'],
  w1: ['-3.00', '-0.39'],
  x1: ['-2.00', '-0.59'],
  w2: ['-3.00', '0.20'],
};
const NEURON_GATES: [string, string, string][] = [
  // [gate the wire leaves, value, gradient]
  ['×', '-2.00', '0.20'], // w0 x0
  ['×', '6.00', '0.20'], // w1 x1
  ['+', '4.00', '0.20'], // w0 x0 + w1 x1
  ['+', 's = 1.00', '0.20'], // + w2
  ['×-1', '-1.00', '-0.20'], // *-1 gate
  ['exp', '0.37', '-0.53'],
  ['+1', '1.37', '-0.53'],
  ['1/x', '0.73', '1.00'],
];

describe('viz: the sigmoid neuron of LECTURE.md example 3', () => {
  it('the DOT carries every forward value and gradient on the right wire', () => {
    const f = example('neuron');
    traceBackward(f);
    const wires = wiresOf(toDot(f));
    expect(wires).toHaveLength(13);
    for (const [leaf, [value, gradient]] of Object.entries(NEURON_LEAVES)) {
      expect(wires.filter((w) => w.from === leaf)).toEqual([expect.objectContaining({ value, gradient })]);
    }
    const fromGates = wires.filter((w) => !(w.from in NEURON_LEAVES)).map((w) => [w.from, w.value, w.gradient]);
    expect(fromGates.sort()).toEqual([...NEURON_GATES].sort());
    // The last wire ends at the output's name.
    expect(wires.find((w) => w.to === 'f')).toEqual({ from: '1/x', to: 'f', value: '0.73', gradient: '1.00' });
  });

  it('the sigmoid gate gives the same gradients in one step: (1 - 0.73) × 0.73 = 0.20', () => {
    const f = example('sigmoid');
    traceBackward(f);
    const wires = wiresOf(toDot(f));
    for (const [leaf, [value, gradient]] of Object.entries(NEURON_LEAVES)) {
      expect(wires.filter((w) => w.from === leaf)).toEqual([expect.objectContaining({ value, gradient })]);
    }
    expect(wires.find((w) => w.from === '+' && w.value === 's = 1.00')).toMatchObject({ to: 'σ', gradient: '0.20' });
    expect(wires.find((w) => w.from === 'σ')).toMatchObject({ value: '0.73', gradient: '1.00' });
    expect(explainBackward(f)).toContain('sigmoid  f = sigmoid(s)  s: 1.00 × 0.20 [(1-σ)σ] = 0.20');
  });

  it('the SVG shows every value in green above its wire and every gradient in red below it', async () => {
    const f = example('neuron');
    traceBackward(f);
    const svg = await renderSvg(f);
    expect(svg.startsWith('<?xml')).toBe(true);
    // Each wire is a node group holding one green and one red text; red sits lower (larger y).
    const pairs: [string, string][] = [];
    for (const group of svg.matchAll(/<g id="node\d+" class="node">\s*<title>w\d+<\/title>([\s\S]*?)<\/g>/g)) {
      const texts = [...group[1]!.matchAll(/<text[^>]* y="([-\d.]+)"[^>]* fill="(#[0-9a-f]+)">([^<]*)<\/text>/g)].map((m) => ({
        y: Number(m[1]),
        color: m[2]!,
        text: m[3]!.replace(/&#45;/g, '-').replace(/&#160;|\u00a0/g, ' ').trim(),
      }));
      const value = texts.find((t) => t.color === VALUE_COLOR)!;
      const gradient = texts.find((t) => t.color === GRADIENT_COLOR)!;
      expect(gradient.y).toBeGreaterThan(value.y);
      pairs.push([value.text, gradient.text]);
    }
    const expected = [...Object.values(NEURON_LEAVES), ...NEURON_GATES.map(([, v, g]) => [v, g] as [string, string])];
    expect(pairs.sort()).toEqual(expected.sort());
  });

  it('the transcript walks the gates from 1/x back to the inputs with the lecture numbers', () => {
    const lines = explainBackward(example('neuron')).split('\n');
    const gates = lines.filter((l) => /^\s+\d+\. /.test(l)).map((l) => l.trim().split(/\s+/)[1]);
    expect(gates).toEqual(['reciprocal', 'add', 'exp', 'neg', 'add', 'add', 'mul', 'mul']);
    expect(lines[2]).toContain('1.00 × -0.53 [-1/t6²] = -0.53');
    expect(lines[4]).toContain('-0.53 × 0.37 [exp(t4)] = -0.20');
    expect(lines[5]).toContain('s: -0.20 × -1.00 [-1] = 0.20');
    expect(lines.at(-1)).toBe('Gradients: w0 = -0.20, x0 = 0.39, w1 = -0.39, x1 = -0.59, w2 = 0.20');
  });
});

describe('viz: the (x + y) z circuit, LECTURE.md example 1', () => {
  it('the transcript lists every gate with its upstream, local and downstream gradients', () => {
    expect(explainBackward(example('circuit'))).toBe(
      [
        'Backward pass from f (seed 1.00), one gate per line in the order the engine runs them;',
        'for each input: upstream gradient × local gradient = downstream gradient',
        '  1. mul  f = q × z  q: 1.00 × -4.00 [z] = -4.00;  z: 1.00 × 3.00 [q] = 3.00',
        '  2. add  q = x + y  x: -4.00 × 1.00 [1] = -4.00;  y: -4.00 × 1.00 [1] = -4.00',
        'Gradients: x = -4.00, y = -4.00, z = 3.00',
      ].join('\n'),
    );
  });

  it('the diagram holds q = 3 with gradient -4 and f = -12', () => {
    const f = example('circuit');
    traceBackward(f);
    expect(wiresOf(toDot(f))).toEqual(expect.arrayContaining([
      { from: 'x', to: '+', value: '-2.00', gradient: '-4.00' },
      { from: '×', to: 'f', value: '-12.00', gradient: '1.00' },
      { from: 'z', to: '×', value: '-4.00', gradient: '3.00' },
      { from: 'y', to: '+', value: '5.00', gradient: '-4.00' },
      { from: '+', to: '×', value: 'q = 3.00', gradient: '-4.00' },
    ]));
    expect(wiresOf(toDot(f))).toHaveLength(5);
  });
});

describe('viz: the other lecture examples', () => {
  it('||Wx||²: df/dW = 2 q xᵀ and df/dx = 2 Wᵀ q, each in its variable\'s shape', () => {
    const text = explainBackward(example('l2'), { decimals: 3 });
    expect(text).toContain('q: 1.000 × [0.440, 0.520] [2q] = [0.440, 0.520]');
    expect(text).toContain('W: [0.440, 0.520]·xᵀ = [[0.088, 0.176], [0.104, 0.208]]');
    expect(text).toContain('x: Wᵀ·[0.440, 0.520] = [-0.112, 0.636]');
  });

  it('the max gate routes the whole gradient to the larger input', () => {
    const f = example('max');
    const text = explainBackward(f);
    expect(text).toContain('z: 2.00 × 1.00');
    expect(text).toContain('w: 2.00 × 0.00');
    expect(text.split('\n').at(-1)).toBe('Gradients: x = -8.00, y = 6.00, z = 2.00, w = 0.00');
    expect(wiresOf(toDot(f)).find((w) => w.from === 'max')).toMatchObject({ value: '2.00', gradient: '2.00' });
  });

  it('gradients add at branches: x fans out, its wire carries the sum and each branch its part', () => {
    const f = example('branches');
    traceBackward(f);
    const dot = toDot(f);
    const wires = wiresOf(dot);
    // x -> (+) junction: the total; junction -> each gate: that branch's part.
    expect(wires.find((w) => w.from === 'x')).toMatchObject({ to: expect.stringMatching(/^j\d+$/), value: '1.00', gradient: '4.72' });
    const branches = wires.filter((w) => /^j\d+$/.test(w.from));
    expect(branches.map((w) => [w.to, w.gradient]).sort()).toEqual([
      ['exp', '2.72'],
      ['×', '2.00'],
    ]);
    expect(dot).toContain('gradients add here');
    expect(explainBackward(f).split('\n').at(-1)).toBe('Gradients: x = 2.00 + 2.72 = 4.72, y = 1.00');
  });
});
