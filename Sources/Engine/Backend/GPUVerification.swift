// What remains to be verified on a GPU (written on a machine without one).
//
// Everything in this folder builds and the CPU-side tests pass without CUDA:
// the backend boundary and its error messages, the dlopen layer's failure
// path, the kernel twins (against the engine's layers, Random123's Philox
// known answers and hand-worked torch.optim steps), the kernel source's
// syntax (clang, as C++ with a CUDA shim), the memory plan and cache names.
// None of the code below has run against a real driver yet:
//
//  1. Loading: dlsym of every driver/NVRTC/cuBLAS symbol named in
//     CUDADriver.swift, NVRTC.swift and CUBLAS.swift; cuInit; the device
//     description (`tn selftest --backend cuda` prints it).
//  2. NVRTC compiles KernelSource.source for sm_90 with no headers (math
//     functions, uint4/make_uint4, __int_as_float and atomicAdd(double*) are
//     expected to be built in), and the CUBIN cache is written to and read
//     back from ~/.cache/teaching-networks/cuda (a second run is faster).
//  3. `tn selftest --backend cuda` passes: GPU forward and gradients against
//     the engine and the twins (batch 1, 7, 64, 512), 10 steps of sgd,
//     momentum, nesterov, adam and adamw, the CUDATrainer run (graphs of 1
//     and 8 steps and a partial batch) against the CPU Trainer, and the
//     out-of-memory error. Then with --tf32 (limit 1e-2).
//  4. cuBLAS inside stream capture (THREAD_LOCAL mode, fixed workspace).
//  5. `swift test --filter CUDA` on the GPU: the skipped tests now run.
//  6. Learning curves and the benchmark targets need `tn train --backend`,
//     a change to Train.swift that belongs to the command's owner.
//
// Commands, with the device tool, from the repository root:
//   swift build -c release --static-swift-stdlib        (here; carry .build/release/tn)
//   .build/release/tn selftest --backend cuda
//   .build/release/tn selftest --backend cuda --tf32
//   TN_CUDA_SYNC=1 .build/release/tn selftest --backend cuda   (names a faulting kernel)
