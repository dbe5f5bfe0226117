// The AVX-512 micro-kernel: an 8×16 tile of C in 16 zmm accumulators (two vectors of B per k step,
// each A value broadcast), fused multiply-adds in k order. Compiled with -mavx512f -mfma.
#include <immintrin.h>

#include "gemm-api.h"

#define TG_ISA avx512
namespace avx512 {

constexpr int MR = 8, NR = 16, MC = 128, NC = 1024;

/** C[MR × NR] (+)= Ap sliver (kc × MR) · Bp sliver (kc × NR); C's rows ldc apart. */
static inline void microKernel(int kc, const double* ap, const double* bp, double* c, ptrdiff_t ldc, bool beta) {
  __m512d c00 = _mm512_setzero_pd(), c01 = _mm512_setzero_pd();
  __m512d c10 = _mm512_setzero_pd(), c11 = _mm512_setzero_pd();
  __m512d c20 = _mm512_setzero_pd(), c21 = _mm512_setzero_pd();
  __m512d c30 = _mm512_setzero_pd(), c31 = _mm512_setzero_pd();
  __m512d c40 = _mm512_setzero_pd(), c41 = _mm512_setzero_pd();
  __m512d c50 = _mm512_setzero_pd(), c51 = _mm512_setzero_pd();
  __m512d c60 = _mm512_setzero_pd(), c61 = _mm512_setzero_pd();
  __m512d c70 = _mm512_setzero_pd(), c71 = _mm512_setzero_pd();
  for (int p = 0; p < kc; p++) {
    const __m512d b0 = _mm512_load_pd(bp), b1 = _mm512_load_pd(bp + 8);
    __m512d a;
#define TG_ROW(r)                              \
  a = _mm512_set1_pd(ap[r]);                   \
  c##r##0 = _mm512_fmadd_pd(a, b0, c##r##0);   \
  c##r##1 = _mm512_fmadd_pd(a, b1, c##r##1);
    TG_ROW(0) TG_ROW(1) TG_ROW(2) TG_ROW(3) TG_ROW(4) TG_ROW(5) TG_ROW(6) TG_ROW(7)
#undef TG_ROW
    ap += MR;
    bp += NR;
  }
#define TG_STORE(r)                                                                               \
  {                                                                                               \
    double* row = c + (ptrdiff_t)(r) * ldc;                                                       \
    if (beta) {                                                                                   \
      _mm512_storeu_pd(row, _mm512_add_pd(_mm512_loadu_pd(row), c##r##0));                        \
      _mm512_storeu_pd(row + 8, _mm512_add_pd(_mm512_loadu_pd(row + 8), c##r##1));                \
    } else {                                                                                      \
      _mm512_storeu_pd(row, c##r##0);                                                             \
      _mm512_storeu_pd(row + 8, c##r##1);                                                         \
    }                                                                                             \
  }
  TG_STORE(0) TG_STORE(1) TG_STORE(2) TG_STORE(3) TG_STORE(4) TG_STORE(5) TG_STORE(6) TG_STORE(7)
#undef TG_STORE
}

}  // namespace avx512

#include "gemm-blocked.h"

tg::Isa tg::avx512Isa() { return {"avx512", avx512::MR, avx512::NR, avx512::block}; }
