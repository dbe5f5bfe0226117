import { describe, expect, it } from 'vitest';
import { GraphError, randn, tensor, type Tensor } from '@tensorgrad/core';
import { add, matmul, mul, neg, relu, sum } from '@tensorgrad/ops';
import { collectGraph, explainBackward, lastTrace, renderPng, renderSvg, toDot, traceBackward } from '../src/index.js';

const labelsOf = (dot: string): string[] => [...dot.matchAll(/ label="([^"]*)"\]/g)].map((m) => m[1]!);

function circuit(): { x: Tensor; y: Tensor; z: Tensor; f: Tensor } {
  const x = tensor(-2, { requiresGrad: true, name: 'x' });
  const y = tensor(5, { requiresGrad: true, name: 'y' });
  const z = tensor(-4, { requiresGrad: true, name: 'z' });
  return { x, y, z, f: mul(add(x, y).named('q'), z).named('f') };
}

describe('traceBackward', () => {
  it('records every gate in engine order and gives the same leaf gradients as backward', () => {
    const { x, y, z, f } = circuit();
    const trace = traceBackward(f);
    expect(trace.steps.map((s) => s.op)).toEqual(['mul', 'add']);
    expect(trace.steps[0]!.upstream.item()).toBe(1);
    expect(trace.steps[0]!.local.map((t) => t!.item())).toEqual([-4, 3]);
    expect(trace.steps[1]!.downstream.map((t) => t!.item())).toEqual([-4, -4]);
    expect([x, y, z].map((t) => trace.gradient(t)!.item())).toEqual([-4, -4, 3]);
    expect([x, y, z].map((t) => t.grad!.item())).toEqual([-4, -4, 3]);
    expect(lastTrace(f)).toBe(trace);
  });

  it('keeps the graph by default, so that backward can still run (and accumulate)', () => {
    const { x, f } = circuit();
    traceBackward(f);
    f.backward();
    expect(x.grad!.item()).toBe(-8);
  });

  it('refuses an output without a graph, naming itself', () => {
    expect(() => traceBackward(tensor(1, { name: 'c' }))).toThrow(GraphError);
    expect(() => traceBackward(tensor(1, { name: 'c' }))).toThrow(/^traceBackward: the tensor 'c' does not require grad/);
  });

  it('gives no local tensor for matmul (a Jacobian), and the one-row Jacobian for a scalar-output reduction', () => {
    const W = tensor([[1, 2], [3, 4]], { requiresGrad: true, name: 'W' });
    const x = tensor([1, -1], { requiresGrad: true, name: 'x' });
    const q = matmul(W, x);
    const trace = traceBackward(sum(q));
    expect(trace.steps[0]!.local[0]!.toArray()).toEqual([1, 1]);
    expect(trace.steps[1]!.local).toEqual([null, null]);
  });
});

describe('toDot', () => {
  it('draws gates with the lecture\'s symbols and folds literal constants into them', () => {
    const x = tensor(1.5, { requiresGrad: true, name: 'x' });
    const f = neg(mul(add(x, 1), -1)).named('f');
    const dot = toDot(f, { trace: null });
    expect(labelsOf(dot)).toEqual(['+1', '×-1', '×-1', 'f']);
    // Forward values only: the gradient half of each wire is empty.
    expect(dot).not.toContain('#d62728">-');
    expect(dot).toContain('2.50');
  });

  it('without a trace, shows the leaves\' .grad after a plain backward', () => {
    const { f } = circuit();
    f.backward();
    const dot = toDot(f);
    expect(dot).toMatch(/#1a7f1a">-2\.00<BR ALIGN="LEFT"\/><\/FONT><\/TD><\/TR><HR\/><TR><TD BALIGN="LEFT"><FONT COLOR="#d62728">-4\.00/);
    // q is an intermediate without retainGrad: no gradient is known for its wire.
    expect(dot).toMatch(/q&#160;=&#160;3\.00<BR ALIGN="LEFT"\/><\/FONT><\/TD><\/TR><HR\/><TR><TD BALIGN="LEFT"><FONT COLOR="#d62728"><BR/);
  });

  it('shows a large tensor as shape and summary, not megabytes of numbers', () => {
    const X = randn([1000, 100], { seed: 1, name: 'X' });
    const W = randn([100, 50], { seed: 2, requiresGrad: true, name: 'W' });
    const loss = sum(relu(matmul(X, W))).named('loss');
    traceBackward(loss);
    const dot = toDot(loss);
    expect(dot.length).toBeLessThan(8000);
    expect(dot).toContain('shape&#160;[1000,&#160;100]');
    expect(dot).toContain('shape&#160;[1000,&#160;50]');
    const norm = Math.sqrt(X.data.reduce((s, v) => s + v * v, 0));
    expect(dot).toContain(`norm&#160;${norm.toFixed(2)}`);
    const wGrad = W.grad!.data;
    expect(dot).toContain(`min&#160;${Math.min(...wGrad).toFixed(2)}&#160;&#160;max&#160;${Math.max(...wGrad).toFixed(2)}`);
    // X needs no gradient: drawn grey, with an empty gradient half.
    expect(dot).toMatch(/fontcolor="#777777", tooltip="constant X \(no gradient\)"/);
    const text = explainBackward(loss);
    expect(text.length).toBeLessThan(2000);
    expect(text).toContain('3. matmul');
  });

  it('escapes names, so that any name makes valid DOT', async () => {
    const x = tensor(2, { requiresGrad: true, name: 'a<b>&"c"' });
    const f = mul(x, x).named('f"<');
    traceBackward(f);
    const svg = await renderSvg(f);
    expect(svg).toContain('a&lt;b&gt;&amp;&quot;c&quot;');
    // x is used twice by one gate: two branches through one junction, 2 + 2 = 4.
    expect(explainBackward(f).split('\n').at(-1)).toBe('Gradients: a<b>&"c" = 2.00 + 2.00 = 4.00');
  });

  it('walks a 20,000-gate chain without recursion', () => {
    const x = tensor(0, { requiresGrad: true, name: 'x' });
    let h = x;
    for (let i = 0; i < 20_000; i++) h = add(h, 1);
    expect(collectGraph(h).tensors).toHaveLength(40_001);
    expect(toDot(h, { trace: null })).toContain('20000.00');
  });
});

describe('renderPng', () => {
  it('rasterizes the diagram to a PNG whose size follows the scale', async () => {
    const { f } = circuit();
    traceBackward(f);
    const size = (png: Uint8Array): [number, number] => {
      const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
      return [view.getUint32(16), view.getUint32(20)];
    };
    const one = await renderPng(f, { scale: 1 });
    const two = await renderPng(f, { scale: 2 });
    expect([...one.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const [w1, h1] = size(one);
    const [w2, h2] = size(two);
    expect(w1).toBeGreaterThan(200);
    expect(Math.abs(w2 - 2 * w1)).toBeLessThanOrEqual(2);
    expect(Math.abs(h2 - 2 * h1)).toBeLessThanOrEqual(2);
  });
});
