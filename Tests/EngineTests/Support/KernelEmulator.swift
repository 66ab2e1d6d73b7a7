// Runs the CUDA C kernels on the CPU: KernelSource.source compiled by the
// toolchain's clang++ as C++20, with one std::thread per CUDA thread, a
// std::barrier per block for __syncthreads and per warp for the shuffles,
// and blocks run one after another (so `__shared__` can be a static). It is
// slow and knows nothing of GPU memory, but it executes the kernels' own
// indexing and reductions, which the GPU-free tests could not otherwise reach.
import Foundation
import XCTest
@testable import Engine

enum KernelEmulator {
    static let prelude = #"""
    #include <math.h>
    #include <barrier>
    #include <cstdio>
    #include <cstdlib>
    #include <cstring>
    #include <functional>
    #include <memory>
    #include <mutex>
    #include <string>
    #include <thread>
    #include <vector>
    #define __global__
    #define __device__
    #define __forceinline__ inline
    #define __shared__ static
    struct uint4 { unsigned x, y, z, w; };
    struct uint2 { unsigned x, y; };
    struct float2 { float x, y; };
    static inline float2 make_float2(float a, float b) { return {a, b}; }
    static inline uint4 make_uint4(unsigned a, unsigned b, unsigned c, unsigned d) { return {a, b, c, d}; }
    static inline uint2 make_uint2(unsigned a, unsigned b) { return {a, b}; }
    struct Dimension { unsigned x, y, z; };
    thread_local Dimension threadIdx, blockIdx;
    static Dimension blockDim, gridDim;
    static std::barrier<>* blockBarrier;
    static std::vector<std::unique_ptr<std::barrier<>>> warpBarriers;
    static float warpFloats[32][32];
    static int warpInts[32][32];
    static std::mutex atomicLock;
    static inline void __syncthreads() { blockBarrier->arrive_and_wait(); }
    template <typename T> static T shuffle(T (*slots)[32], T value, int offset) {
        const unsigned warp = threadIdx.x / 32, lane = threadIdx.x % 32;
        slots[warp][lane] = value;
        warpBarriers[warp]->arrive_and_wait();
        T other = slots[warp][lane ^ offset];
        warpBarriers[warp]->arrive_and_wait();
        return other;
    }
    static inline float __shfl_xor_sync(unsigned, float v, int offset) { return shuffle(warpFloats, v, offset); }
    static inline int __shfl_xor_sync(unsigned, int v, int offset) { return shuffle(warpInts, v, offset); }
    static inline float __int_as_float(unsigned bits) { float f; memcpy(&f, &bits, 4); return f; }
    static inline double atomicAdd(double* address, double value) {
        std::lock_guard<std::mutex> guard(atomicLock);
        double old = *address; *address += value; return old;
    }
    static inline unsigned atomicAdd(unsigned* address, unsigned value) {
        std::lock_guard<std::mutex> guard(atomicLock);
        unsigned old = *address; *address += value; return old;
    }
    // Blocks run one after another here, so every earlier block's writes are
    // already in memory: the fence and the L2 loads are plain.
    static inline void __threadfence() {}
    template <typename T> static inline T __ldcg(const T* address) { return *address; }
    static inline void __syncwarp() { warpBarriers[threadIdx.x / 32]->arrive_and_wait(); }
    """#

    static let runner = #"""

    static void run(unsigned grid, unsigned block, const std::function<void()>& body) {
        blockDim = {block, 1, 1};
        gridDim = {grid, 1, 1};
        for (unsigned b = 0; b < grid; ++b) {
            std::barrier<> barrier(block);
            blockBarrier = &barrier;
            warpBarriers.clear();
            for (unsigned w = 0; w < (block + 31) / 32; ++w)
                warpBarriers.emplace_back(new std::barrier<>(std::min(32u, block - 32 * w)));
            std::vector<std::thread> threads;
            for (unsigned t = 0; t < block; ++t)
                threads.emplace_back([=, &body] { threadIdx = {t, 0, 0}; blockIdx = {b, 0, 0}; body(); });
            for (auto& thread : threads) thread.join();
        }
    }
    static std::string directory;
    template <typename T> static std::vector<T> input(const char* name) {
        FILE* file = fopen((directory + "/" + name).c_str(), "rb");
        if (!file) { fprintf(stderr, "missing %s\n", name); exit(2); }
        fseek(file, 0, SEEK_END); long size = ftell(file); fseek(file, 0, SEEK_SET);
        std::vector<T> values(size / sizeof(T));
        if (fread(values.data(), 1, size, file) != (size_t)size) exit(3);
        fclose(file);
        return values;
    }
    template <typename T> static void output(const char* name, const std::vector<T>& values) {
        FILE* file = fopen((directory + "/" + name).c_str(), "wb");
        fwrite(values.data(), sizeof(T), values.size(), file);
        fclose(file);
    }
    """#

    /// Compiles `KernelSource.source` (after a #define for each of `defines`,
    /// as TN_CUDA_KERNEL_DEFINES gives them) with `main` (C++ that calls `run`
    /// and the kernels) and runs it in `directory`; throws with clang's or the
    /// program's error output. Skips when no clang++ with C++20 is found.
    static func compileAndRun(main: String, in directory: URL, defines: [String] = []) throws {
        let compiler = try clangPlusPlus()
        let source = directory.appendingPathComponent("emulator.cpp")
        let binary = directory.appendingPathComponent("emulator")
        let kernels = try KernelSource.moduleSource(environment: ["TN_CUDA_KERNEL_DEFINES": defines.joined(separator: " ")])
        try (prelude + "\n" + kernels + runner + main)
            .write(to: source, atomically: true, encoding: .utf8)
        try execute(compiler, ["-std=c++20", "-O1", "-pthread", "-w", source.path, "-o", binary.path], what: "clang++")
        try execute(binary.path, [directory.path], what: "emulator")
    }

    private static func execute(_ path: String, _ arguments: [String], what: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let log = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "KernelEmulator", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "\(what) failed: \(String(decoding: log, as: UTF8.self))"])
        }
    }

    /// clang++ from $CXX or the PATH (the Swift toolchain ships one); skips the test otherwise.
    static func clangPlusPlus() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let candidates = [environment["CXX"]].compactMap { $0 }
            + (environment["PATH"] ?? "").split(separator: ":").map { "\($0)/clang++" }
        guard let compiler = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("no clang++ on PATH (or in $CXX) to compile the CUDA C kernels for the CPU")
        }
        return compiler
    }

    static func write<T>(_ values: [T], _ name: String, in directory: URL) throws {
        try values.withUnsafeBytes { try Data($0).write(to: directory.appendingPathComponent(name)) }
    }

    static func read<T>(_ type: T.Type, _ name: String, in directory: URL) throws -> [T] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
    }
}
