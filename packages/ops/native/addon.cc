// The native kernel's Node-API glue: picks the micro-kernel for this processor (AVX-512 or AVX2 with
// FMA), checks every operand's bounds before any pointer is formed, and runs products on the calling
// thread plus one helper thread.
//
// The helper claims chunks of C from an atomic word, as the calling thread does, so when it is slow to
// wake (or busy with another process) the caller simply computes more chunks itself. It spins briefly
// after each product (the next one usually follows within microseconds in a training step), then
// sleeps on a condition variable. It never keeps the process alive and holds no JavaScript state.
#include <node_api.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TG_PAUSE() _mm_pause()
#else
#define TG_PAUSE() ((void)0)
#endif

#include "gemm-api.h"

double* tg::threadBuffer(size_t words) {
  // Grown once per thread; 8 spare values so that the 64-byte aligned start still has `words` after it.
  thread_local std::vector<double> buffer;
  if (buffer.size() < words + 8) buffer.resize(words + 8);
  return reinterpret_cast<double*>((reinterpret_cast<uintptr_t>(buffer.data()) + 63) & ~uintptr_t(63));
}

namespace {

bool haveIsa = false;
tg::Isa isa{};

void pickIsa() {
  const char* forced = std::getenv("TENSORGRAD_NATIVE_ISA");
  const std::string want = forced != nullptr ? forced : "";
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx512 && (want.empty() || want == "avx512")) {
    isa = tg::avx512Isa();
    haveIsa = true;
  } else if (avx2 && (want.empty() || want == "avx2")) {
    isa = tg::avx2Isa();
    haveIsa = true;
  }
}

// ---- the helper thread ----

/**
 * An optimizer's update, element by element, in the JavaScript loops' order of operations
 * (optim-loops.ts; built with -ffp-contract=off, so the same rounding): y += alpha·x (AXPY), SGD with
 * weight decay, momentum or Nesterov (SGD), Adam (ADAM).
 */
struct Update {
  enum Kind { NONE, AXPY, SGD, ADAM } kind = NONE;
  double alpha = 0;
  const double* x = nullptr;
  double* y = nullptr;
  double* w = nullptr;
  const double* g = nullptr;
  double* b = nullptr;  // SGD's velocity
  double* m = nullptr;  // Adam's moments
  double* v = nullptr;
  double lr = 0, momentum = 0, weightDecay = 0;
  bool nesterov = false;
  double beta1 = 0, beta2 = 0, stepSize = 0, sqrtCorrection2 = 0, eps = 0;
};

void updateRange(const Update& u, ptrdiff_t lo, ptrdiff_t hi) {
  switch (u.kind) {
    case Update::AXPY:
      for (ptrdiff_t i = lo; i < hi; i++) u.y[i] = u.y[i] + u.alpha * u.x[i];
      break;
    case Update::SGD:
      if (u.momentum == 0) {
        for (ptrdiff_t i = lo; i < hi; i++) u.w[i] = u.w[i] - u.lr * (u.g[i] + u.weightDecay * u.w[i]);
      } else if (u.weightDecay == 0 && !u.nesterov) {
        for (ptrdiff_t i = lo; i < hi; i++) {
          const double vi = u.momentum * u.b[i] + u.g[i];
          u.b[i] = vi;
          u.w[i] = u.w[i] - u.lr * vi;
        }
      } else {
        for (ptrdiff_t i = lo; i < hi; i++) {
          const double gi = u.g[i] + u.weightDecay * u.w[i];
          const double vi = u.momentum * u.b[i] + gi;
          u.b[i] = vi;
          u.w[i] = u.w[i] - u.lr * (u.nesterov ? gi + u.momentum * vi : vi);
        }
      }
      break;
    case Update::ADAM: {
      const double c1 = 1 - u.beta1, c2 = 1 - u.beta2;
      for (ptrdiff_t i = lo; i < hi; i++) {
        const double gi = u.g[i] + u.weightDecay * u.w[i];
        const double mi = u.beta1 * u.m[i] + c1 * gi;
        const double vi = u.beta2 * u.v[i] + c2 * gi * gi;
        u.m[i] = mi;
        u.v[i] = vi;
        u.w[i] = u.w[i] - (u.stepSize * mi) / (std::sqrt(vi) / u.sqrtCorrection2 + u.eps);
      }
      break;
    }
    case Update::NONE:
      break;
  }
}

struct Pool {
  // gen (bits 16+) | chunk count (bits 8-15) | next chunk to claim (bits 0-7)
  std::atomic<uint64_t> word{0};
  std::atomic<int> done{0};
  // The current job; written only while no chunk of the previous one is outstanding. A product, or
  // an optimizer's update over a range of values when `update.kind` is set.
  Update update{};
  tg::Job job{};
  bool alongM = false;
  int chunkLen = 0;
  int span = 0;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<bool> sleeping{false};
  std::atomic<bool> inUse{false};
  std::atomic<int> spinMicros{300};
  // Read by any JavaScript thread of the process (info, a second Node worker); set under startMutex.
  std::atomic<bool> started{false};
  std::atomic<bool> failed{false};
};

// Never destroyed: the helper may still be waiting on it while the process exits.
Pool* const pool = new Pool();

inline int chunksOf(uint64_t w) { return (int)((w >> 8) & 0xff); }
inline int nextOf(uint64_t w) { return (int)(w & 0xff); }

void runChunk(int c) {
  const tg::Job& job = pool->job;
  const int lo = c * pool->chunkLen;
  const int hi = lo + pool->chunkLen < pool->span ? lo + pool->chunkLen : pool->span;
  if (pool->update.kind != Update::NONE) updateRange(pool->update, lo, hi);
  else if (pool->alongM) isa.block(job, lo, hi, 0, job.n);
  else isa.block(job, 0, job.m, lo, hi);
}

/** Claims and runs chunks of the current product until none is left; true if it ran any. */
bool workOnce() {
  bool ran = false;
  uint64_t w = pool->word.load(std::memory_order_acquire);
  while (nextOf(w) < chunksOf(w)) {
    if (pool->word.compare_exchange_weak(w, w + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
      runChunk(nextOf(w));
      pool->done.fetch_add(1, std::memory_order_release);
      ran = true;
      w = pool->word.load(std::memory_order_acquire);
    }
  }
  return ran;
}

bool hasWork() {
  const uint64_t w = pool->word.load(std::memory_order_seq_cst);
  return nextOf(w) < chunksOf(w);
}

void helperLoop() {
  using clock = std::chrono::steady_clock;
  // Its packing buffer first: if that allocation fails, the helper ends here, claims no chunk, and the
  // calling thread computes every chunk itself (correct, on one thread) instead of an exception on
  // this thread aborting the process.
  try {
    static const double one[1] = {1.0};
    double out[1] = {0.0};
    tg::Job warm{};
    warm.m = warm.n = warm.k = 1;
    warm.A = {one, 1, 1};
    warm.B = {one, 1, 1};
    warm.C = out;
    warm.ldc = 1;
    isa.block(warm, 0, 1, 0, 1);
  } catch (...) {
    return;
  }
  for (;;) {
    if (workOnce()) continue;
    const auto until = clock::now() + std::chrono::microseconds(pool->spinMicros.load(std::memory_order_relaxed));
    bool found = false;
    while (!found) {
      for (int i = 0; i < 64 && !(found = hasWork()); i++) TG_PAUSE();
      if (!found && clock::now() > until) break;
    }
    if (found) continue;
    std::unique_lock<std::mutex> lock(pool->mu);
    pool->sleeping.store(true, std::memory_order_seq_cst);
    while (!hasWork()) pool->cv.wait(lock);
    pool->sleeping.store(false, std::memory_order_relaxed);
  }
}

std::mutex startMutex;

bool startHelper() {
  std::lock_guard<std::mutex> lock(startMutex);
  if (pool->started) return true;
  if (pool->failed) return false;
  try {
    std::thread(helperLoop).detach();
    pool->started = true;
  } catch (...) {
    pool->failed = true;
  }
  return pool->started;
}

void runClaimed(int chunks);

/**
 * When another process has the second core, the helper is descheduled in the middle of its chunk and the
 * caller, done with its own, waits for it: two threads then run slower than one. A product after which
 * the caller waited longer than half its own time (and over 200 µs: a scheduler's slice, not a wake-up)
 * is a slow one; after two in a row, the next SOLO_PRODUCTS run on the calling thread alone, then two
 * threads are tried again.
 */
constexpr int SOLO_PRODUCTS = 64;
std::atomic<int> slowInARow{0};
std::atomic<int> soloLeft{0};
std::atomic<long long> soloPeriods{0};

void noteWait(std::chrono::steady_clock::duration own, std::chrono::steady_clock::duration waited) {
  const bool slow = waited > std::chrono::microseconds(200) && waited * 2 > own;
  if (!slow) {
    slowInARow.store(0, std::memory_order_relaxed);
  } else if (slowInARow.fetch_add(1, std::memory_order_relaxed) + 1 >= 2) {
    slowInARow.store(0, std::memory_order_relaxed);
    soloLeft.store(SOLO_PRODUCTS, std::memory_order_relaxed);
    soloPeriods.fetch_add(1, std::memory_order_relaxed);
  }
}

/**
 * True when the helper is up, has not been found slow lately (unless two threads are `forced`), and this
 * thread now has it (until runClaimed returns).
 */
bool claimHelper(bool forced) {
  if (!forced && soloLeft.load(std::memory_order_relaxed) > 0) {
    soloLeft.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  return startHelper() && !pool->inUse.exchange(true, std::memory_order_acquire);
}

/** Products of fewer multiply-adds run on the calling thread alone (waking the helper costs more). */
std::atomic<double> threadMinWork{double(1 << 18)};

void runProduct(const tg::Job& job, int threads) {
  const double work = double(job.m) * job.n * job.k;
  const bool alongM = job.m >= job.n;
  const int span = alongM ? job.m : job.n;
  const int unit = alongM ? isa.mr : isa.nr;
  const bool wantTwo = threads == 2 || (threads == 0 && work >= threadMinWork.load(std::memory_order_relaxed));
  // One chunk per thread, a whole number of tiles each. A chunk cut along m packs all of B again
  // (along n, all of A), so more, smaller chunks (for balance when the helper is slow to wake) cost
  // more packing than they save (KERNELS.md, the native kernel).
  int chunks = 2;
  int chunkLen = ((span + chunks - 1) / chunks + unit - 1) / unit * unit;
  chunks = chunkLen > 0 ? (span + chunkLen - 1) / chunkLen : 0;
  if (!wantTwo || chunks < 2 || !claimHelper(threads == 2)) {
    // Another thread of this process (a second Node worker) has the helper, or one thread is asked for.
    isa.block(job, 0, job.m, 0, job.n);
    return;
  }
  pool->update.kind = Update::NONE;
  pool->job = job;
  pool->alongM = alongM;
  pool->chunkLen = chunkLen;
  pool->span = span;
  runClaimed(chunks);
}

/** An optimizer's update over n values; on two threads from UPDATE_TWO_MIN values. */
constexpr ptrdiff_t UPDATE_TWO_MIN = 1 << 15;

void runUpdate(const Update& update, ptrdiff_t n, int threads) {
  const bool wantTwo = threads == 2 || (threads == 0 && n >= UPDATE_TWO_MIN);
  // At most 2^30 values on two threads: runChunk's int arithmetic (lo + chunkLen) stays below 2^31.
  if (!wantTwo || n < 16 || n > 1073741824 || !claimHelper(threads == 2)) {
    updateRange(update, 0, n);
    return;
  }
  // Two chunks of whole cache lines.
  pool->update = update;
  pool->span = (int)n;
  pool->chunkLen = (int)(((n + 1) / 2 + 7) / 8 * 8);
  runClaimed((int)((n + pool->chunkLen - 1) / pool->chunkLen));
}

/** Publishes the job set up in the pool as `chunks` chunks, runs chunks here too, waits for all. */
void runClaimed(int chunks) {
  pool->done.store(0, std::memory_order_relaxed);
  const uint64_t gen = (pool->word.load(std::memory_order_relaxed) >> 16) + 1;
  pool->word.store((gen << 16) | (uint64_t(chunks) << 8), std::memory_order_seq_cst);
  if (pool->sleeping.load(std::memory_order_seq_cst)) {
    std::lock_guard<std::mutex> lock(pool->mu);
    pool->cv.notify_one();
  }
  using clock = std::chrono::steady_clock;
  const auto began = clock::now();
  workOnce();
  const auto worked = clock::now();
  while (pool->done.load(std::memory_order_acquire) < chunks) TG_PAUSE();
  noteWait(worked - began, clock::now() - worked);
  pool->inUse.store(false, std::memory_order_release);
}

// ---- Node-API ----

napi_value throwError(napi_env env, const char* code, const std::string& message) {
  napi_throw_range_error(env, code, message.c_str());
  return nullptr;
}

bool getNumber(napi_env env, napi_value v, double* out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return false;
  return napi_get_value_double(env, v, out) == napi_ok;
}

bool getF64(napi_env env, napi_value v, double** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  void* raw = nullptr;
  if (napi_get_typedarray_info(env, v, &type, length, &raw, nullptr, nullptr) != napi_ok) return false;
  if (type != napi_float64_array) return false;
  *data = static_cast<double*>(raw);
  return true;
}

/** [lo, hi) of element indices an r×c operand at `off` with strides (rs, cs) reads. */
void spanOf(double off, double r, double c, double rs, double cs, double* lo, double* hi) {
  *lo = off;
  *hi = off;
  const double dr = (r - 1) * rs, dc = (c - 1) * cs;
  if (dr < 0) *lo += dr;
  else *hi += dr;
  if (dc < 0) *lo += dc;
  else *hi += dc;
  *hi += 1;
}

/** True when none of the n-value ranges starting at these arrays overlaps another (one array twice included). */
bool apart(std::initializer_list<const double*> arrays, size_t n) {
  for (auto i = arrays.begin(); i != arrays.end(); ++i)
    for (auto j = i + 1; j != arrays.end(); ++j)
      if (std::less<const double*>()(*i, *j + n) && std::less<const double*>()(*j, *i + n)) return false;
  return true;
}

/**
 * The threads argument: 0 (choose), 2 (both) or else 1. Compared as a double: casting an out-of-range
 * one to int is undefined behaviour.
 */
int threadsArg(double threads) { return threads == 0 ? 0 : threads == 2 ? 2 : 1; }

bool isIndex(double v) { return std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9007199254740992.0; }

// gemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, accumulate, threads)
napi_value GemmBody(napi_env env, napi_callback_info info) {
  size_t argc = 15;
  napi_value argv[15];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 15) {
    return throwError(env, "ERR_TENSORGRAD_NATIVE", "gemm: expected 15 arguments");
  }
  double num[15] = {0};
  double *a = nullptr, *b = nullptr, *c = nullptr;
  size_t aLen = 0, bLen = 0, cLen = 0;
  const int numeric[] = {0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 14};
  for (int i : numeric) {
    if (!getNumber(env, argv[i], &num[i]) || !isIndex(num[i])) return throwError(env, "ERR_TENSORGRAD_NATIVE", "gemm: argument " + std::to_string(i) + " must be an integer");
  }
  if (!getF64(env, argv[3], &a, &aLen) || !getF64(env, argv[7], &b, &bLen) || !getF64(env, argv[11], &c, &cLen)) {
    return throwError(env, "ERR_TENSORGRAD_NATIVE", "gemm: a, b and c must be Float64Arrays");
  }
  bool accumulate = false;
  if (napi_get_value_bool(env, argv[13], &accumulate) != napi_ok) return throwError(env, "ERR_TENSORGRAD_NATIVE", "gemm: accumulate must be a boolean");
  const double m = num[0], n = num[1], k = num[2];
  // 2^30, not 2^31: the blocked loops count in int and step past their end (i + MC, j + NC, p + KC),
  // so a k near 2^31 (reachable with two stride-0 operands of one element each) overflowed and crashed.
  constexpr double maxDim = 1073741824.0;
  if (m < 0 || n < 0 || k < 0 || m > maxDim || n > maxDim || k > maxDim) return throwError(env, "ERR_TENSORGRAD_NATIVE", "gemm: m, n and k must be in [0, 2^30]");
  if (m == 0 || n == 0) return nullptr;
  // Bounds: every element read or written lies inside its array.
  const double cOff = num[12];
  if (cOff < 0 || cOff + m * n > double(cLen)) return throwError(env, "ERR_TENSORGRAD_NATIVE", "gemm: C [" + std::to_string((long long)m) + ", " + std::to_string((long long)n) + "] does not fit its array");
  if (k == 0) {
    if (!accumulate) std::fill(c + (size_t)cOff, c + (size_t)(cOff + m * n), 0.0);
    return nullptr;
  }
  double aLo, aHi, bLo, bHi;
  spanOf(num[4], m, k, num[5], num[6], &aLo, &aHi);
  spanOf(num[8], k, n, num[9], num[10], &bLo, &bHi);
  if (aLo < 0 || aHi > double(aLen)) return throwError(env, "ERR_TENSORGRAD_NATIVE", "gemm: A [" + std::to_string((long long)m) + ", " + std::to_string((long long)k) + "] reads outside its array");
  if (bLo < 0 || bHi > double(bLen)) return throwError(env, "ERR_TENSORGRAD_NATIVE", "gemm: B [" + std::to_string((long long)k) + ", " + std::to_string((long long)n) + "] reads outside its array");

  tg::Job job{};
  job.m = (int)m;
  job.n = (int)n;
  job.k = (int)k;
  job.A = {a + (ptrdiff_t)num[4], (ptrdiff_t)num[5], (ptrdiff_t)num[6]};
  job.B = {b + (ptrdiff_t)num[8], (ptrdiff_t)num[9], (ptrdiff_t)num[10]};
  job.C = c + (ptrdiff_t)cOff;
  job.ldc = (ptrdiff_t)n;
  job.accumulate = accumulate;
  // An operand that shares memory with C is read from a copy: C is written block by block (and by two
  // threads), so a later block would otherwise read values already overwritten.
  std::vector<double> aCopy, bCopy;
  const char* cLo = reinterpret_cast<const char*>(job.C);
  const char* cHi = reinterpret_cast<const char*>(job.C + (ptrdiff_t)(m * n));
  auto overlaps = [&](const double* base, double lo, double hi) {
    const char* l = reinterpret_cast<const char*>(base + (ptrdiff_t)lo);
    const char* h = reinterpret_cast<const char*>(base + (ptrdiff_t)hi);
    return l < cHi && cLo < h;
  };
  if (overlaps(a, aLo, aHi)) {
    aCopy.assign(a + (ptrdiff_t)aLo, a + (ptrdiff_t)aHi);
    job.A.p = aCopy.data() + (ptrdiff_t)(num[4] - aLo);
  }
  if (overlaps(b, bLo, bHi)) {
    bCopy.assign(b + (ptrdiff_t)bLo, b + (ptrdiff_t)bHi);
    job.B.p = bCopy.data() + (ptrdiff_t)(num[8] - bLo);
  }
  runProduct(job, threadsArg(num[14]));
  return nullptr;
}

// axpy(alpha, x, y, threads) -> true when done; false when x and y overlap without being one array
// (the caller's element-by-element loop then gives the sequential result).
napi_value AxpyBody(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 4) {
    return throwError(env, "ERR_TENSORGRAD_NATIVE", "axpy: expected 4 arguments");
  }
  double alpha = 0, threads = 0;
  double *x = nullptr, *y = nullptr;
  size_t xLen = 0, yLen = 0;
  if (!getNumber(env, argv[0], &alpha)) return throwError(env, "ERR_TENSORGRAD_NATIVE", "axpy: alpha must be a number");
  if (!getF64(env, argv[1], &x, &xLen) || !getF64(env, argv[2], &y, &yLen)) return throwError(env, "ERR_TENSORGRAD_NATIVE", "axpy: x and y must be Float64Arrays");
  if (!getNumber(env, argv[3], &threads)) return throwError(env, "ERR_TENSORGRAD_NATIVE", "axpy: threads must be a number");
  if (xLen < yLen) return throwError(env, "ERR_TENSORGRAD_NATIVE", "axpy: x has " + std::to_string(xLen) + " values, fewer than y's " + std::to_string(yLen));
  napi_value result;
  // One array for both is elementwise and fine; other overlaps need the sequential loop.
  if (x != y && !apart({x, y}, yLen)) {
    napi_get_boolean(env, false, &result);
    return result;
  }
  Update u;
  u.kind = Update::AXPY;
  u.alpha = alpha;
  u.x = x;
  u.y = y;
  runUpdate(u, (ptrdiff_t)yLen, threadsArg(threads));
  napi_get_boolean(env, true, &result);
  return result;
}


/** Reads argument i as a Float64Array of at least n values (n = its own length when n == SIZE_MAX). */
bool arrayArg(napi_env env, napi_value v, size_t* n, double** data, const char* op, const char* name) {
  size_t len = 0;
  if (!getF64(env, v, data, &len)) {
    throwError(env, "ERR_TENSORGRAD_NATIVE", std::string(op) + ": " + name + " must be a Float64Array");
    return false;
  }
  if (*n == SIZE_MAX) *n = len;
  else if (len < *n) {
    throwError(env, "ERR_TENSORGRAD_NATIVE", std::string(op) + ": " + name + " has " + std::to_string(len) + " values, fewer than w's " + std::to_string(*n));
    return false;
  }
  return true;
}

// sgd(w, g, buffer | null, lr, momentum, weightDecay, nesterov, threads) -> true when done; false when
// arrays overlap (the caller's loop then runs).
napi_value SgdBody(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 8) return throwError(env, "ERR_TENSORGRAD_NATIVE", "sgd: expected 8 arguments");
  Update u;
  u.kind = Update::SGD;
  size_t n = SIZE_MAX;
  double* g = nullptr;
  if (!arrayArg(env, argv[0], &n, &u.w, "sgd", "w") || !arrayArg(env, argv[1], &n, &g, "sgd", "g")) return nullptr;
  u.g = g;
  double threads = 0;
  if (!getNumber(env, argv[3], &u.lr) || !getNumber(env, argv[4], &u.momentum) || !getNumber(env, argv[5], &u.weightDecay) || !getNumber(env, argv[7], &threads)) {
    return throwError(env, "ERR_TENSORGRAD_NATIVE", "sgd: lr, momentum, weightDecay and threads must be numbers");
  }
  if (napi_get_value_bool(env, argv[6], &u.nesterov) != napi_ok) return throwError(env, "ERR_TENSORGRAD_NATIVE", "sgd: nesterov must be a boolean");
  if (u.momentum != 0 && !arrayArg(env, argv[2], &n, &u.b, "sgd", "buffer")) return nullptr;
  napi_value result;
  const bool ok = u.momentum != 0 ? apart({u.w, u.g, u.b}, n) : apart({u.w, u.g}, n);
  if (ok) runUpdate(u, (ptrdiff_t)n, threadsArg(threads));
  napi_get_boolean(env, ok, &result);
  return result;
}

// adam(w, g, m, v, weightDecay, beta1, beta2, stepSize, sqrtCorrection2, eps, threads) -> true when
// done; false when arrays overlap (the caller's loop then runs).
napi_value AdamBody(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 11) return throwError(env, "ERR_TENSORGRAD_NATIVE", "adam: expected 11 arguments");
  Update u;
  u.kind = Update::ADAM;
  size_t n = SIZE_MAX;
  double* g = nullptr;
  if (!arrayArg(env, argv[0], &n, &u.w, "adam", "w") || !arrayArg(env, argv[1], &n, &g, "adam", "g") || !arrayArg(env, argv[2], &n, &u.m, "adam", "m") || !arrayArg(env, argv[3], &n, &u.v, "adam", "v")) return nullptr;
  u.g = g;
  double threads = 0;
  double* fields[] = {&u.weightDecay, &u.beta1, &u.beta2, &u.stepSize, &u.sqrtCorrection2, &u.eps, &threads};
  for (int i = 0; i < 7; i++) {
    if (!getNumber(env, argv[4 + i], fields[i])) return throwError(env, "ERR_TENSORGRAD_NATIVE", "adam: the coefficients and threads must be numbers");
  }
  napi_value result;
  const bool ok = apart({u.w, u.g, u.m, u.v}, n);
  if (ok) runUpdate(u, (ptrdiff_t)n, threadsArg(threads));
  napi_get_boolean(env, ok, &result);
  return result;
}

/**
 * A C++ exception must not unwind into Node (the process would abort): an allocation that fails (an
 * operand copied because it overlaps C, a thread's packing buffer) becomes a JavaScript RangeError.
 */
template <napi_value (*body)(napi_env, napi_callback_info)>
napi_value guarded(napi_env env, napi_callback_info info) {
  try {
    return body(env, info);
  } catch (const std::bad_alloc&) {
    return throwError(env, "ERR_TENSORGRAD_NATIVE", "out of memory for the native kernel's buffers");
  } catch (const std::exception& e) {
    return throwError(env, "ERR_TENSORGRAD_NATIVE", std::string("native kernel: ") + e.what());
  }
}

// info() -> { isa, mr, nr, kc, helper }
napi_value Info(napi_env env, napi_callback_info) {
  napi_value out, v;
  napi_create_object(env, &out);
  napi_create_string_utf8(env, isa.name, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, out, "isa", v);
  napi_create_int32(env, isa.mr, &v);
  napi_set_named_property(env, out, "mr", v);
  napi_create_int32(env, isa.nr, &v);
  napi_set_named_property(env, out, "nr", v);
  napi_create_int32(env, tg::KC, &v);
  napi_set_named_property(env, out, "kc", v);
  napi_create_int32(env, tg::ABI, &v);
  napi_set_named_property(env, out, "abi", v);
  napi_create_string_utf8(env, pool->started ? "on" : pool->failed ? "unavailable" : "not started", NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, out, "helper", v);
  napi_create_double(env, threadMinWork.load(), &v);
  napi_set_named_property(env, out, "threadMinWork", v);
  napi_create_double(env, double(soloPeriods.load()), &v);
  napi_set_named_property(env, out, "soloPeriods", v);
  napi_create_int32(env, pool->spinMicros.load(), &v);
  napi_set_named_property(env, out, "spinMicros", v);
  return out;
}

// configure({ threadMinWork?, spinMicros? })
napi_value Configure(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr);
  if (argc < 1) return nullptr;
  napi_value v;
  double x;
  bool has = false;
  if (napi_has_named_property(env, arg, "threadMinWork", &has) == napi_ok && has) {
    napi_get_named_property(env, arg, "threadMinWork", &v);
    if (getNumber(env, v, &x) && x >= 0) threadMinWork.store(x);
  }
  if (napi_has_named_property(env, arg, "spinMicros", &has) == napi_ok && has) {
    napi_get_named_property(env, arg, "spinMicros", &v);
    if (getNumber(env, v, &x) && x >= 0 && x <= 1e6) pool->spinMicros.store((int)x);
  }
  return nullptr;
}

}  // namespace

NAPI_MODULE_INIT() {
  static std::once_flag once;
  std::call_once(once, pickIsa);
  if (!haveIsa) {
    const char* forced = std::getenv("TENSORGRAD_NATIVE_ISA");
    const std::string message = forced != nullptr && *forced != '\0'
      ? std::string("TENSORGRAD_NATIVE_ISA=") + forced + " is not an instruction set this processor has (avx512, avx2)"
      : std::string("the native kernel needs AVX2 and FMA or AVX-512");
    napi_throw_error(env, "ERR_TENSORGRAD_NATIVE_ISA", message.c_str());
    return nullptr;
  }
  napi_value fn;
  napi_create_function(env, "gemm", NAPI_AUTO_LENGTH, guarded<GemmBody>, nullptr, &fn);
  napi_set_named_property(env, exports, "gemm", fn);
  napi_create_function(env, "axpy", NAPI_AUTO_LENGTH, guarded<AxpyBody>, nullptr, &fn);
  napi_set_named_property(env, exports, "axpy", fn);
  napi_create_function(env, "sgd", NAPI_AUTO_LENGTH, guarded<SgdBody>, nullptr, &fn);
  napi_set_named_property(env, exports, "sgd", fn);
  napi_create_function(env, "adam", NAPI_AUTO_LENGTH, guarded<AdamBody>, nullptr, &fn);
  napi_set_named_property(env, exports, "adam", fn);
  napi_create_function(env, "info", NAPI_AUTO_LENGTH, Info, nullptr, &fn);
  napi_set_named_property(env, exports, "info", fn);
  napi_create_function(env, "configure", NAPI_AUTO_LENGTH, Configure, nullptr, &fn);
  napi_set_named_property(env, exports, "configure", fn);
  return exports;
}
