// What remains to be verified on a GPU (written on a machine without one).
//
// Tested here, without CUDA (`swift test --filter CUDA`, `tn selftest --backend cpu`):
//  - the backend boundary: `auto` falls back with a one-line notice, `cuda`
//    names the missing library (libcuda.so.1), OOM messages;
//  - the kernels' CPU twins against the engine's layers, Philox against
//    Random123's known answers, the optimizer twins against torch.optim's
//    formulas worked by hand;
//  - the CUDA C itself: parsed by clang, and executed on the CPU by a
//    thread-per-CUDA-thread emulator against the twins;
//  - Linear's cuBLAS arguments through a column-major reference product;
//  - the CUDA network, trainer and self-test on EmulatedDevice (twins per
//    launch, recorded "graphs" replayed): GPU-vs-engine forward, gradients,
//    10 steps per optimizer, a 3-epoch run against the CPU Trainer,
//    divergence at the same step, the out-of-memory error.
//
// Not yet run against a real driver (needs the GPU):
//  1. dlsym of every symbol in CUDADriver.swift, NVRTC.swift, CUBLAS.swift;
//     cuInit; the device description.
//  2. NVRTC compiling KernelSource.source for sm_90 with no headers (math
//     functions, uint4/make_uint4, __int_as_float, atomicAdd(double*) are
//     expected built in); the CUBIN cache in ~/.cache/teaching-networks/cuda.
//  3. `tn selftest --backend cuda` (and with --tf32): real kernels, warp
//     shuffles and barriers, cuBLAS products, kernel argument marshalling.
//  4. CUDA graph capture with cuBLAS inside (THREAD_LOCAL mode, fixed
//     workspace, warm-up before capture), and graph replay.
//  5. Real device OOM: cuMemGetInfo and the suggestion against a real batch.
//  6. `swift test --filter CUDA` on the GPU: the two skipped tests then run.
//  7. `tn train --backend cuda` against the CPU's learning curves, and
//     `tn bench --backend cuda` beside ../shared/bench/pytorch_mlp.py
//     --device cuda for BENCHMARKS.md.
//  8. `tn build --backend cuda`: Tutorial.train sends the runs the CUDA
//     trainer supports to the GPU (Tutorial.devicePlan) and prints why the
//     others stay on the CPU; the chapters' claims must still hold.
//
// Commands, with the device tool, from the repository root:
//   swift build -c release --static-swift-stdlib   (here; needs libcurl4-openssl-dev)
//   .build/release/tn selftest --backend cuda
//   .build/release/tn selftest --backend cuda --tf32
//   TN_CUDA_SYNC=1 .build/release/tn selftest --backend cuda   (names a faulting kernel)
// The binary still links libopenblas, libcurl and their dependencies
// dynamically; carry them if the GPU machine lacks them.
