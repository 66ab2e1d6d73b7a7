#!/usr/bin/env python3
"""Side by side: `tn bench` and PyTorch's reference script for the tutorial's
network, on the same machine, in the same run, alternating so that both see
the same background load. Prints a markdown table with the ratios.

Run with a Python that has torch installed, from the repository root, after
`swift build -c release`:

    TN_DATA=../shared/data python scripts/bench_vs_pytorch.py [--bench-dir ../shared/bench]
"""
import argparse
import json
import os
import subprocess
import sys

# (batch size, threads for both, PyTorch epochs, PyTorch max steps per epoch, tn steps)
CASES = [
    (1, 1, 1, 5000, 5000),
    (32, 1, 2, None, 600),
    (32, 2, 2, None, 600),
    (512, 2, 3, None, 60),
    (10000, 2, 3, None, 3),
]


def tn_bench(batch, threads, steps):
    out = subprocess.run([".build/release/tn", "bench", "--batch-sizes", str(batch), "--threads", str(threads),
                          "--steps", str(steps), "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def torch_bench(script, data, batch, threads, epochs, max_steps):
    command = [sys.executable, script, "--batch-size", str(batch), "--threads", str(threads),
               "--epochs", str(epochs), "--data", data]
    if max_steps:
        command += ["--max-steps", str(max_steps)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench-dir", default=os.path.join("..", "shared", "bench"))
    parser.add_argument("--repeats", type=int, default=2, help="runs of each side; the best is kept")
    args = parser.parse_args()
    data = os.path.join(os.environ.get("TN_DATA", os.path.join("..", "shared", "data")), "mnist")
    script = os.path.join(args.bench_dir, "pytorch_mlp.py")

    # Warm both up once (the first torch import reads hundreds of MB).
    torch_bench(script, data, 512, 2, 1, 2)
    tn_bench(512, 2, 5)

    rows = []
    for batch, threads, epochs, max_steps, steps in CASES:
        ours, theirs = [], []
        for _ in range(args.repeats):
            ours.append(tn_bench(batch, threads, steps))
            theirs.append(torch_bench(script, data, batch, threads, epochs, max_steps))
        best_ours = max(ours, key=lambda r: r["samples_per_second"])
        best_theirs = max(theirs, key=lambda r: r["samples_per_second"])
        rows.append((batch, threads, best_ours, best_theirs))

    sgemm = rows[-1][2]["sgemm_512_gflops"]
    core = rows[0][2].get("blas_core", "unknown")
    print(f"torch {rows[0][3]['torch_version']}; this machine's sgemm at 512³: {sgemm:.0f} GFLOP/s (2 threads, "
          f"OpenBLAS {core} kernels)\n")
    print("| batch | threads | tn samples/s | tn µs/step | PyTorch samples/s | PyTorch µs/step | tn ÷ PyTorch | tn matrix GFLOP/s | tn peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for batch, threads, ours, theirs in rows:
        ratio = ours["samples_per_second"] / theirs["samples_per_second"]
        print(f"| {batch} | {threads} | {ours['samples_per_second']:,.0f} | {ours['us_per_step']:,.1f} | "
              f"{theirs['samples_per_second']:,.0f} | {theirs['us_per_step']:,.1f} | {ratio:.2f}× | "
              f"{ours['achieved_gflops']:.0f} | {ours['peak_rss_bytes'] / 2**20:.0f} MiB |")
    # Where a batch size ran at several thread counts, compare each side at
    # its own best, as a user would run it.
    for batch in sorted({row[0] for row in rows}):
        runs = [row for row in rows if row[0] == batch]
        if len(runs) < 2:
            continue
        ours = max(runs, key=lambda row: row[2]["samples_per_second"])
        theirs = max(runs, key=lambda row: row[3]["samples_per_second"])
        print(f"\nbatch {batch}, each at its best thread count: tn {ours[2]['samples_per_second']:,.0f} "
              f"({ours[1]} thr) ÷ PyTorch {theirs[3]['samples_per_second']:,.0f} ({theirs[1]} thr) = "
              f"{ours[2]['samples_per_second'] / theirs[3]['samples_per_second']:.2f}×")


if __name__ == "__main__":
    main()
