/**
 * Cache-block tuning for the fused multiply-add module (one thread, copies excluded: they do not depend
 * on the blocks): tsx --conditions=@tensorgrad/source packages/ops/wasm/tune.ts
 * Times the square n = 512 product and the two large products of the (200, 3072, 100, 10) step as
 * `linear` issues them, for a few MC/KC/NC choices, and prints median GFLOP/s.
 */
import v8 from 'node:v8';
import wabtInit from 'wabt';
import { fmaParams, generateWat, workBytes, type GemmParams } from './gen-gemm.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const wabt = await wabtInit();

type Gemm = (...args: number[]) => void;
function build(p: GemmParams): { gemm: Gemm; f64: Float64Array; work: number; base: number } {
  const parsed = wabt.parseWat('t.wat', generateWat(p, false), { simd: true, threads: true, relaxed_simd: true });
  const bytes = parsed.toBinary({}).buffer;
  parsed.destroy();
  const memory = new WebAssembly.Memory({ initial: 1024, maximum: 32768 });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  return { gemm: inst.exports.gemm as Gemm, f64: new Float64Array(memory.buffer), work: 64, base: 64 + workBytes(p) + 64 };
}

// [label, m, n, k, aRs, aCs, bRs, bCs]
const shapes: [string, number, number, number, number, number, number, number][] = [
  ['n=512 NN', 512, 512, 512, 512, 1, 512, 1],
  ['fwd X·W1ᵀ', 200, 100, 3072, 3072, 1, 1, 3072],
  ['dW1 dYᵀ·X', 100, 3072, 200, 1, 100, 3072, 1],
];
const reps = Number(process.argv[2] ?? 15);
const candidates: GemmParams[] = [
  fmaParams,
  ...JSON.parse(process.argv[3] ?? '[]').map((q: Partial<GemmParams>) => ({ ...fmaParams, ...q })),
];
for (const p of candidates) {
  const { gemm, f64, work, base } = build(p);
  const out: string[] = [];
  for (const [label, m, n, k, aRs, aCs, bRs, bCs] of shapes) {
    const a = base, b = base + 8 * m * k + 64, c = b + 8 * k * n + 64;
    for (let i = 0; i < (c + 8 * m * n) / 8; i++) f64[i + base / 8] = Math.random();
    const t: number[] = [];
    for (let r = 0; r < reps + 2; r++) {
      const t0 = performance.now();
      gemm(m, n, k, a, aRs, aCs, b, bRs, bCs, c, n, 0, work);
      t.push(performance.now() - t0);
    }
    t.sort((x, y) => x - y);
    out.push(`${label} ${((2 * m * n * k) / t[t.length >> 1]! / 1e6).toFixed(1)}`);
  }
  console.log(`mc ${p.mc} kc ${p.kc} nc ${p.nc} u ${p.unroll}: ${out.join(' | ')}`);
}
