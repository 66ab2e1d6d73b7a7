// What the CUDA network and trainer need from a device: memory, copies,
// kernel launches by name, cuBLAS-style products and graph capture. The
// CUDA context provides it on a GPU; EmulatedDevice provides it on the CPU
// with the kernels' twins, so the network's launch sequences, buffer
// offsets and graph replays are exercised on machines without a GPU.

/// Device memory, released when the last reference goes.
final class DeviceBuffer {
    let address: CUdeviceptr
    let bytes: Int
    private let release: () -> Void

    init(address: CUdeviceptr, bytes: Int, release: @escaping () -> Void) {
        self.address = address
        self.bytes = bytes
        self.release = release
    }

    deinit { release() }

    /// The address `floats` Floats (or other 4-byte elements) in.
    func offset(floats: Int) -> CUdeviceptr { address + CUdeviceptr(floats * 4) }
}

/// A captured sequence of work, replayed with one call (a CUDA graph on a GPU).
protocol ReplayableWork: AnyObject {
    func replay() throws
}

protocol KernelDevice: AnyObject {
    var device: DeviceDescription { get }
    /// Makes the device current on the calling thread (CUDA contexts are per thread).
    func makeCurrent() throws
    func allocate(bytes: Int) throws -> DeviceBuffer
    /// (free, total) bytes.
    func memoryInfo() throws -> (free: Int, total: Int)
    /// Copies to the device; returns once `values` may be reused.
    func upload<T>(_ values: [T], to address: CUdeviceptr) throws
    /// Waits for queued work, then copies back.
    func download<T>(_ type: T.Type, count: Int, from address: CUdeviceptr, zero: T) throws -> [T]
    func zero(_ address: CUdeviceptr, bytes: Int) throws
    /// With `overlapping`, the kernel may start before the one ahead of it on
    /// the stream ends (it waits in wait_for_previous_kernel before reading
    /// that one's results), where the device allows it (CUDAContext).
    func launch(_ name: String, blocks: Int, threads: Int, overlapping: Bool, _ arguments: [KernelArgument]) throws
    /// Column-major C = op(A)·op(B) + beta·C, as cublasSgemm with alpha 1.
    func gemm(_ call: GemmCall, a: CUdeviceptr, b: CUdeviceptr, c: CUdeviceptr, beta: Float) throws
    /// Records the work `body` enqueues, without running it.
    func capture(_ body: () throws -> Void) throws -> ReplayableWork
}

extension KernelDevice {
    func launch(_ name: String, blocks: Int, threads: Int, _ arguments: [KernelArgument]) throws {
        try launch(name, blocks: blocks, threads: threads, overlapping: false, arguments)
    }

    func launch(_ name: String, blocks: Int, overlapping: Bool = false, _ arguments: [KernelArgument]) throws {
        try launch(name, blocks: blocks, threads: KernelSource.blockSize, overlapping: overlapping, arguments)
    }
}

/// Blocks for a grid-stride loop over `count` elements.
func gridBlocks(for count: Int, threads: Int = KernelSource.blockSize, cap: Int = 65_535) -> Int {
    min(max((count + threads - 1) / threads, 1), cap)
}
