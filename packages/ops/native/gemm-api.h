// What the per-instruction-set gemm files share with the addon (addon.cc).
#pragma once

#include <cstddef>

namespace tg {

/**
 * k is summed in blocks of KC, each block's sum added into C: the WebAssembly kernel's KC, so both
 * round every element the same way (see gemm-blocked.h).
 */
constexpr int KC = 256;

/**
 * The addon's interface version: gemm-native.ts loads a binary only when its info().abi is the one it
 * expects, so a binary built from older sources (pulled without `pnpm install`) is never called with
 * arguments it reads differently. Bump it with any change to an export's arguments or meaning.
 */
constexpr int ABI = 3;

/** Element (i, j) is p[i * rs + j * cs]; strides may be zero or negative. */
struct Matrix {
  const double* p;
  ptrdiff_t rs;
  ptrdiff_t cs;
};

/** C[m, n] (row stride ldc, contiguous rows) = A[m, k] · B[k, n], or += when accumulate. */
struct Job {
  int m, n, k;
  Matrix A, B;
  double* C;
  ptrdiff_t ldc;
  bool accumulate;
};

/** One instruction set's kernel: computes C's rows [i0, i1) × columns [j0, j1) of the job. */
struct Isa {
  const char* name;
  int mr, nr;
  void (*block)(const Job& job, int i0, int i1, int j0, int j1);
};

Isa avx512Isa();
Isa avx2Isa();

/**
 * This thread's packing buffer of at least `words` doubles, 64-byte aligned (defined in addon.cc). The
 * micro-kernel files instantiate no std template: such an instantiation (std::vector's, say) is emitted
 * by each file, compiled with its -m flags, and the linker keeps one copy for all, so the AVX2 path could
 * run an AVX-512 copy.
 */
double* threadBuffer(size_t words);

}  // namespace tg
