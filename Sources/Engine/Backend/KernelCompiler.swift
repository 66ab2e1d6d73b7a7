// Compiles the kernel source with NVRTC for one device and caches the CUBIN
// in the user's cache folder, keyed by device, architecture and a SHA-256 of
// everything that decides the output (source, options, NVRTC version), so a
// second run, or a second process, loads the kernels in milliseconds.
import Foundation

enum KernelCompiler {
    /// No multiply-add contraction: the kernels then round like their CPU twins.
    static let options = ["--fmad=false"]

    /// ~/.cache/teaching-networks/cuda (or $XDG_CACHE_HOME/teaching-networks/cuda).
    static var cacheDirectory: URL {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return base.appendingPathComponent("teaching-networks/cuda")
    }

    /// "NVIDIA-H100-80GB-HBM3-sm90-<sha256>.cubin"
    static func cacheFileName(deviceName: String, architecture: Int, source: String, compilerVersion: String) -> String {
        let device = String(deviceName.map { $0.isLetter || $0.isNumber ? $0 : "-" })
        let digest = SHA256.hash(source + "\n" + options.joined(separator: " ") + "\nnvrtc " + compilerVersion)
        return "\(device)-sm\(architecture)-\(digest).cubin"
    }

    /// The CUBIN for `device`: from the cache when present, else compiled and stored.
    /// Returns whether it came from the cache, for the self-test's report.
    static func cubin(for device: DeviceDescription, source: String = KernelSource.source) throws -> (binary: [UInt8], cached: Bool) {
        let compiler = try NVRTC()
        let file = cacheDirectory.appendingPathComponent(
            cacheFileName(deviceName: device.name, architecture: device.architecture, source: source,
                          compilerVersion: compiler.versionString))
        if let data = try? Data(contentsOf: file), !data.isEmpty { return ([UInt8](data), true) }
        let binary = try compiler.compile(source: source, name: "teaching_networks_kernels.cu",
                                          architecture: device.architecture, options: options)
        // A cache that cannot be written costs a recompile next time, nothing more.
        try? FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
        try? Data(binary).write(to: file, options: .atomic)
        return (binary, false)
    }

    /// Deletes a cached CUBIN the driver refused (e.g. a truncated file).
    static func evict(for device: DeviceDescription, source: String = KernelSource.source) {
        guard let compiler = try? NVRTC() else { return }
        let file = cacheDirectory.appendingPathComponent(
            cacheFileName(deviceName: device.name, architecture: device.architecture, source: source,
                          compilerVersion: compiler.versionString))
        try? FileManager.default.removeItem(at: file)
    }
}
