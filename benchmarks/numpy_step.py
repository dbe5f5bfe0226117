"""NumPy peer of the tensorgrad training step: float64, hand-written backward, one thread.

Run by benchmarks/src/numpy-peer.ts as a child process with OMP_NUM_THREADS=1 (and the BLAS thread
variables) set before NumPy loads; once in the machine's environment and once without OPENBLAS_CORETYPE
and OPENBLAS_L2_SIZE, which decide the OpenBLAS kernel this child runs (reported with the timings). Reads a JSON request on argv[1]:
  {"configs": [{"shape": [N, D, H, C], "data": path}, ...], "maxTime": seconds, "minSamples": n, "lr": float}
where each data file holds float64 values: x [N, D], labels [N], w1 [H, D], w2 [C, H] (the minibatch and
initial weights the other engines use). Prints one JSON object with the timings, the first-step losses
and which BLAS runs.
"""

import ctypes
import json
import math
import os
import statistics
import sys
import time

import numpy as np


def blas_info():
    """Which BLAS NumPy uses, its OpenBLAS core and thread count: from threadpoolctl when it is importable,
    else asked from the OpenBLAS library itself (found in /proc/self/maps, called with ctypes)."""
    info = {"numpy": np.__version__, "probe": "ctypes"}
    # What this process saw of the variables OpenBLAS reads at load time.
    info["env"] = {name: os.environ[name] for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if name in os.environ}
    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None
    if threadpoolctl is not None:
        for lib in threadpoolctl.threadpool_info():
            if lib.get("user_api") != "blas":
                continue
            info["probe"] = f"threadpoolctl {threadpoolctl.__version__}"
            info["library"] = os.path.basename(lib.get("filepath", "")) or lib.get("internal_api", "BLAS")
            if lib.get("internal_api") == "openblas":
                info["corename"] = lib.get("architecture")
                info["threads"] = lib.get("num_threads")
            return info
    libs = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "openblas" in os.path.basename(path).lower() and path not in libs:
                    libs.append(path)
    except OSError:
        pass
    for path in libs:
        lib = ctypes.CDLL(path)
        info["library"] = os.path.basename(path)
        for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""), ("openblas", "")):
            try:
                corename = getattr(lib, f"{prefix}_get_corename{suffix}")
                threads = getattr(lib, f"{prefix}_get_num_threads{suffix}")
                config = getattr(lib, f"{prefix}_get_config{suffix}")
            except AttributeError:
                continue
            corename.restype = ctypes.c_char_p
            config.restype = ctypes.c_char_p
            info["corename"] = corename().decode()
            info["threads"] = threads()
            info["config"] = config().decode()
            break
        break
    return info


def make_step(n, d, h, c, lr, path):
    values = np.fromfile(path, dtype=np.float64)
    sizes = np.cumsum([n * d, n, h * d, c * h])
    assert sizes[-1] == values.size, f"{path}: {values.size} values, expected {sizes[-1]}"
    x = values[: sizes[0]].reshape(n, d)
    y = values[sizes[0] : sizes[1]].astype(np.intp)
    # The shared weights are [out, in]; NumPy's natural layout for x @ w is [in, out] (contiguous copies).
    w1 = np.ascontiguousarray(values[sizes[1] : sizes[2]].reshape(h, d).T)
    w2 = np.ascontiguousarray(values[sizes[2] :].reshape(c, h).T)
    b1 = np.zeros(h)
    b2 = np.zeros(c)
    rows = np.arange(n)

    def step():
        nonlocal w1, b1, w2, b2  # updated in place below (`-=` on an ndarray writes into it)
        # forward
        hidden_in = x @ w1 + b1
        hidden = np.maximum(hidden_in, 0)
        scores = hidden @ w2 + b2
        scores -= scores.max(axis=1, keepdims=True)
        p = np.exp(scores)
        p /= p.sum(axis=1, keepdims=True)
        loss = -np.log(p[rows, y]).mean()
        # backward: d loss / d scores = (softmax - onehot) / n; relu passes the gradient where its input > 0
        dscores = p
        dscores[rows, y] -= 1
        dscores /= n
        dw2 = hidden.T @ dscores
        db2 = dscores.sum(axis=0)
        dhidden = dscores @ w2.T
        dhidden[hidden_in <= 0] = 0
        dw1 = x.T @ dhidden
        db1 = dhidden.sum(axis=0)
        # SGD, in place
        w1 -= lr * dw1
        b1 -= lr * db1
        w2 -= lr * dw2
        b2 -= lr * db2
        return loss

    return step


def time_step(step, max_time, min_samples):
    first_loss = float(step())  # also the warm-up
    samples = []
    start = time.perf_counter()
    while len(samples) < min_samples or time.perf_counter() - start < max_time:
        t = time.perf_counter()
        step()
        samples.append(time.perf_counter() - t)
    mean = statistics.fmean(samples)
    sem = statistics.stdev(samples) / math.sqrt(len(samples)) if len(samples) > 1 else 0.0
    return {
        "mean": mean,
        "median": statistics.median(samples),
        # benchmark.js's relative margin of error: 95% half-width (normal approximation) over the mean
        "rme": 100 * 1.96 * sem / mean,
        "samples": len(samples),
        "firstLoss": first_loss,
    }


def main():
    request = json.loads(sys.argv[1])
    results = []
    for config in request["configs"]:
        n, d, h, c = config["shape"]
        step = make_step(n, d, h, c, request["lr"], config["data"])
        results.append({"config": [n, d, h, c], **time_step(step, request["maxTime"], request["minSamples"])})
    print(json.dumps({"blas": blas_info(), "results": results}))


if __name__ == "__main__":
    main()
