// The blocked gemm (BLIS scheme) for one instruction set. Included by gemm-avx512.cc and gemm-avx2.cc,
// each compiled with its own -m flags and its own TG_ISA namespace, so the two instantiations never
// merge at link time.
//
// Rounding contract: every element of C is computed exactly as the WebAssembly FMA kernel computes it
// (wasm/gen-gemm.ts), whatever the tile, vector width or thread split:
//   s_b = fma(a[i,p], b[p,j], s) over p in k-block b (KC = 256 consecutive p), in order, from s = +0;
//   C = (accumulate ? C0 + s_0 : s_0) + s_1 + s_2 + ...
// The vector width only decides how many j run side by side, never the order of an element's sum.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "gemm-api.h"

namespace TG_ISA {

using tg::Matrix;

/** Zero-padded slivers of A (MR rows, k-major) for rows [i0, i0 + mc) and k in [p0, p0 + kc). */
static void packA(const Matrix& A, int i0, int mc, int p0, int kc, double* out) {
  for (int s = 0; s < mc; s += MR) {
    const int h = mc - s < MR ? mc - s : MR;
    const double* base = A.p + (ptrdiff_t)(i0 + s) * A.rs + (ptrdiff_t)p0 * A.cs;
    if (A.rs == 1 && h == MR) {
      // Each k step's MR values are contiguous (a transposed A): one run per step.
      for (int p = 0; p < kc; p++) std::memcpy(out + p * MR, base + (ptrdiff_t)p * A.cs, MR * sizeof(double));
    } else if (A.cs == 1) {
      // Row-major: read each row's run of k, deal it out to the sliver.
      for (int r = 0; r < h; r++) {
        const double* row = base + (ptrdiff_t)r * A.rs;
        for (int p = 0; p < kc; p++) out[p * MR + r] = row[p];
      }
      for (int r = h; r < MR; r++)
        for (int p = 0; p < kc; p++) out[p * MR + r] = 0.0;
    } else {
      for (int p = 0; p < kc; p++) {
        const double* col = base + (ptrdiff_t)p * A.cs;
        for (int r = 0; r < h; r++) out[p * MR + r] = col[(ptrdiff_t)r * A.rs];
        for (int r = h; r < MR; r++) out[p * MR + r] = 0.0;
      }
    }
    out += (ptrdiff_t)MR * kc;
  }
}

/** Zero-padded slivers of B (NR columns, k-major) for k in [p0, p0 + kc) and columns [j0, j0 + nc). */
static void packB(const Matrix& B, int p0, int kc, int j0, int nc, double* out) {
  for (int s = 0; s < nc; s += NR) {
    const int w = nc - s < NR ? nc - s : NR;
    const double* base = B.p + (ptrdiff_t)p0 * B.rs + (ptrdiff_t)(j0 + s) * B.cs;
    if (B.cs == 1 && w == NR) {
      for (int p = 0; p < kc; p++) std::memcpy(out + p * NR, base + (ptrdiff_t)p * B.rs, NR * sizeof(double));
    } else if (B.rs == 1) {
      // A transposed B (linear's weight read as Wᵀ): each column's run of k is contiguous.
      for (int j = 0; j < w; j++) {
        const double* col = base + (ptrdiff_t)j * B.cs;
        for (int p = 0; p < kc; p++) out[p * NR + j] = col[p];
      }
      for (int j = w; j < NR; j++)
        for (int p = 0; p < kc; p++) out[p * NR + j] = 0.0;
    } else {
      for (int p = 0; p < kc; p++) {
        const double* row = base + (ptrdiff_t)p * B.rs;
        for (int j = 0; j < w; j++) out[p * NR + j] = row[(ptrdiff_t)j * B.cs];
        for (int j = w; j < NR; j++) out[p * NR + j] = 0.0;
      }
    }
    out += (ptrdiff_t)NR * kc;
  }
}

/**
 * C[rows i0..i1, cols j0..j1] of C = A·B (or += when accumulate). `abuf` holds MC×KC values, `bbuf`
 * KC×NC (rounded up to MR and NR).
 */
static void gemmBlock(const tg::Job& job, int i0, int i1, int j0, int j1, double* abuf, double* bbuf) {
  alignas(64) double tile[MR * NR];
  const int k = job.k;
  for (int jc = j0; jc < j1; jc += NC) {
    const int nc = j1 - jc < NC ? j1 - jc : NC;
    for (int pc = 0; pc < k; pc += tg::KC) {
      const int kc = k - pc < tg::KC ? k - pc : tg::KC;
      const bool beta = job.accumulate || pc > 0;
      packB(job.B, pc, kc, jc, nc, bbuf);
      for (int ic = i0; ic < i1; ic += MC) {
        const int mc = i1 - ic < MC ? i1 - ic : MC;
        packA(job.A, ic, mc, pc, kc, abuf);
        for (int jr = 0; jr < nc; jr += NR) {
          const int nr = nc - jr < NR ? nc - jr : NR;
          const double* bp = bbuf + (ptrdiff_t)jr * kc;
          for (int ir = 0; ir < mc; ir += MR) {
            const int mr = mc - ir < MR ? mc - ir : MR;
            const double* ap = abuf + (ptrdiff_t)ir * kc;
            double* c = job.C + (ptrdiff_t)(ic + ir) * job.ldc + (jc + jr);
            if (mr == MR && nr == NR) {
              microKernel(kc, ap, bp, c, job.ldc, beta);
            } else {
              microKernel(kc, ap, bp, tile, NR, false);
              for (int i = 0; i < mr; i++) {
                double* row = c + (ptrdiff_t)i * job.ldc;
                for (int j = 0; j < nr; j++) row[j] = beta ? row[j] + tile[i * NR + j] : tile[i * NR + j];
              }
            }
          }
        }
      }
    }
  }
}

/** The Isa entry point: gemmBlock with this thread's packing buffers (tg::threadBuffer). */
static void block(const tg::Job& job, int i0, int i1, int j0, int j1) {
  constexpr size_t aWords = (size_t)MC * tg::KC, bWords = (size_t)tg::KC * NC;
  double* base = tg::threadBuffer(aWords + bWords);
  gemmBlock(job, i0, i1, j0, j1, base, base + aWords);
}

}  // namespace TG_ISA
