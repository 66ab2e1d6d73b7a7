#!/usr/bin/env python3
"""Reference trajectories from torch.optim on the five 2-D test functions.

The Swift test OptimizerReferenceTests.swift replays every case below with the
engine's optimizers and checks the agreement (float64: relative error 1e-6,
float32: 1e-4). Gradients come from autograd, not from the engine's analytic
formulas, so the comparison checks those formulas too.

Regenerate (from the repository root, with a venv that has torch):
    python3 -m venv "$VENV" && "$VENV"/bin/pip install torch numpy   # VENV outside the repository
    "$VENV"/bin/python Tests/Reference/torch_trajectories.py

Writes Tests/Reference/torch_trajectories_float64.json,
Tests/Reference/torch_trajectories_float32.json and
Tests/Reference/torch_trajectories_float32_ieee_sqrt.json. Numbers are written
with Python's repr, which round-trips exactly; a non-finite number is written
as null.

Why a third file: PyTorch's CPU build computes float32 sqrt through MKL's
vector maths, which is not correctly rounded. With torch 2.15 on an AVX-512
machine, 17% of float32 square roots come out one ulp away from IEEE 754's
(and 1.2% of float64 ones), while the engine's sqrt is IEEE's. RMSprop,
Adadelta and RAdam take a square root every step, and in the runs that
oscillate around a minimum a one-ulp difference grows until the trajectories
part by more than 1e-4. The third file is the same float32 runs with only
Tensor.sqrt swapped for a correctly rounded one (numpy's), every other
operation being torch's own; the engine matches it to the bit in almost every
run, which isolates the difference to that one function.
"""
import json
import math
import os

import numpy
import torch

_TORCH_SQRT, _TORCH_SQRT_ = torch.Tensor.sqrt, torch.Tensor.sqrt_


def _ieee_sqrt(tensor):
    if tensor.dtype != torch.float32:
        return _TORCH_SQRT(tensor)
    return torch.from_numpy(numpy.sqrt(tensor.detach().numpy()))


def _ieee_sqrt_(tensor):
    if tensor.dtype != torch.float32:
        return _TORCH_SQRT_(tensor)
    return tensor.copy_(_ieee_sqrt(tensor))


def use_ieee_sqrt(enabled):
    """Routes float32 Tensor.sqrt and Tensor.sqrt_ through numpy (IEEE 754)."""
    torch.Tensor.sqrt = _ieee_sqrt if enabled else _TORCH_SQRT
    torch.Tensor.sqrt_ = _ieee_sqrt_ if enabled else _TORCH_SQRT_

STEPS = 120

FUNCTIONS = {
    "quadratic": lambda x, y: 0.5 * (x * x + 10 * y * y),
    "rosenbrock": lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
    "beale": lambda x, y: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2
    + (2.625 - x + x * y ** 3) ** 2,
    "himmelblau": lambda x, y: (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2,
    "saddle": lambda x, y: x * x - y * y,
}

# The same starts as TestFunction.suggestedStart in the engine.
STARTS = {
    "quadratic": (-4.0, 2.0),
    "rosenbrock": (-1.5, 2.0),
    "beale": (1.0, 1.5),
    "himmelblau": (-1.0, 0.0),
    "saddle": (-1.5, 0.01),
}

# Learning rates that keep each family stable on each surface: plain and
# momentum SGD need small steps where the curvature is large (Rosenbrock's
# valley walls); the adaptive methods take steps of about lr regardless.
SGD_RATES = {"quadratic": 0.05, "rosenbrock": 5e-4, "beale": 1e-3, "himmelblau": 5e-3, "saddle": 0.05}
ADAPTIVE_RATES = {"quadratic": 0.1, "rosenbrock": 0.01, "beale": 0.01, "himmelblau": 0.05, "saddle": 0.05}

# (optimizer, keyword arguments other than lr, learning-rate table or None
# for the optimizer's default lr). Covers every option the engine exposes.
CONFIGURATIONS = [
    ("sgd", {}, SGD_RATES),
    ("sgd", {"momentum": 0.9}, SGD_RATES),
    ("sgd", {"momentum": 0.9, "dampening": 0.5}, SGD_RATES),
    ("sgd", {"momentum": 0.9, "nesterov": True}, SGD_RATES),
    ("sgd", {"momentum": 0.5, "weight_decay": 0.1}, SGD_RATES),
    ("rmsprop", {}, ADAPTIVE_RATES),
    ("rmsprop", {"alpha": 0.9, "momentum": 0.5}, ADAPTIVE_RATES),
    ("rmsprop", {"centered": True}, ADAPTIVE_RATES),
    ("rmsprop", {"centered": True, "momentum": 0.9, "weight_decay": 0.01}, ADAPTIVE_RATES),
    ("rmsprop", {"eps": 1e-4, "weight_decay": 0.1}, ADAPTIVE_RATES),
    ("adam", {}, ADAPTIVE_RATES),
    ("adam", {}, None),
    ("adam", {"betas": (0.8, 0.99), "eps": 1e-6}, ADAPTIVE_RATES),
    ("adam", {"weight_decay": 0.1}, ADAPTIVE_RATES),
    ("adam", {"amsgrad": True}, ADAPTIVE_RATES),
    ("adam", {"amsgrad": True, "weight_decay": 0.05, "betas": (0.5, 0.9)}, ADAPTIVE_RATES),
    ("adamw", {}, ADAPTIVE_RATES),
    ("adamw", {"weight_decay": 0.5, "amsgrad": True}, ADAPTIVE_RATES),
    ("adagrad", {}, ADAPTIVE_RATES),
    ("adagrad", {"lr_decay": 0.01}, ADAPTIVE_RATES),
    ("adagrad", {"initial_accumulator_value": 0.1, "weight_decay": 0.05, "eps": 1e-3}, ADAPTIVE_RATES),
    ("adadelta", {}, None),
    ("adadelta", {"rho": 0.5, "eps": 1e-4}, None),
    ("adadelta", {"lr": 0.5, "weight_decay": 0.1}, None),
    ("adamax", {}, ADAPTIVE_RATES),
    ("adamax", {"betas": (0.5, 0.9), "weight_decay": 0.1, "eps": 1e-4}, ADAPTIVE_RATES),
    ("nadam", {}, ADAPTIVE_RATES),
    ("nadam", {"momentum_decay": 0.01, "weight_decay": 0.05}, ADAPTIVE_RATES),
    ("radam", {}, ADAPTIVE_RATES),
    ("radam", {"betas": (0.5, 0.9), "weight_decay": 0.1}, ADAPTIVE_RATES),
    # Too large a step for Rosenbrock and Beale: these runs overflow, and the
    # engine must report the same step of divergence.
    ("sgd", {"lr": 0.01}, None),
]

CLASSES = {
    "sgd": torch.optim.SGD, "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW, "adagrad": torch.optim.Adagrad, "adadelta": torch.optim.Adadelta,
    "adamax": torch.optim.Adamax, "nadam": torch.optim.NAdam, "radam": torch.optim.RAdam,
}


def number(value):
    value = float(value)
    return value if math.isfinite(value) else None


def run(function_name, optimizer_name, options, dtype):
    function = FUNCTIONS[function_name]
    point = torch.tensor(STARTS[function_name], dtype=dtype, requires_grad=True)
    # foreach=False: the single-tensor code path that CPU runs by default.
    optimizer = CLASSES[optimizer_name]([point], foreach=False, **options)

    def row():
        with torch.no_grad():
            value = function(point[0], point[1])
            return [number(point[0]), number(point[1]), number(value)]

    rows = [row()]
    for _ in range(STEPS):
        optimizer.zero_grad()
        function(point[0], point[1]).backward()
        optimizer.step()
        rows.append(row())
        if any(v is None for v in rows[-1]):
            break
    return rows


def main():
    torch.set_num_threads(1)
    here = os.path.dirname(os.path.abspath(__file__))
    variants = [(torch.float64, "float64", False), (torch.float32, "float32", False),
                (torch.float32, "float32_ieee_sqrt", True)]
    for dtype, label, ieee_sqrt in variants:
        use_ieee_sqrt(ieee_sqrt)
        # The optimizers keep scalar state (step, NAdam's mu_product) in the
        # default dtype; a float64 run keeps everything in float64.
        torch.set_default_dtype(dtype)
        cases = []
        for optimizer_name, extra, rates in CONFIGURATIONS:
            for function_name in FUNCTIONS:
                options = dict(extra)
                if rates is not None:
                    options["lr"] = rates[function_name]
                rows = run(function_name, optimizer_name, options, dtype)
                params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in options.items()}
                cases.append({
                    "function": function_name,
                    "optimizer": optimizer_name,
                    "params": params,
                    "start": list(STARTS[function_name]),
                    "trajectory": rows,
                })
        document = {
            "generator": "Tests/Reference/torch_trajectories.py",
            "torch_version": torch.__version__,
            "dtype": str(dtype).removeprefix("torch."),
            "sqrt": "numpy (IEEE 754)" if ieee_sqrt else "torch",
            "steps": STEPS,
            "cases": cases,
        }
        path = os.path.join(here, f"torch_trajectories_{label}.json")
        with open(path, "w") as handle:
            json.dump(document, handle, separators=(",", ":"))
            handle.write("\n")
        diverged = sum(1 for c in cases if len(c["trajectory"]) < STEPS + 1)
        print(f"{path}: {len(cases)} cases, {diverged} diverged")


if __name__ == "__main__":
    main()
