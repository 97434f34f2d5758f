#!/usr/bin/env python3
"""Scores a `simdpool bench --json` run against the x86 kernels' speed targets
(issue 4), from the one-thread figures of that one run.

Usage: scripts/scorecard.py BENCH.json [--all]
Prints, per target, how many cases meet it and every case that does not
(with --all, every case), worst first. Exit status 0 whatever the score:
this reports, it does not gate.
"""
import json
import sys

ISAS = ("avx512", "avx2")


def figures(case):
    one = case["one_thread"]
    best = next((i for i in ISAS if i in one), None)
    return one, best


def ratio_of_ceiling(case):
    one, best = figures(case)
    return one[best]["of_ceiling"] if best else None


def times_faster_than(case, peer):
    """peer's time / simdpool's best ISA time (> 1: simdpool is faster)."""
    one, best = figures(case)
    if not best or peer not in one:
        return None
    return one[peer]["seconds"] / one[best]["seconds"]


def avx2_over_avx512(case):
    one = case["one_thread"]
    if "avx2" not in one or "avx512" not in one:
        return None
    return one["avx512"]["seconds"] / one["avx2"]["seconds"]


def parts(case):
    _, alg, direction, layout = case["name"].split("/")
    return alg, direction, layout


def targets():
    """(description, predicate selecting cases, measure, threshold)."""
    fwd = lambda c: parts(c)[1] == "fwd"
    bwd = lambda c: parts(c)[1] == "bwd"
    nhwc = lambda c: parts(c)[2] == "nhwc"
    nchw = lambda c: parts(c)[2] == "nchw"
    infer = lambda c: not c["training"]
    train = lambda c: c["training"]
    stem = lambda c: c["name"].startswith("resnet50_stem")
    vgg = lambda c: c["name"].startswith("vgg16_pool1")
    return [
        ("forward NHWC inference: of ceiling >= 0.85", lambda c: fwd(c) and nhwc(c) and infer(c),
         ratio_of_ceiling, 0.85),
        ("forward NHWC inference: >= 1.25x oneDNN", lambda c: fwd(c) and nhwc(c) and infer(c),
         lambda c: times_faster_than(c, "onednn"), 1.25),
        ("forward NCHW: of ceiling >= 0.85", lambda c: fwd(c) and nchw(c), ratio_of_ceiling, 0.85),
        ("forward NCHW ResNet stem: >= 3x oneDNN", lambda c: fwd(c) and nchw(c) and stem(c),
         lambda c: times_faster_than(c, "onednn"), 3.0),
        ("forward NCHW VGG 2x2/2: >= 30x oneDNN", lambda c: fwd(c) and nchw(c) and vgg(c),
         lambda c: times_faster_than(c, "onednn"), 30.0),
        ("forward NCHW: >= 10x PyTorch", lambda c: fwd(c) and nchw(c),
         lambda c: times_faster_than(c, "torch"), 10.0),
        ("batch-32 training forward: of ceiling >= 0.85", lambda c: fwd(c) and train(c),
         ratio_of_ceiling, 0.85),
        ("backward: of ceiling >= 0.7", bwd, ratio_of_ceiling, 0.7),
        ("backward: ahead of oneDNN", bwd, lambda c: times_faster_than(c, "onednn"), 1.0),
        ("backward: ahead of PyTorch", bwd, lambda c: times_faster_than(c, "torch"), 1.0),
        ("AVX2 within 0.75 of AVX-512 (avx512 time / avx2 time)", lambda c: True,
         avx2_over_avx512, 0.75),
        ("NHWC forward: >= 8x the scalar reference (slower ISA)", lambda c: fwd(c) and nhwc(c),
         lambda c: min(v for v in (times_faster_than_isa(c, i) for i in ISAS) if v is not None),
         8.0),
    ]


def times_faster_than_isa(case, isa):
    one = case["one_thread"]
    if isa not in one or "scalar" not in one:
        return None
    return one["scalar"]["seconds"] / one[isa]["seconds"]


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    show_all = "--all" in argv[2:]
    with open(argv[1]) as f:
        run = json.load(f)
    print(f"{run['machine']}, default ISA {run['default_isa']}, {run['date']}, one thread")
    for text, selects, measure, threshold in targets():
        scored = []
        for case in run["cases"]:
            if not selects(case):
                continue
            try:
                value = measure(case)
            except ValueError:
                value = None
            if value is not None:
                scored.append((value, case["name"]))
        if not scored:
            print(f"\n{text}: no case measured")
            continue
        scored.sort()
        met = sum(v >= threshold for v, _ in scored)
        print(f"\n{text}: {met} of {len(scored)} met")
        for value, name in scored:
            if show_all or value < threshold:
                print(f"  {'ok  ' if value >= threshold else 'MISS'} {value:7.2f}  {name}")


if __name__ == "__main__":
    main(sys.argv)
