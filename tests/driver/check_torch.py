#!/usr/bin/python3
"""Runs `simdpool run` on .npy files made with numpy and compares with PyTorch.

usage: check_torch.py SIMDPOOL_EXE fwd|bwd
Exits 77 (Meson's "skipped") when numpy or torch cannot be imported.
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except Exception as e:  # noqa: BLE001 - any import failure means "skip"
    print(f"skipping: numpy/torch not importable under {sys.executable}: {e}")
    sys.exit(77)

EXE = sys.argv[1]
GROUP = sys.argv[2]
TMP = tempfile.mkdtemp(prefix="simdpool-driver-")
failures = []
count = 0


def path(name):
    return os.path.join(TMP, name)


def to_layout(t, layout):
    """A logical N,C,spatial tensor as a C-order array in the layout's memory order."""
    if layout == "nchw":
        return t.contiguous().numpy()
    perm = [0] + list(range(2, t.dim())) + [1]
    return t.permute(*perm).contiguous().numpy()


def from_layout(a, layout):
    t = torch.from_numpy(a)
    if layout == "nchw":
        return t
    perm = [0, t.dim() - 1] + list(range(1, t.dim() - 1))
    return t.permute(*perm)


def listarg(v):
    return ",".join(str(x) for x in v) if isinstance(v, (list, tuple)) else str(v)


def run(args, expect=0):
    p = subprocess.run([EXE, "run"] + args, capture_output=True, text=True)
    if p.returncode != expect:
        raise RuntimeError(f"exit {p.returncode} (expected {expect}) for {' '.join(args)}\n"
                           f"{p.stdout}{p.stderr}")
    return p


def pool_torch(alg, x, k, s, p, d, ceil, divisor):
    dims = x.dim() - 2
    if alg == "max":
        f = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[dims]
        return f(x, k, s, p, d, ceil_mode=ceil, return_indices=True)
    f = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}[dims]
    kw = dict(ceil_mode=ceil, count_include_pad=(alg == "avg_p"))
    if divisor and dims > 1:
        kw["divisor_override"] = divisor
    return f(x, k, s, p, **kw), None


def check(name, ok, detail=""):
    global count
    count += 1
    if not ok:
        failures.append(f"{name}: {detail}")
        print(f"FAIL {name}: {detail}")


# (alg, shape, kernel, stride, pad, dilation, ceil, divisor)
PROBLEMS = [
    ("max", (2, 5, 13), 3, 2, 1, 1, False, 0),
    ("max", (2, 3, 10), 3, 2, 1, 2, True, 0),
    ("avg_p", (2, 5, 13), 4, 3, 2, 1, True, 0),
    ("avg_np", (1, 4, 11), 3, 2, 1, 1, True, 0),
    ("max", (2, 16, 15, 17), 3, 2, 1, 1, False, 0),
    ("max", (1, 8, 14, 14), (3, 2), (2, 1), (1, 0), (2, 1), True, 0),
    ("max", (2, 19, 8, 8), 2, 2, 0, 1, False, 0),
    ("avg_p", (2, 16, 15, 17), 3, 2, 1, 1, True, 0),
    ("avg_np", (2, 16, 15, 17), 3, 2, 1, 1, True, 0),
    ("avg_p", (1, 7, 9, 9), 3, 1, 1, 1, False, 4),
    ("avg_p", (2, 12, 7, 7), 7, 7, 0, 1, False, 0),
    ("max", (1, 6, 5, 9, 8), 3, 2, 1, 1, False, 0),
    ("max", (1, 4, 6, 7, 9), (1, 3, 3), (1, 2, 2), (0, 1, 1), 1, True, 0),
    ("avg_np", (1, 6, 5, 9, 8), 3, 2, 1, 1, True, 0),
    ("avg_p", (2, 3, 4, 6, 6), 2, 2, 0, 1, False, 0),
]


def problem_args(alg, shape, k, s, p, d, ceil, divisor, layout, direction):
    args = ["--alg", alg, "--dir", direction, "--layout", layout, "--shape", listarg(shape),
            "--kernel", listarg(k), "--stride", listarg(s), "--pad", listarg(p)]
    if alg == "max":
        args += ["--dilation", listarg(d)]
    if ceil:
        args.append("--ceil-mode")
    if divisor:
        args += ["--divisor", str(divisor)]
    return args


def close(a, b, rtol=1e-5, atol=1e-6):
    return a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)


def fwd_case(i, prob, layout, isa):
    alg, shape, k, s, p, d, ceil, divisor = prob
    name = f"fwd#{i} {alg} {shape} {layout} isa={isa}"
    g = torch.Generator().manual_seed(100 + i)
    x = torch.randn(*shape, generator=g)
    if i % 3 == 0:  # ties and special values, where the rules matter most
        x = torch.round(x * 2) / 2
        x.view(-1)[::17] = float("-inf")
        x.view(-1)[5] = float("nan") if alg == "max" else 0.0
    y, idx = pool_torch(alg, x, k, s, p, d, ceil, divisor)
    np.save(path("x.npy"), to_layout(x, layout))
    args = problem_args(alg, shape, k, s, p, d, ceil, divisor, layout, "fwd")
    args += ["--isa", isa, "--input", path("x.npy"), "--output", path("y.npy")]
    if alg == "max":
        args += ["--indices", path("i.npy")]
    run(args)
    got = np.load(path("y.npy"))
    check(name + " dtype", got.dtype == np.float32, str(got.dtype))
    check(name + " shape", got.shape == to_layout(y, layout).shape,
          f"{got.shape} vs {to_layout(y, layout).shape}")
    want = to_layout(y, layout)
    if alg == "max":
        check(name + " values", got.shape == want.shape and
              np.array_equal(got, want, equal_nan=True), "values differ")
        gi = np.load(path("i.npy"))
        check(name + " indices dtype", gi.dtype == np.int64, str(gi.dtype))
        check(name + " indices", np.array_equal(gi, to_layout(idx, layout)), "indices differ")
    else:
        with np.errstate(invalid="ignore"):
            err = np.nanmax(np.abs(got - want)) if got.shape == want.shape else "shape"
        check(name + " values", close(got, want), f"max err {err}")


def bwd_case(i, prob, layout, isa):
    alg, shape, k, s, p, d, ceil, divisor = prob
    name = f"bwd#{i} {alg} {shape} {layout} isa={isa}"
    g = torch.Generator().manual_seed(200 + i)
    x = torch.randn(*shape, generator=g).requires_grad_(True)
    y, idx = pool_torch(alg, x, k, s, p, d, ceil, divisor)
    dy = torch.randn(*y.shape, generator=g)
    y.backward(dy)
    want = to_layout(x.grad, layout)
    np.save(path("dy.npy"), to_layout(dy, layout))
    args = problem_args(alg, shape, k, s, p, d, ceil, divisor, layout, "bwd")
    args += ["--isa", isa, "--diff-dst", path("dy.npy"), "--diff-src", path("dx.npy")]
    if alg == "max":
        # Indices from PyTorch; then the same again recomputing them from the input.
        np.save(path("i.npy"), to_layout(idx, layout))
        run(args + ["--indices", path("i.npy")])
        got = np.load(path("dx.npy"))
        check(name + " (indices)", close(got, want), "diff_src differs")
        np.save(path("x.npy"), to_layout(x.detach(), layout))
        run(args + ["--input", path("x.npy")])
        got = np.load(path("dx.npy"))
        check(name + " (recomputed)", close(got, want), "diff_src differs")
    else:
        run(args)
        got = np.load(path("dx.npy"))
        check(name, close(got, want), "diff_src differs")


def descriptor_case(layout):
    """A benchdnn descriptor whose problem PyTorch can express: max 3x3/2, pad 1."""
    x = torch.randn(2, 16, 32, 32, generator=torch.Generator().manual_seed(7))
    y, idx = F.max_pool2d(x, 3, 2, 1, return_indices=True)
    np.save(path("x.npy"), to_layout(x, layout))
    run(["mb2ic16_ih32oh16_kh3sh2ph1", "--alg", "max", "--layout", layout,
         "--input", path("x.npy"), "--output", path("y.npy"), "--indices", path("i.npy")])
    check(f"benchdnn descriptor {layout}",
          np.array_equal(np.load(path("y.npy")), to_layout(y, layout)) and
          np.array_equal(np.load(path("i.npy")), to_layout(idx, layout)), "differs")


def isas():
    out = subprocess.run([EXE, "info"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("ISAs runnable:"):
            return ["auto"] + line.split(":", 1)[1].split()
    return ["auto"]


def main():
    runnable = isas()
    for i, prob in enumerate(PROBLEMS):
        for j, layout in enumerate(("nchw", "nhwc")):
            # Every problem with the dispatcher's choice, and each ISA in turn.
            for isa in ("auto", runnable[1 + (i + j) % (len(runnable) - 1)]):
                if GROUP == "fwd":
                    fwd_case(i, prob, layout, isa)
                else:
                    bwd_case(i, prob, layout, isa)
    if GROUP == "fwd":
        for layout in ("nchw", "nhwc"):
            descriptor_case(layout)
    print(f"{count - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


try:
    main()
except RuntimeError as e:
    print(f"FAIL: {e}")
    sys.exit(1)
