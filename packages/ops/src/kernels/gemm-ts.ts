import type { GemmKernel } from './backend.js';

/**
 * Plain TypeScript float64 gemm: the fallback and the oracle for faster kernels. Each layout gets the
 * loop order that walks memory in order: row-major B streams along j; a transposed B (column stride 1)
 * turns each entry into a dot product of two contiguous rows.
 */
export const tsGemm: GemmKernel = {
  name: 'ts',
  gemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, accumulate) {
    if (!accumulate) c.fill(0, cOff, cOff + m * n);
    if (m === 0 || n === 0 || k === 0) return;
    if (bCs === 1) {
      // C[i, :] += A[i, p] * B[p, :]
      for (let i = 0; i < m; i++) {
        const ci = cOff + i * n;
        const ai = aOff + i * aRs;
        for (let p = 0; p < k; p++) {
          const av = a[ai + p * aCs]!;
          if (av === 0) continue;
          const bp = bOff + p * bRs;
          for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j]!;
        }
      }
    } else {
      // C[i, j] += sum_p A[i, p] * B[p, j], with B read along p.
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
  },
};
