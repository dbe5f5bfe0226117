import type { Backend } from './types.js';

/**
 * Plain TypeScript float64 gemm: the fallback where WebAssembly SIMD is missing, and the oracle the
 * faster kernels are tested against.
 *
 * Large products use the BLIS scheme: B is packed block by block (KC × NC) into NR-wide slivers, A
 * (MC × KC) into MR-tall slivers, and a 4×4 register tile of sixteen scalar accumulators walks both
 * packed slivers in order. Packing reads each operand through its strides with a loop specialised to its
 * layout (row-major or transposed), so a transposed operand is never copied whole; it also puts the
 * values the inner loop needs next to each other, which is what lets V8 keep the tile in registers.
 * Small products skip packing: its fixed cost would dominate.
 */

const MR = 4;
const NR = 4;
const MC = 64;
const KC = 256;
const NC = 512;
/** Below this many multiply-adds the unpacked loops win (packing and tile edges cost more than they save). */
const BLOCKED_MIN_WORK = 16 * 1024;

/**
 * Products of fewer multiply-adds go to this kernel from the SIMD kernels (WebAssembly and native): the
 * copies and calls cost more than they save. Both use this one bound, so both hand the same products
 * here and round them the same.
 */
export const SMALL_PRODUCT_WORK = 8 * 8 * 8;

// Packing buffers: allocated once at their largest size, reused by every call.
const packedA = new Float64Array(MC * KC);
const packedB = new Float64Array(KC * NC);

export const tsGemm: Backend = {
  name: 'ts',
  gemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, accumulate) {
    if (!accumulate) c.fill(0, cOff, cOff + m * n);
    if (m === 0 || n === 0 || k === 0) return;
    if (m * n * k < BLOCKED_MIN_WORK || m < MR || n < NR) {
      smallGemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff);
      return;
    }
    for (let jc = 0; jc < n; jc += NC) {
      const nc = Math.min(NC, n - jc);
      for (let pc = 0; pc < k; pc += KC) {
        const kc = Math.min(KC, k - pc);
        packB(b, bOff + pc * bRs + jc * bCs, bRs, bCs, kc, nc);
        for (let ic = 0; ic < m; ic += MC) {
          const mc = Math.min(MC, m - ic);
          packA(a, aOff + ic * aRs + pc * aCs, aRs, aCs, mc, kc);
          for (let jr = 0; jr < nc; jr += NR) {
            const nr = Math.min(NR, nc - jr);
            for (let ir = 0; ir < mc; ir += MR) {
              const mr = Math.min(MR, mc - ir);
              microKernel(kc, ir * kc, jr * kc, c, cOff + (ic + ir) * n + jc + jr, n, mr, nr);
            }
          }
        }
      }
    }
  },
};

/** Unpacked loops for small products, in the order that walks B in memory order. */
function smallGemm(
  m: number,
  n: number,
  k: number,
  a: Float64Array,
  aOff: number,
  aRs: number,
  aCs: number,
  b: Float64Array,
  bOff: number,
  bRs: number,
  bCs: number,
  c: Float64Array,
  cOff: number,
): void {
  if (bCs === 1) {
    // C[i, :] += A[i, p] * B[p, :]: B streams along its rows.
    for (let i = 0; i < m; i++) {
      const ci = cOff + i * n;
      const ai = aOff + i * aRs;
      for (let p = 0; p < k; p++) {
        const av = a[ai + p * aCs]!;
        const bp = bOff + p * bRs;
        for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j]!;
      }
    }
  } else {
    // C[i, j] += A[i, :] · B[:, j]: a dot product along p (contiguous when B is a transposed view).
    for (let i = 0; i < m; i++) {
      const ci = cOff + i * n;
      const ai = aOff + i * aRs;
      for (let j = 0; j < n; j++) {
        const bj = bOff + j * bCs;
        let s = 0;
        for (let p = 0; p < k; p++) s += a[ai + p * aCs]! * b[bj + p * bRs]!;
        c[ci + j] += s;
      }
    }
  }
}

/** Packs A[0:mc, 0:kc] (from `off`) into MR-tall slivers: sliver s holds A[s*MR + r, p] at s*MR*kc + p*MR + r. */
function packA(a: Float64Array, off: number, rs: number, cs: number, mc: number, kc: number): void {
  const dst = packedA;
  for (let s = 0; s < mc; s += MR) {
    const h = Math.min(MR, mc - s);
    let d = s * kc;
    const row = off + s * rs;
    if (h === MR && cs === 1) {
      // Row-major A: four rows read side by side, each contiguous.
      const r0 = row, r1 = row + rs, r2 = row + 2 * rs, r3 = row + 3 * rs;
      for (let p = 0; p < kc; p++, d += MR) {
        dst[d] = a[r0 + p]!;
        dst[d + 1] = a[r1 + p]!;
        dst[d + 2] = a[r2 + p]!;
        dst[d + 3] = a[r3 + p]!;
      }
    } else if (h === MR && rs === 1) {
      // Transposed A (a view of Aᵀ stored row-major): the MR values of one k step are contiguous.
      for (let p = 0, src = row; p < kc; p++, d += MR, src += cs) {
        dst[d] = a[src]!;
        dst[d + 1] = a[src + 1]!;
        dst[d + 2] = a[src + 2]!;
        dst[d + 3] = a[src + 3]!;
      }
    } else {
      for (let p = 0; p < kc; p++, d += MR) {
        const src = row + p * cs;
        for (let r = 0; r < MR; r++) dst[d + r] = r < h ? a[src + r * rs]! : 0;
      }
    }
  }
}

/** Packs B[0:kc, 0:nc] (from `off`) into NR-wide slivers: sliver s holds B[p, s*NR + j] at s*NR*kc + p*NR + j. */
function packB(b: Float64Array, off: number, rs: number, cs: number, kc: number, nc: number): void {
  const dst = packedB;
  for (let s = 0; s < nc; s += NR) {
    const w = Math.min(NR, nc - s);
    let d = s * kc;
    const col = off + s * cs;
    if (w === NR && cs === 1) {
      // Row-major B: the NR values of one k step are contiguous.
      for (let p = 0, src = col; p < kc; p++, d += NR, src += rs) {
        dst[d] = b[src]!;
        dst[d + 1] = b[src + 1]!;
        dst[d + 2] = b[src + 2]!;
        dst[d + 3] = b[src + 3]!;
      }
    } else if (w === NR && rs === 1) {
      // Transposed B (dC·Bᵀ): four columns read side by side, each contiguous.
      const c0 = col, c1 = col + cs, c2 = col + 2 * cs, c3 = col + 3 * cs;
      for (let p = 0; p < kc; p++, d += NR) {
        dst[d] = b[c0 + p]!;
        dst[d + 1] = b[c1 + p]!;
        dst[d + 2] = b[c2 + p]!;
        dst[d + 3] = b[c3 + p]!;
      }
    } else {
      for (let p = 0; p < kc; p++, d += NR) {
        const src = col + p * rs;
        for (let j = 0; j < NR; j++) dst[d + j] = j < w ? b[src + j * cs]! : 0;
      }
    }
  }
}

/** C[mr × nr] += (packed A sliver at ai) · (packed B sliver at bi); tile kept in 16 locals. */
function microKernel(kc: number, ai: number, bi: number, c: Float64Array, ci: number, ldc: number, mr: number, nr: number): void {
  const A = packedA;
  const B = packedB;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  // One A value live at a time (loaded per row) keeps fewer values in registers than loading all four.
  const end = ai + kc * MR;
  for (; ai < end; ai += MR, bi += NR) {
    const b0 = B[bi]!, b1 = B[bi + 1]!, b2 = B[bi + 2]!, b3 = B[bi + 3]!;
    let a = A[ai]!;
    c00 += a * b0; c01 += a * b1; c02 += a * b2; c03 += a * b3;
    a = A[ai + 1]!;
    c10 += a * b0; c11 += a * b1; c12 += a * b2; c13 += a * b3;
    a = A[ai + 2]!;
    c20 += a * b0; c21 += a * b1; c22 += a * b2; c23 += a * b3;
    a = A[ai + 3]!;
    c30 += a * b0; c31 += a * b1; c32 += a * b2; c33 += a * b3;
  }
  if (mr === MR && nr === NR) {
    let r = ci;
    c[r] += c00; c[r + 1] += c01; c[r + 2] += c02; c[r + 3] += c03; r += ldc;
    c[r] += c10; c[r + 1] += c11; c[r + 2] += c12; c[r + 3] += c13; r += ldc;
    c[r] += c20; c[r + 1] += c21; c[r + 2] += c22; c[r + 3] += c23; r += ldc;
    c[r] += c30; c[r + 1] += c31; c[r + 2] += c32; c[r + 3] += c33;
    return;
  }
  // Edge tile: the padded rows/columns of the packed slivers are zero, so only the write is clipped.
  const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let i = 0; i < mr; i++) for (let j = 0; j < nr; j++) c[ci + i * ldc + j] += tile[i * NR + j]!;
}
