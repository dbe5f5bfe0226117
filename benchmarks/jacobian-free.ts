/**
 * Suite 4: why backward never builds a Jacobian. ReLU's backward rule (the op's own, from tensorgrad's ops)
 * multiplies the upstream gradient by the mask [x > 0]: O(n) time and one gradient's worth of bytes. The
 * Jacobian of ReLU over a 4096-vector is a 4096×4096 diagonal matrix — 128 MiB of float64 — and applying
 * it is a matrix-vector product; over a 100×4096 minibatch it would be 409,600² entries.
 */
import { PendingGradient } from '@tensorgrad/core';
import { fromData, matmul, randn, relu, type Tensor } from 'tensorgrad';
import { formatBytes, runSuite, type BenchOptions, type Case } from './src/bench.js';
import type { Report } from './src/report.js';

const n = 4096;
const batch = 100;
const bytesPerValue = Float64Array.BYTES_PER_ELEMENT;

/** ReLU's vector-Jacobian product as the library runs it: the backward rule recorded on relu(x). */
function maskRule(x: Tensor): { apply: (dy: Tensor) => Tensor } {
  const y = relu(x);
  const backward = y._node?.backward;
  if (backward == null) throw new Error('relu did not record a backward rule (x must require grad)');
  return {
    apply: (dy) => {
      const g = backward(dy)[0]!;
      return g instanceof PendingGradient ? g.toTensor() : g;
    },
  };
}

/** The Jacobian dy/dx of relu at x: diag([x > 0]), built densely as a framework without VJPs would. */
function reluJacobian(x: Float64Array): Tensor {
  const j = new Float64Array(x.length * x.length);
  for (let i = 0; i < x.length; i++) j[i * x.length + i] = +(x[i]! > 0);
  return fromData(j, [x.length, x.length]);
}

export async function run(options: BenchOptions, report: Report): Promise<void> {
  const x = randn([n], { seed: 1, requiresGrad: true });
  const dy = randn([n], { seed: 2 });
  const xb = randn([batch, n], { seed: 3, requiresGrad: true });
  const dyb = randn([batch, n], { seed: 4 });
  const vector = maskRule(x);
  const minibatch = maskRule(xb);
  const jacobian = reluJacobian(x.data);

  // The two ways agree (vector-Jacobian product: dx = Jᵀ·dy, and J is symmetric here).
  const viaMask = vector.apply(dy).data;
  const viaJacobian = matmul(jacobian, dy).data;
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(viaMask[i]! - viaJacobian[i]!));
  if (worst !== 0) throw new Error(`jacobian-free: mask rule and Jacobian disagree by ${worst}`);

  const cheap = options.quick ? { maxTime: 0.25, minSamples: 5 } : { maxTime: 1, minSamples: 10 };
  const dense = options.quick ? { maxTime: 0, minSamples: 2 } : { maxTime: 1, minSamples: 3 };
  const cases: Case[] = [
    { name: `mask rule, ${n}-vector`, fn: () => vector.apply(dy), budget: cheap },
    { name: `mask rule, ${batch}×${n} minibatch`, fn: () => minibatch.apply(dyb), budget: cheap },
    { name: `build ${n}×${n} Jacobian`, fn: () => reluJacobian(x.data), budget: dense },
    { name: `apply ${n}×${n} Jacobian (matvec)`, fn: () => matmul(jacobian, dy), budget: dense },
    { name: `build + apply ${n}×${n} Jacobian`, fn: () => matmul(reluJacobian(x.data), dy), budget: dense },
  ];
  const timings = await runSuite('jacobian-free', `relu backward: mask rule vs Jacobian`, cases, cheap);

  const vectorBytes = n * bytesPerValue;
  const jacobianBytes = n * n * bytesPerValue;
  const rows = [
    { label: cases[0]!.name, bytes: vectorBytes },
    { label: cases[2]!.name, bytes: jacobianBytes, baseline: cases[0]!.name },
    { label: cases[3]!.name, bytes: jacobianBytes, baseline: cases[0]!.name },
    { label: cases[4]!.name, bytes: jacobianBytes, baseline: cases[0]!.name },
    { label: cases[1]!.name, bytes: batch * vectorBytes },
  ];
  for (const row of rows) report.jacobian.push({ ...row, timing: timings.get(row.label) });
  const side = batch * n;
  report.jacobian.push({ label: `${side.toLocaleString('en-US')}² Jacobian of the minibatch (not built)`, bytes: side * side * bytesPerValue, baseline: cases[1]!.name });
  console.log(`  the ${side.toLocaleString('en-US')}² Jacobian would need ${formatBytes(side * side * bytesPerValue)}`);
}
