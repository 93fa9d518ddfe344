#!/usr/bin/env python3
"""peer.py - the mcbench peer adapter: runs mcbench's workloads on a peer
framework (MLX or PyTorch, on the CPU or on a CUDA GPU) for
src/backend/backend_peer.c.

Started once per peer and device as `python3 peer.py --peer mlx|torch
[--device cpu|cuda]` and kept running; it speaks one JSON object per line on
stdin/stdout:

  {"op":"hello"}    -> {"ok":true,"peer":"mlx","version":...,"python":...,
                        "numpy":...,"threads":N|null,"thread_settings":{...},
                        "device":"cpu","device_name":...,"precision":"fp32",
                        "device_clock":false,"kernels":[...],
                        "variants":{"rope":["fp16"],...},
                        "devices":[{"device":"cuda","name":"NVIDIA H200"}]}
                       ("variants": per kernel, the variants this instance
                       offers besides the default fp32 one, ""; absent or
                       empty: none.
                       ("devices": the other devices this framework sees
                       "fp16": the kernels of peer_infer.FP16_KERNELS, on
                       a device other than the CPU, or on the CPU too with
                       the test hook MCBENCH_PEER_FP16_ON_CPU=1;
                       "devices": the other devices this framework sees
                       here, each run by its own process with --device;
                       thread_settings["bert"]: the versions of the packages
                       the embedding kernels use, sentence-transformers,
                       transformers, tokenizers..., and the model directory,
                       recorded with the device row as all of thread_settings)
  {"op":"prepare","kernel":K,"params":{...},"variant":""|"fp16",
   "inputs":[{"name":"x","len":N,"shape":[...],"path":P},...],
   "output_len":M,"output_shape":[...]}
                    -> {"ok":true,"shapes":{"x":[...],...,"output":[...]}}
                       (an output of several results laid end to end, e.g.
                       [dA | dB], is "output":[total] plus "output_parts")
  {"op":"run","n":N[,"device":true][,"noise":true]}
                    -> {"ok":true,"ns":T[,"device_ns":D][,"nvcsw":V,"nivcsw":I]
                        [,"sm_clock_mhz":C]}  (T: perf_counter_ns
                       around the loop and the wait for the device; D, asked
                       for with "device":true (the samples, not calibration
                       or warm-up) of an instance whose hello said
                       "device_clock":true, the GPU's busy time over a second
                       pass of N iterations: the sum of the durations of every
                       kernel, copy and fill the device ran, as CUPTI records
                       them, read through torch.profiler; see CudaBusy.
                       With "noise":true (the samples), V and I: this
                       process's voluntary and involuntary context switches
                       over the call (resource.getrusage), and on a CUDA
                       device whose SM clock NVML reports, C: the mean of
                       the readings before and after the call; see SmClock
                       (and, where the adapter can measure them: "peak_rss",
                       the resident high-water mark of this process since the
                       prepare, and "device_bytes", the device's peak
                       allocation since the prepare, on a GPU; the prepare
                       reply carries "base_rss": this process's resident
                       bytes at the reset before loading the inputs))
  {"op":"output","path":P} -> {"ok":true}  (last output written as float32 LE)
  {"op":"roofline"} -> {"ok":true,"gflops":G,"gbps":B}  (a device other than
                       the CPU: the best of several fp32 GEMMs of 8192^3,
                       TF32 off, and of triads over 2^28 floats, 12 bytes
                       each, through the framework on random data)
  {"op":"release"}  -> {"ok":true}
  {"op":"quit"}     -> {"ok":true}, then exit
  any failure       -> {"ok":false,"error":"..."}; "unsupported kernel: ..."
                       when the kernel is not in the table, "unsupported
                       variant: ..." when it has no such variant here, and
                       "unavailable":true when the framework cannot be imported.

The inputs are mcbench's own seeded buffers, read from the files mcbench
wrote; they are never regenerated here. The shapes reported are the shapes
actually built, and mcbench checks them against the workload. Each timed
iteration computes the whole workload with the framework's idiomatic ops and
forces its evaluation (MLX is lazy: mx.eval on every iteration's output, not
once after the loop); on a GPU the loop ends when the device has finished
(mx.eval waits for the GPU; torch.cuda.synchronize after the loop, as
OpenCL's clFinish). mcbench validates the output before and after timing.

Precision: the workloads are fp32. On CUDA both frameworks may multiply fp32
matrices on TF32 tensor cores (10-bit mantissa): torch when allow_tf32 is on,
MLX by default (MLX_ENABLE_TF32). The adapter turns both off before any work
(torch.backends.*.allow_tf32 = False, float32_matmul_precision "highest";
MLX_ENABLE_TF32=0 before mlx is imported) and reports what is set in
thread_settings["precision"] and "precision": "fp32".

The variant "fp16" (the kernels of peer_infer.FP16_KERNELS) runs the same
builds in half precision: prepare casts every input except the token ids
(peer_infer.INDEX_INPUTS) to float16 on the device once (torch.float16,
mlx.core.float16), so the framework's own ops (addmm, SDPA, rope, rms_norm)
run in fp16 as an fp16 model's would; the output goes back as float32 for
validation, outside the timed loop. The tolerance it is held to is the
kernel spec's (src/lib/workload_decoder.c, workload_decode.c).

The inference kernels (sampling ...) are in peer_infer.py beside this file,
the sentence-embedding ones (wordpiece, bert_encode, embed) in peer_bert.py.

The names, order and shapes of the inputs come in the request, from the
workload's plan (src/lib/workload.c, src/lib/workload_train.c); each
framework has one build function per kernel (its BUILDS table), which must
compute what kernels/ref computes, with its output laid out as the spec
says. The
training kernels use autograd (mx.grad / torch.autograd) and the frameworks'
own AdamW (MLX with bias_correction=True, which MLX leaves off by default);
since a step from the given state is the workload, every torch iteration
first restores the state that optimizer.step() updates in place.
"""
import gc
import importlib
import json
import os
import platform
import re
import resource
import sys
import time

import peer_bert   # first: it sets the Hugging Face libraries offline
import peer_infer
from peer_mem import rss_reset, status_bytes

NORM_EPS = 1e-5          # REF_NORM_EPS
ADAMW = dict(lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)

THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
              "OPENBLAS_CORETYPE", "GOTO_NUM_THREADS", "OMP_PROC_BIND",
              "OMP_PLACES",
              # HF tokenizers' batch encoding runs on a rayon pool
              "TOKENIZERS_PARALLELISM", "RAYON_NUM_THREADS")


FP16 = "fp16"            # the half-precision variant (WORKLOAD_FP16)


class Unavailable(Exception):
    """The framework (or numpy) cannot be imported: the peer is skipped."""


class Unsupported(Exception):
    """The kernel is not in the table of this peer."""


def lora_alpha_over_rank(p):
    alpha = 2 * p["rank"]
    return alpha / p["rank"]


def same(f):
    """For MLX's build: the output is also all there is to evaluate."""
    def g():
        y = f()
        return y, y
    return g


def lora_classes(np, targets, out):
    """Class of each token: min(out - 1, floor((t + 1) * 0.5 * out)) in
    double (ref_lora_class). Integer labels are data, not work: a training
    loop receives them ready, so they are made once, here."""
    c = np.floor((targets.astype(np.float64) + 1.0) * 0.5 * out)
    return np.minimum(c, out - 1).astype(np.int64)


def loaded_libraries():
    """BLAS / LAPACK / OpenMP / MKL libraries mapped into this process, as
    "directory/file" so the package that brought each one shows (e.g.
    mlx_cpu.libs/libblas...: MLX's own BLAS; numpy.libs/...: numpy's)."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                name = os.path.basename(path)
                if re.search(r"blas|lapack|mkl|omp|dnnl", name):
                    libs.add(os.path.join(os.path.basename(os.path.dirname(path)),
                                          name))
    except OSError:
        pass
    return sorted(libs)


def one_line(msg, limit=300):
    """msg on one line (it becomes a note or a result message), shortened
    in the middle: numpy's import errors run to 30 lines and end with the
    cause."""
    msg = " ".join(msg.split())
    if len(msg) > limit:
        msg = msg[:limit // 2 - 3] + " ... " + msg[-(limit // 2 - 2):]
    return msg


def import_or_skip(name):
    try:
        return importlib.import_module(name)
    except Exception as e:  # ImportError, or a broken binary wheel
        raise Unavailable(f"python package {name.split('.')[0]} not importable "
                          f"({one_line(str(e) or type(e).__name__)})")


class Peer:
    """What every peer shares: reading inputs, the prepared callable."""
    name = ""
    DEVICES = ("cpu",)

    def __init__(self, device="cpu"):
        if device not in self.DEVICES:
            raise Unavailable(f"{self.name} has no device {device!r} in this adapter")
        self.device = device
        self.np = import_or_skip("numpy")
        self.fn = None
        self.last = None
        self.arrays = None
        self.sm_clock = None   # SmClock on a CUDA device that has one
        self.base_rss = None

    # kernel name -> build(self, p, t): p the parameters, t the inputs as
    # framework arrays in the spec's order; returns the prepared callable
    BUILDS = {}

    def kernels(self):
        # the embedding kernels need packages of their own
        # (sentence-transformers, tokenizers): without them, not offered
        return sorted(set(self.BUILDS) -
                      peer_bert.unavailable(self.name, self.device))

    def variants(self):
        """kernel -> the variants offered besides fp32: "fp16" on a device
        other than the CPU (PyTorch's CPU fp16 matmul is a slow fallback,
        not what anyone runs; the issue asks for the GPU backends), and on
        the CPU only under the test hook MCBENCH_PEER_FP16_ON_CPU=1, which
        lets the path be tested on a machine without a GPU."""
        if (self.device == "cpu" and
                os.environ.get("MCBENCH_PEER_FP16_ON_CPU") != "1"):
            return {}
        return {k: [FP16] for k in self.kernels() if k in peer_infer.FP16_KERNELS}

    def hello(self):
        np = self.np
        settings = self.thread_settings()
        settings["precision"] = self.precision_settings()
        if self.variants():
            settings["precision"]["fp16"] = ("variant fp16: float inputs cast "
                                             "to float16 on the device, ops in fp16")
        # the packages and model the embedding kernels use (recorded with
        # the device row, as every setting here)
        settings["bert"] = peer_bert.settings(self.name)
        return {"ok": True, "peer": self.name, "version": self.version(),
                "python": platform.python_version(), "numpy": np.__version__,
                "threads": self.threads(),
                "thread_settings": settings,
                "device": self.device, "device_name": self.device_name(),
                "precision": "fp32", "device_clock": self.device_clock(),
                "devices": self.other_devices() if self.device == "cpu" else [],
                "device_facts": self.device_facts(),
                "kernels": self.kernels(), "variants": self.variants()}

    def device_facts(self):
        """compute_units and global_mem of a device other than the CPU,
        where the framework says."""
        return {}

    def device_clock(self):
        return False

    # The device's roofline through the framework: no FMA loop can be
    # written in these frameworks, so the FLOP/s ceiling is their own fp32
    # GEMM at a size that fills the chip (a lower bound of the FMA peak,
    # which the plausibility check may then hold against the peer's own
    # GEMM at 110%), and the bandwidth that of a triad beyond any cache.
    ROOF_N = 8192
    ROOF_TRIAD = 1 << 28
    ROOF_REPS = 8

    def roofline(self):
        if self.device == "cpu":
            raise ValueError("roofline: the CPU instance uses mcbench's own "
                             "CPU probes")
        n, m = self.ROOF_N, self.ROOF_TRIAD
        gemm = self.best_ns(*self.roof_gemm(n))
        triad = self.best_ns(*self.roof_triad(m))
        return {"ok": True, "gflops": 2.0 * n * n * n / gemm,
                "gbps": 12.0 * m / triad}

    def best_ns(self, fn, done):
        fn()
        done()
        best = None
        for _ in range(self.ROOF_REPS):
            t0 = time.perf_counter_ns()
            fn()
            done()
            t = time.perf_counter_ns() - t0
            best = t if best is None or t < best else best
        return float(max(best, 1))

    def precision_settings(self):
        return {}

    def device_name(self):
        return "cpu"

    def other_devices(self):
        """The non-CPU devices this framework can use here, each
        {"device": ..., "name": ...}; an error seeing them is no device."""
        return []

    def env_settings(self):
        return {k: os.environ.get(k) for k in THREAD_ENV}

    def prepare(self, req):
        np = self.np
        kernel = req["kernel"]
        if kernel not in self.kernels():
            raise Unsupported(f"unsupported kernel: {self.name} has no {kernel}")
        variant = req.get("variant") or ""
        if variant and variant not in self.variants().get(kernel, ()):
            raise Unsupported(f"unsupported variant: {kernel} has no variant "
                              f"{variant!r} on {self.name} ({self.device})")
        p = req["params"]
        inputs = req["inputs"]
        self.release()
        # the memory of this workload: what the process holds from here on
        gc.collect()
        # What survives a full collection here (the framework's modules,
        # the adapter, caches: under torch, nearly two hundred thousand
        # objects) lives as long as the process, so it is frozen out of
        # every later collection. Without this each full collection walks
        # all of it: tens of ms a prepare under torch on the 2-core VM,
        # and Python's own gen-2 collections of the same cost firing
        # inside timed loops (perf found the collector the largest single
        # cost of a --quick run, ahead of any kernel). The workload's own
        # garbage, created after this, is still collected.
        gc.freeze()
        self.reset_device_peak()
        self.base_rss = rss_reset()
        arrays = []
        for spec in inputs:
            a = np.fromfile(spec["path"], dtype="<f4")
            if a.size != spec["len"]:
                raise ValueError(f"{spec['path']} holds {a.size} floats, "
                                 f"expected {spec['len']}")
            arrays.append(a.astype(np.float32, copy=False)
                          .reshape([int(d) for d in spec["shape"]]))
        self.arrays = arrays
        tensors = self.to_framework(arrays)
        if variant == FP16:
            tensors = self.to_half(tensors, [spec["name"] for spec in inputs])
        self.fn = self.BUILDS[kernel](self, p, tensors)
        shapes = {spec["name"]: [int(d) for d in t.shape]
                  for spec, t in zip(inputs, tensors)}
        parts = [[int(d) for d in shape] for shape in self.output_shapes()]
        if len(parts) == 1:
            shapes["output"] = parts[0]
        else:
            # several results laid end to end, as the workload defines
            total = sum(int(np.prod(sh)) for sh in parts)
            shapes["output"] = [total]
            shapes["output_parts"] = parts
        self.last = None
        reply = {"ok": True, "shapes": shapes}
        if self.base_rss is not None:
            reply["base_rss"] = self.base_rss
        return reply

    def memory(self):
        """The run reply's memory members: the resident high-water mark
        since prepare (where it was reset), the device's peak allocation
        (a GPU)."""
        out = {}
        peak = status_bytes("VmHWM") if self.base_rss is not None else None
        if peak is not None:
            out["peak_rss"] = peak
        dev = self.device_peak() if self.device != "cpu" else None
        if dev:
            out["device_bytes"] = int(dev)
        return out

    def reset_device_peak(self):
        pass

    def device_peak(self):
        return None

    def output(self, req):
        np = self.np
        if self.last is None:
            raise ValueError("no output: run has not been called since prepare")
        parts = self.last if isinstance(self.last, tuple) else (self.last,)
        flat = [np.ascontiguousarray(self.to_numpy(a), dtype="<f4").ravel()
                for a in parts]
        np.concatenate(flat).tofile(req["path"])
        return {"ok": True}

    def release(self):
        self.fn = None
        self.last = None
        self.arrays = None

    def classes(self, p):
        """The LoRA training kernels' classes of the targets (input 4)."""
        return lora_classes(self.np, self.arrays[4], p["out"])


class CudaBusy:
    """The device clock of a CUDA peer: the GPU's busy time over n
    iterations, the sum of the durations of the kernels, copies and fills
    it ran (CUPTI's activity records, through torch.profiler), whoever
    launched them; so it works for MLX too, in a process that can import
    torch. It is taken over a pass of its own, after the timed wall-clock
    pass, since recording costs the host time.

    Why not CUDA events around the loop: a loop of small kernels is bound
    by the host's launches, so events around it measure the host (on the
    H200 they read the same as the wall clock for the skinny matmuls, and
    jumped between two levels from round to round), not the device; OpenCL's profiling events (an iteration's first kernel start
    to its last kernel end) exclude those gaps too. Every kernel name is
    kept, so a TF32 tensor-core kernel in an fp32 workload is caught."""

    # cuBLAS/CUTLASS names of TF32 tensor-core GEMMs: s1688 is the fp32-in,
    # TF32-multiply tensor-op shape (seen on the H200 from MLX with TF32 on:
    # cutlass_80_tensorop_s1688gemm_64x64_16x6_nn_align4); "tf32" where the
    # name says so, except 3xTF32, which emulates fp32 accuracy
    TF32 = re.compile(r"(?<!3x)tf32|s1688gemm")

    def __init__(self):
        self.torch = importlib.import_module("torch")
        from torch.profiler import ProfilerActivity, profile
        self.profile, self.activity = profile, ProfilerActivity.CUDA
        self.torch.zeros(1, device="cuda")   # its context before any record

    def busy_ns(self, loop):
        with self.profile(activities=[self.activity]) as prof:
            loop()
        total, tf32 = 0, None
        for e in prof.profiler.kineto_results.events():
            if e.device_type().name != "CUDA":
                continue
            total += e.duration_ns()
            if tf32 is None and self.TF32.search(e.name()):
                tf32 = e.name()
        if tf32 is not None:
            raise ValueError("a TF32 tensor-core kernel ran in an fp32 "
                             f"workload: {one_line(tf32, 120)}")
        if total <= 0:
            raise ValueError("the profiler recorded no GPU activity")
        return float(total)


def cuda_busy_or_none():
    """CudaBusy, or None (with the reason on stderr) where torch or its
    profiler is not there: the instance then has the wall clock alone."""
    try:
        return CudaBusy()
    except Exception as e:
        sys.stderr.write(f"peer: no device clock ({one_line(str(e), 200)})\n")
        return None


class SmClock:
    """The SM clock of CUDA device 0 in MHz, from torch.cuda.clock_rate
    (NVML's current SM clock, through pynvml; NVML itself averages it over
    its own sample period of 1/6 s to 1 s, so a short call sees the clock of
    the moments before it as well). Where torch or pynvml is missing the
    clock is unknown, never guessed. (OpenCL's CL_DEVICE_MAX_CLOCK_FREQUENCY
    is the maximum, not the current clock; mcbench's OpenCL backend asks
    NVML itself, src/backend/ocl_nvml.c.)"""

    def __init__(self):
        self.torch = importlib.import_module("torch")
        self.read()   # pynvml missing or no NVML: raises here, once

    def read(self):
        mhz = self.torch.cuda.clock_rate(0)
        return float(mhz) if mhz and mhz > 0 else None


def sm_clock_or_none():
    """SmClock, or None (with the reason on stderr)."""
    try:
        return SmClock()
    except Exception as e:
        sys.stderr.write(f"peer: no SM clock ({one_line(str(e), 200)})\n")
        return None


def usage_and_clock(peer):
    """The context switches so far and the SM clock now (None unknown)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    clock = None
    if peer.sm_clock is not None:
        try:
            clock = peer.sm_clock.read()
        except Exception:
            clock = None
    return ru.ru_nvcsw, ru.ru_nivcsw, clock


def noise_between(before, after):
    """The reply members of what happened between two usage_and_clock()."""
    out = {"nvcsw": after[0] - before[0], "nivcsw": after[1] - before[1]}
    if before[2] is not None and after[2] is not None:
        out["sm_clock_mhz"] = (before[2] + after[2]) / 2
    return out


class MLX(Peer):
    """MLX: lazy. Every iteration builds the graph and mx.eval()s what a
    user's loop would evaluate (the output, and for training the optimizer
    state and the loss), inside the timed loop."""
    name = "mlx"
    DEVICES = ("cpu", "cuda")

    def __init__(self, device="cpu"):
        # MLX multiplies fp32 matrices on TF32 tensor cores unless this is
        # 0 when mlx loads; the workloads are fp32
        os.environ["MLX_ENABLE_TF32"] = "0"
        super().__init__(device)
        self.mx = import_or_skip("mlx.core")
        self.nn = import_or_skip("mlx.nn")
        self.optim = import_or_skip("mlx.optimizers")
        if device == "cuda":
            if not self.has_cuda():
                raise Unavailable("mlx sees no CUDA device (mlx-cuda not "
                                  "installed, or no GPU)")
            self.mx.set_default_device(self.mx.gpu)
            self.busy = cuda_busy_or_none()
            self.sm_clock = sm_clock_or_none()   # through torch, as CudaBusy
        else:
            self.mx.set_default_device(self.mx.cpu)
            self.busy = None

    def reset_device_peak(self):
        if self.device != "cpu":
            self.mx.reset_peak_memory()

    def device_peak(self):
        return self.mx.get_peak_memory()

    def has_cuda(self):
        mx = self.mx
        try:
            return bool(mx.cuda.is_available()) and bool(mx.is_available(mx.gpu))
        except Exception:
            return False

    def device_name(self):
        if self.device == "cpu":
            return "cpu"
        try:
            return str(self.mx.device_info(self.mx.gpu).get("device_name") or "GPU")
        except Exception:
            return "GPU"

    def device_facts(self):
        if self.device == "cpu":
            return {}
        try:
            info = self.mx.device_info(self.mx.gpu)
        except Exception:
            return {}
        f = {"vendor": "NVIDIA"}   # mlx's GPU backend on Linux is CUDA
        if isinstance(info.get("memory_size"), int):
            f["global_mem"] = info["memory_size"]
        return f

    def other_devices(self):
        if not self.has_cuda():
            return []
        try:
            name = str(self.mx.device_info(self.mx.gpu).get("device_name") or "GPU")
        except Exception:
            name = "GPU"
        return [{"device": "cuda", "name": name}]

    def roof_gemm(self, n):
        mx = self.mx
        a = mx.random.normal((n, n))
        b = mx.random.normal((n, n))
        mx.eval(a, b)
        box = []
        return (lambda: box.append(a @ b)), (lambda: (mx.eval(box[-1]), box.clear()))

    def roof_triad(self, m):
        mx = self.mx
        b = mx.random.uniform(shape=(m,))
        c = mx.random.uniform(shape=(m,))
        mx.eval(b, c)
        box = []
        return (lambda: box.append(b + 3.0 * c)), (lambda: (mx.eval(box[-1]), box.clear()))

    def precision_settings(self):
        return {"MLX_ENABLE_TF32": os.environ.get("MLX_ENABLE_TF32"),
                "matmul": "fp32" if os.environ.get("MLX_ENABLE_TF32") == "0"
                          else "tf32 where the device has it"}

    def version(self):
        return self.mx.__version__

    def threads(self):
        return None   # MLX exposes no CPU thread setting

    def thread_settings(self):
        s = {"mlx": "no CPU thread setting is exposed by mlx",
             "default_device": str(self.mx.default_device()),
             "device": self.device,
             "loaded_libraries": loaded_libraries(),
             "env": self.env_settings()}
        try:
            s["device_info"] = {k: str(v) for k, v in self.mx.device_info(
                self.mx.default_device()).items()}
        except Exception:
            pass
        return s

    def to_framework(self, arrays):
        mx = self.mx
        ts = [mx.array(a) for a in arrays]
        mx.eval(*ts)   # the copy is not part of any iteration
        return ts

    def to_half(self, ts, names):
        mx = self.mx
        hs = [t if n in peer_infer.INDEX_INPUTS else t.astype(mx.float16)
              for t, n in zip(ts, names)]
        mx.eval(*hs)   # cast once, on the device, before any iteration
        return hs

    def adamw(self):
        a = ADAMW
        # bias_correction defaults to False in MLX; the workload's AdamW
        # (and PyTorch's) corrects the bias
        return self.optim.AdamW(learning_rate=a["lr"], betas=list(a["betas"]),
                                eps=a["eps"], weight_decay=a["weight_decay"],
                                bias_correction=True)

    def lora_loss(self, p, x, w, classes):
        mx, nn = self.mx, self.nn
        s = lora_alpha_over_rank(p)

        def loss(params):
            y = x @ w + s * ((x @ params["A"]) @ params["B"])
            return mx.mean(nn.losses.cross_entropy(y, classes))
        return loss

    # Each build returns fn() -> (what to evaluate, the output: one array
    # or a tuple).
    def softmax(self, p, t):
        x, = t
        return same(lambda: self.mx.softmax(x, axis=-1))

    def layernorm(self, p, t):
        x, g, b = t
        return same(lambda: self.mx.fast.layer_norm(x, g, b, NORM_EPS))

    def rmsnorm(self, p, t):
        x, g = t
        return same(lambda: self.mx.fast.rms_norm(x, g, NORM_EPS))

    def sgemm(self, p, t):
        a, b = t
        return same(lambda: a @ b)

    def lora_forward(self, p, t):
        x, w, a, b = t
        s = lora_alpha_over_rank(p)
        return same(lambda: x @ w + (x @ a) @ b * s)

    def lora_backward(self, p, t):
        x, w, a, b, _ = t
        params = {"A": a, "B": b}
        grad = self.mx.grad(self.lora_loss(p, x, w, self.mx.array(self.classes(p))))

        def backward():
            g = grad(params)
            return g, (g["A"], g["B"])
        return backward

    def training_step(self, p, t):
        x, w, a, b, _ = t
        params = {"A": a, "B": b}
        value_and_grad = self.mx.value_and_grad(
            self.lora_loss(p, x, w, self.mx.array(self.classes(p))))

        def step():
            opt = self.adamw()   # a fresh optimizer: m = v = 0, t = 1
            loss, g = value_and_grad(params)
            new = opt.apply_gradients(g, params)
            return (loss, new, opt.state), (new["A"], new["B"])
        return step

    def adamw_step(self, p, t):
        mx = self.mx
        param, grad, m, v_seed = t

        def step():
            opt = self.adamw()
            opt.init({"p": param})
            opt.state["p"]["m"] = m
            opt.state["p"]["v"] = mx.square(v_seed)
            new = opt.apply_gradients({"p": grad}, {"p": param})
            st = opt.state["p"]
            return (new, opt.state), (new["p"], st["m"], st["v"])
        return step

    BUILDS = {
        "softmax": softmax,
        "layernorm": layernorm,
        "rmsnorm": rmsnorm,
        "sgemm": sgemm,
        "lora_forward": lora_forward,
        "lora_backward": lora_backward,
        "training_step": training_step,
        "adamw_step": adamw_step,
        "triad": lambda self, p, t: same(lambda: t[0] + 3.0 * t[1]),
        **peer_infer.MLX_BUILDS,
        **peer_bert.MLX_BUILDS,
        # the launch floor: one element-wise add, the cheapest op MLX
        # evaluates on the device (a 1-element array in the suite)
        "empty": lambda self, p, t: same(lambda: t[0] + 1.0),
    }

    def output_shapes(self):
        _, out = self.fn()   # lazy: the graph's shapes, nothing computed
        return [o.shape for o in (out if isinstance(out, tuple) else (out,))]

    def device_clock(self):
        return self.busy is not None

    def run(self, n, device=False):
        mx, fn = self.mx, self.fn
        out = None

        def loop():
            nonlocal out
            for _ in range(n):
                todo, out = fn()
                mx.eval(todo)   # every iteration, inside the timed region
        t0 = time.perf_counter_ns()
        loop()
        t1 = time.perf_counter_ns()
        self.last = out
        if self.busy is None or not device:
            return t1 - t0
        return t1 - t0, self.busy.busy_ns(loop)

    def to_numpy(self, out):
        return self.np.asarray(out, dtype=self.np.float32)


class Torch(Peer):
    """PyTorch: eager on the CPU, so an op has finished when it returns.
    Inference kernels run under torch.no_grad(); the training kernels use
    autograd and torch.optim.AdamW as a training loop does."""
    name = "torch"
    DEVICES = ("cpu", "cuda")

    def __init__(self, device="cpu"):
        super().__init__(device)
        self.torch = import_or_skip("torch")
        self.F = self.torch.nn.functional
        self.grad_enabled = False
        torch = self.torch
        if device == "cuda":
            if not self.has_cuda():
                raise Unavailable("torch sees no CUDA device "
                                  "(torch.cuda.is_available() is False)")
            # fp32 work in fp32: no TF32 tensor cores for matmul or cuDNN
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
            torch.set_float32_matmul_precision("highest")
            self.dev = torch.device("cuda", 0)
            self.busy = cuda_busy_or_none()
            self.sm_clock = sm_clock_or_none()
        else:
            self.dev = torch.device("cpu")
            self.busy = None

    def reset_device_peak(self):
        if self.device != "cpu":
            self.torch.cuda.reset_peak_memory_stats()

    def device_peak(self):
        return self.torch.cuda.max_memory_allocated()

    def has_cuda(self):
        try:
            return bool(self.torch.cuda.is_available())
        except Exception:
            return False

    def device_name(self):
        if self.device == "cpu":
            return "cpu"
        return self.torch.cuda.get_device_name(0)

    def other_devices(self):
        if not self.has_cuda():
            return []
        try:
            return [{"device": "cuda", "name": self.torch.cuda.get_device_name(0)}]
        except Exception:
            return []

    def device_clock(self):
        return self.busy is not None

    def device_facts(self):
        if self.device == "cpu":
            return {}
        pr = self.torch.cuda.get_device_properties(0)
        return {"vendor": "NVIDIA", "compute_units": pr.multi_processor_count,
                "global_mem": pr.total_memory,
                "capability": f"{pr.major}.{pr.minor}"}

    def roof_gemm(self, n):
        torch = self.torch
        g = torch.Generator(device=self.dev).manual_seed(1)
        a = torch.randn(n, n, device=self.dev, generator=g)
        b = torch.randn(n, n, device=self.dev, generator=g)
        c = torch.empty(n, n, device=self.dev)
        return (lambda: torch.matmul(a, b, out=c)), torch.cuda.synchronize

    def roof_triad(self, m):
        torch = self.torch
        g = torch.Generator(device=self.dev).manual_seed(2)
        b = torch.rand(m, device=self.dev, generator=g)
        c = torch.rand(m, device=self.dev, generator=g)
        a = torch.empty(m, device=self.dev)
        return (lambda: torch.add(b, c, alpha=3.0, out=a)), torch.cuda.synchronize

    def precision_settings(self):
        torch = self.torch
        s = {"float32_matmul_precision": torch.get_float32_matmul_precision()}
        if self.device == "cuda":
            s["cuda.matmul.allow_tf32"] = bool(torch.backends.cuda.matmul.allow_tf32)
            s["cudnn.allow_tf32"] = bool(torch.backends.cudnn.allow_tf32)
            s["cuda.matmul.allow_fp16_reduced_precision_reduction"] = bool(
                torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction)
            s["cuda"] = torch.version.cuda
            s["cudnn"] = torch.backends.cudnn.version()
        return s

    def version(self):
        return self.torch.__version__

    def threads(self):
        return self.torch.get_num_threads()

    def thread_settings(self):
        torch = self.torch
        s = {"device": self.device,
             "torch.get_num_threads": torch.get_num_threads(),
             "torch.get_num_interop_threads": torch.get_num_interop_threads(),
             "mkl": bool(torch.backends.mkl.is_available()),
             "mkldnn": bool(torch.backends.mkldnn.is_available()),
             "loaded_libraries": loaded_libraries(),
             "env": self.env_settings()}
        m = re.search(r"ATen parallel backend: *(.*)", torch.__config__.parallel_info())
        if m:
            s["parallel_backend"] = m.group(1).strip()
        return s

    def kernels(self):
        k = super().kernels()
        if not hasattr(self.F, "rms_norm"):   # added in torch 2.4
            k.remove("rmsnorm")
        return k

    def to_framework(self, arrays):
        ts = [self.torch.from_numpy(a).to(self.dev) for a in arrays]
        self.sync()   # the copy is not part of any iteration
        return ts

    def to_half(self, ts, names):
        hs = [t if n in peer_infer.INDEX_INPUTS else t.to(self.torch.float16)
              for t, n in zip(ts, names)]
        self.sync()   # cast once, on the device, before any iteration
        return hs

    def sync(self):
        if self.device == "cuda":
            self.torch.cuda.synchronize()

    def release(self):
        super().release()
        self.grad_enabled = False

    def adamw(self, params):
        a = ADAMW
        return self.torch.optim.AdamW(params, lr=a["lr"], betas=a["betas"],
                                      eps=a["eps"], weight_decay=a["weight_decay"])

    # Each build returns fn() -> the output (one tensor or a tuple) and
    # sets grad_enabled for run().
    def softmax(self, p, t):
        x, = t
        return lambda: self.torch.softmax(x, dim=-1)

    def layernorm(self, p, t):
        x, g, b = t
        return lambda: self.F.layer_norm(x, (p["cols"],), g, b, NORM_EPS)

    def rmsnorm(self, p, t):
        x, g = t
        return lambda: self.F.rms_norm(x, (p["cols"],), g, NORM_EPS)

    def sgemm(self, p, t):
        a, b = t
        return lambda: a @ b

    def lora_forward(self, p, t):
        x, w, a, b = t
        s = lora_alpha_over_rank(p)
        return lambda: x @ w + (x @ a) @ b * s

    def lora_loss(self, p, t):
        """The trainable copies of A and B and the loss of the LoRA layer
        under the mean cross-entropy (lora_backward, training_step)."""
        torch, F = self.torch, self.F
        x, w, a0, b0, _ = t
        s, n_out = lora_alpha_over_rank(p), p["out"]
        classes = torch.from_numpy(self.classes(p).reshape(-1)).to(self.dev)
        a = a0.clone().requires_grad_()
        b = b0.clone().requires_grad_()
        self.grad_enabled = True

        def loss():
            y = x @ w + s * ((x @ a) @ b)
            return F.cross_entropy(y.reshape(-1, n_out), classes)
        return a, b, loss

    def lora_backward(self, p, t):
        a, b, loss = self.lora_loss(p, t)
        return lambda: self.torch.autograd.grad(loss(), (a, b))

    def training_step(self, p, t):
        torch = self.torch
        a0, b0 = t[2], t[3]
        a, b, loss = self.lora_loss(p, t)
        opt = self.adamw([a, b])

        def step():
            # one step from the given A, B with m = v = 0 (t = 1), so
            # every iteration starts from the inputs again
            with torch.no_grad():
                a.copy_(a0)
                b.copy_(b0)
            opt.state.clear()
            opt.zero_grad(set_to_none=True)
            loss().backward()
            opt.step()
            return a.detach(), b.detach()
        return step

    def adamw_step(self, p, t):
        torch = self.torch
        p0, grad, m0, v_seed = t
        param = p0.clone().requires_grad_()
        param.grad = grad
        opt = self.adamw([param])
        st = opt.state[param]
        st["step"] = torch.tensor(0.0)   # on the CPU, as AdamW keeps it
        st["exp_avg"] = m0.clone()
        st["exp_avg_sq"] = torch.empty_like(v_seed)

        def step():
            # optimizer.step() updates in place: each iteration starts
            # from the inputs again (restoring param and m is the cost
            # of measuring one step with an in-place optimizer; v is
            # the workload's v = v_seed^2)
            with torch.no_grad():
                param.copy_(p0)
                st["exp_avg"].copy_(m0)
                torch.mul(v_seed, v_seed, out=st["exp_avg_sq"])
                st["step"].zero_()
            opt.step()
            return param.detach(), st["exp_avg"], st["exp_avg_sq"]
        return step

    BUILDS = {
        "softmax": softmax,
        "layernorm": layernorm,
        "rmsnorm": rmsnorm,
        "sgemm": sgemm,
        "lora_forward": lora_forward,
        "lora_backward": lora_backward,
        "training_step": training_step,
        "adamw_step": adamw_step,
        "triad": lambda self, p, t: lambda: self.torch.add(t[0], t[1], alpha=3.0),
        **peer_infer.TORCH_BUILDS,
        **peer_bert.TORCH_BUILDS,
        # the launch floor: one element-wise add kernel (torch.add of a
        # 1-element tensor in the suite), the cheapest op PyTorch launches
        "empty": lambda self, p, t: lambda: self.torch.add(t[0], 1.0),
    }

    def output_shapes(self):
        with self.torch.set_grad_enabled(self.grad_enabled):
            out = self.fn()   # eager: one untimed iteration
        return [o.shape for o in (out if isinstance(out, tuple) else (out,))]

    def run(self, n, device=False):
        fn, torch = self.fn, self.torch
        out = None
        if self.device == "cpu":
            with torch.set_grad_enabled(self.grad_enabled):
                t0 = time.perf_counter_ns()
                for _ in range(n):
                    out = fn()   # eager on the CPU: done when it returns
                t1 = time.perf_counter_ns()
            self.last = out
            return t1 - t0
        # CUDA: ops are queued; the call ends when the device has finished
        # (as OpenCL's clFinish); the device clock is a pass of its own
        def loop():
            nonlocal out
            for _ in range(n):
                out = fn()
        torch.cuda.synchronize()
        with torch.set_grad_enabled(self.grad_enabled):
            t0 = time.perf_counter_ns()
            loop()
            torch.cuda.synchronize()
            t1 = time.perf_counter_ns()
            self.last = out
            if self.busy is None or not device:
                return t1 - t0

            def synced():
                loop()
                torch.cuda.synchronize()
            return t1 - t0, self.busy.busy_ns(synced)

    def to_numpy(self, out):
        # fp16 goes back as float32 (output() writes float32 either way)
        return out.detach().float().cpu().numpy()


PEERS = {"mlx": MLX, "torch": Torch}


def handle(state, req):
    op = req.get("op")
    if op == "hello":
        if state.get("peer") is None:
            state["peer"] = PEERS[state["name"]](state["device"])
        return state["peer"].hello()
    if op == "quit":
        return {"ok": True}
    peer = state.get("peer")
    if peer is None:
        raise ValueError(f"{op!r} before hello")
    if op == "prepare":
        return peer.prepare(req)
    if op == "run":
        n = req.get("n")
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"run: n must be a positive integer, got {n!r}")
        if peer.fn is None:
            raise ValueError("run before prepare")
        # the device clock (a profiled second pass) only where mcbench
        # records it: the samples, not calibration or warm-up
        # this process's own noise over the call, for the samples
        noise = req.get("noise") is True
        before = usage_and_clock(peer) if noise else None
        t = peer.run(n, device=req.get("device") is True)
        reply = {"ok": True, "ns": t}
        if isinstance(t, tuple):
            reply = {"ok": True, "ns": t[0], "device_ns": t[1]}
        reply.update(peer.memory())
        if noise:
            reply.update(noise_between(before, usage_and_clock(peer)))
        return reply
    if op == "output":
        return peer.output(req)
    if op == "roofline":
        return peer.roofline()
    if op == "release":
        peer.release()
        return {"ok": True}
    raise ValueError(f"unknown op {op!r}")


def main():
    args = sys.argv[1:]
    device = "cpu"
    if len(args) == 4 and args[2] == "--device":
        device = args[3]
        args = args[:2]
    if len(args) != 2 or args[0] != "--peer" or args[1] not in PEERS:
        sys.stderr.write(f"usage: peer.py --peer {'|'.join(sorted(PEERS))} "
                         "[--device cpu|cuda]\n")
        return 2
    # The protocol owns the original stdout; anything a library prints goes
    # to stderr instead of corrupting a reply.
    proto_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    state = {"name": args[1], "device": device, "peer": None}
    for line in sys.stdin:
        if not line.strip():
            continue
        op = None
        try:
            req = json.loads(line)
            op = req.get("op")
            reply = handle(state, req)
        except Unavailable as e:
            reply = {"ok": False, "unavailable": True, "error": str(e)}
        except Unsupported as e:
            reply = {"ok": False, "error": str(e)}
        except Exception as e:
            reply = {"ok": False, "error": one_line(f"{type(e).__name__}: {e}", 400)}
        proto_out.write(json.dumps(reply) + "\n")
        proto_out.flush()
        if op == "quit":
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
