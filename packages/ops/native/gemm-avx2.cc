// The AVX2 micro-kernel, for processors without AVX-512: a 6×8 tile of C in 12 ymm accumulators (two
// vectors of B per k step, each A value broadcast), fused multiply-adds in k order. Compiled with
// -mavx2 -mfma.
#include <immintrin.h>

#include "gemm-api.h"

#define TG_ISA avx2
namespace avx2 {

constexpr int MR = 6, NR = 8, MC = 96, NC = 1024;

/** C[MR × NR] (+)= Ap sliver (kc × MR) · Bp sliver (kc × NR); C's rows ldc apart. */
static inline void microKernel(int kc, const double* ap, const double* bp, double* c, ptrdiff_t ldc, bool beta) {
  __m256d c00 = _mm256_setzero_pd(), c01 = _mm256_setzero_pd();
  __m256d c10 = _mm256_setzero_pd(), c11 = _mm256_setzero_pd();
  __m256d c20 = _mm256_setzero_pd(), c21 = _mm256_setzero_pd();
  __m256d c30 = _mm256_setzero_pd(), c31 = _mm256_setzero_pd();
  __m256d c40 = _mm256_setzero_pd(), c41 = _mm256_setzero_pd();
  __m256d c50 = _mm256_setzero_pd(), c51 = _mm256_setzero_pd();
  for (int p = 0; p < kc; p++) {
    const __m256d b0 = _mm256_load_pd(bp), b1 = _mm256_load_pd(bp + 4);
    __m256d a;
#define TG_ROW(r)                              \
  a = _mm256_broadcast_sd(ap + r);             \
  c##r##0 = _mm256_fmadd_pd(a, b0, c##r##0);   \
  c##r##1 = _mm256_fmadd_pd(a, b1, c##r##1);
    TG_ROW(0) TG_ROW(1) TG_ROW(2) TG_ROW(3) TG_ROW(4) TG_ROW(5)
#undef TG_ROW
    ap += MR;
    bp += NR;
  }
#define TG_STORE(r)                                                                               \
  {                                                                                               \
    double* row = c + (ptrdiff_t)(r) * ldc;                                                       \
    if (beta) {                                                                                   \
      _mm256_storeu_pd(row, _mm256_add_pd(_mm256_loadu_pd(row), c##r##0));                        \
      _mm256_storeu_pd(row + 4, _mm256_add_pd(_mm256_loadu_pd(row + 4), c##r##1));                \
    } else {                                                                                      \
      _mm256_storeu_pd(row, c##r##0);                                                             \
      _mm256_storeu_pd(row + 4, c##r##1);                                                         \
    }                                                                                             \
  }
  TG_STORE(0) TG_STORE(1) TG_STORE(2) TG_STORE(3) TG_STORE(4) TG_STORE(5)
#undef TG_STORE
}

}  // namespace avx2

#include "gemm-blocked.h"

tg::Isa tg::avx2Isa() { return {"avx2", avx2::MR, avx2::NR, avx2::block}; }
