// What remains to be verified on a GPU (written on a machine without one).
//
// Tested here, without CUDA (`swift test --filter CUDA`, `tn selftest --backend cpu`):
//  - the backend boundary: `auto` falls back with a one-line notice, `cuda`
//    names the missing library (libcuda.so.1), OOM messages;
//  - the kernels' CPU twins against the engine's layers, Philox against
//    Random123's known answers, the optimizer twins against torch.optim's
//    formulas worked by hand and, 10 steps each, against all nine of the
//    engine's optimizers (every variant flag) and its clipGlobalNorm;
//  - the CUDA C itself: compiled by the real NVRTC (13.0, from PyPI; no GPU
//    needed) for sm_75, sm_80, sm_86 and sm_90 with no headers, every kernel
//    present in the CUBIN; and executed on the CPU by a
//    thread-per-CUDA-thread emulator against the twins, bit for bit;
//  - Linear's cuBLAS arguments through a column-major reference product;
//  - the CUDA network, trainer and self-test on EmulatedDevice (twins per
//    launch, recorded "graphs" replayed): GPU-vs-engine forward, gradients,
//    10 steps per optimizer, a 3-epoch run against the CPU Trainer,
//    divergence at the same step (NaN, and a finite loss above a limit, with
//    the parameters where the CPU trainer stops), a schedule and clipping
//    against the CPU Trainer, per-epoch parameter read-back for snapshots,
//    the out-of-memory error;
//  - the hand-written declarations of the driver, NVRTC and cuBLAS against
//    NVIDIA's own headers from PyPI (CUDAHeaderTests: cuda.h and nvrtc.h 13.0
//    in .ci/run, cublas_api.h 13.1 where its 440 MB wheel is installed):
//    every symbol is the name the header maps the API to (cuMemAlloc_v2,
//    cuGraphInstantiateWithFlags), with the prototype's arity and each
//    parameter's width and indirection, and the constants have its values;
//  - the real driver library without a GPU (Debian's libcuda1 535.261.03,
//    unpacked, on LD_LIBRARY_PATH; a manual check in the fifth session): every
//    symbol resolves, cuInit reports no device, `tn selftest --backend cuda`
//    says "the driver reports no CUDA device" and `--backend auto` falls back;
//  - the runner's provenance under CUDA from the runs' placement lines;
//  - every launch's arguments against the kernel's CUDA C parameter list;
//  - the fused LayerNorm kernels (Linear bias + LayerNorm + ReLU-dropout
//    forward; their backward in one launch, with the Linear's bias gradient)
//    against the twins of their parts; the loss kernel with the last Linear's
//    bias, its gradient and the loss sum; the updates moving the step
//    counters on; the clipping norm and coefficient in one launch. The
//    reductions over the whole grid are done by its last block, elected by a
//    ticket (atomicAdd after __threadfence, reads through L2 with __ldcg):
//    20 nodes per tutorial-network step with the gather (27 before these,
//    39 unfused). Whether that meets the batch-1 target (≤ 30 µs a step)
//    only the GPU can say.
//
// Not yet run against a real driver (needs the GPU):
//  1. cuInit with a device present, and the device description (the
//     symbols resolve in libcuda 535 and match the 13.0 headers; cuBLAS's
//     match its headers but were not loaded, as libcublasLt needs a GPU's
//     runtime to be of use).
//  2. The driver loading the CUBIN that NVRTC compiles there (compiling is
//     checked here), and the CUBIN cache in ~/.cache/teaching-networks/cuda.
//  3. `tn selftest --backend cuda` (and with --tf32): real kernels, warp
//     shuffles and barriers, cuBLAS products, kernel argument marshalling,
//     and the last-block tickets under real concurrency (the emulator runs
//     blocks one after another): its "step counters after 10 steps" checks
//     read [10, 10, 0, 0], every ticket back at 0.
//  4. CUDA graph capture with cuBLAS inside (THREAD_LOCAL mode, fixed
//     workspace, warm-up before capture), and graph replay.
//  5. Real device OOM: cuMemGetInfo and the suggestion against a real batch.
//  6. `swift test --filter CUDA` on the GPU: the two skipped tests then run.
//  7. `tn train --backend cuda` against the CPU's learning curves, and
//     `tn bench --backend cuda` beside ../shared/bench/pytorch_mlp.py
//     --device cuda for BENCHMARKS.md.
//  8. `tn build --backend cuda`: Tutorial.train sends every run with an
//     engine optimizer to the GPU (schedules, clipping, divergence limits and
//     snapshots included; the going-further chapter's recording wrapper stays
//     on the CPU and says why); provenance lines name the GPU; the chapters'
//     claims must still hold.
//
// How, with the device tool: docs/GPU.md. In short, `scripts/gpu-bundle` here
// (a static-runtime tn, compressed, with cmark-gfm, MNIST and PyTorch's
// script, 27 MB in .gpu/), then `bash scripts/gpu-check` there with .gpu
// carried: items 1-5 and 7 in its selftest, floors, bench, train and sweep
// stages. Item 6 and item 8 need Swift on the GPU machine.
