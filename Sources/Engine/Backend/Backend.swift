// The backend boundary: which hardware runs the engine, chosen on the command
// line as `--backend auto|cpu|cuda`, and a description of it for provenance.
//
// `auto` never fails: without a usable GPU it falls back to the CPU and says
// so in one line. `cuda` fails with the reason (a missing library, no driver,
// no device), so that a reader who asked for the GPU learns why not.
import Foundation

/// What the user asked for.
public enum BackendChoice: String, CaseIterable, Sendable {
    case auto, cpu, cuda
}

/// A CUDA device, as provenance lines and the self-test name it.
public struct DeviceDescription: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var computeCapability: (major: Int, minor: Int)
    public var totalMemoryBytes: Int
    public var multiprocessors: Int
    public var driverVersion: Int

    /// "sm_90": the architecture NVRTC compiles for.
    public var architecture: Int { computeCapability.major * 10 + computeCapability.minor }

    /// The CPU emulation of the kernels (TN_CUDA_EMULATE), which has no
    /// architecture, memory or driver of its own to describe.
    public var isEmulation: Bool { architecture == 0 }

    public var description: String {
        if isEmulation { return name }
        return "\(name) (sm_\(architecture), \(formatGiB(totalMemoryBytes)), \(multiprocessors) SMs, driver \(driverVersion / 1000).\(driverVersion % 1000 / 10))"
    }

    public static func == (a: DeviceDescription, b: DeviceDescription) -> Bool {
        a.name == b.name && a.computeCapability == b.computeCapability && a.totalMemoryBytes == b.totalMemoryBytes
    }
}

/// The CPU, for provenance lines of runs on the CPU backend.
public struct CPUDescription: Sendable, Equatable, CustomStringConvertible {
    public var modelName: String
    public var cores: Int

    public var description: String { "\(modelName) (\(cores) cores)" }

    /// This machine's CPU: the model name from /proc/cpuinfo on Linux.
    public static func current() -> CPUDescription {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) {
            return CPUDescription(modelName: parseModelName(cpuinfo: text) ?? "unknown CPU", cores: cores)
        }
        return CPUDescription(modelName: "unknown CPU", cores: cores)
    }

    /// The first "model name" (x86) or "Model"/"CPU part" (ARM) value.
    static func parseModelName(cpuinfo: String) -> String? {
        for key in ["model name", "Model", "CPU part"] {
            for line in cpuinfo.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == key else { continue }
                let value = parts[1].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty { return value }
            }
        }
        return nil
    }
}

/// The backend that will run, with what the caller should print.
public struct ResolvedBackend: Sendable, Equatable {
    public enum Kind: String, Sendable { case cpu, cuda }
    public var kind: Kind
    /// The GPU, when `kind` is `.cuda`.
    public var device: DeviceDescription?
    public var cpu: CPUDescription
    /// One line for the user when `auto` fell back to the CPU; nil otherwise.
    public var notice: String?

    /// "cuda: NVIDIA H100 …" or "cpu: Intel … (16 cores)", for provenance lines.
    public var provenance: String {
        if kind == .cuda, let device { return "cuda: \(device)" }
        return "cpu: \(cpu)"
    }
}

public enum Backend {
    /// Resolves a choice to a backend. Throws `CUDAUnavailable` (or a
    /// `CUDAError`) only for `.cuda`; `.auto` falls back with a notice.
    public static func resolve(_ choice: BackendChoice,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ResolvedBackend {
        let cpu = CPUDescription.current()
        if choice != .cpu, try emulatesCUDA(environment: environment) {
            return ResolvedBackend(kind: .cuda, device: EmulatedDevice.description, cpu: cpu, notice: emulationNotice)
        }
        switch choice {
        case .cpu:
            return ResolvedBackend(kind: .cpu, device: nil, cpu: cpu, notice: nil)
        case .cuda:
            return ResolvedBackend(kind: .cuda, device: try probeCUDA(), cpu: cpu, notice: nil)
        case .auto:
            do {
                return ResolvedBackend(kind: .cuda, device: try probeCUDA(), cpu: cpu, notice: nil)
            } catch {
                return ResolvedBackend(kind: .cpu, device: nil, cpu: cpu,
                                       notice: "note: no usable GPU, running on the CPU (\(error))")
            }
        }
    }

    /// TN_CUDA_EMULATE: unset or 0, the CUDA backend is the GPU; 1, it is
    /// the CPU emulation of its kernels (EmulatedDevice: every launch runs
    /// the kernel's CPU twin, products go to OpenBLAS), so that a machine
    /// without a GPU can run `tn build --backend cuda` and `tn train
    /// --backend cuda` through the CUDA trainer, graphs and all, and check
    /// that the chapters train and their claims hold on that path. It is
    /// slow, and what it checks is the plumbing and the arithmetic of the
    /// twins, not a GPU: provenance lines name the emulation.
    public static func emulatesCUDA(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Bool {
        guard let text = environment["TN_CUDA_EMULATE"] else { return false }
        switch text.trimmingCharacters(in: .whitespaces) {
        case "0": return false
        case "1": return true
        default:
            throw SettingError(name: "TN_CUDA_EMULATE", value: text,
                               problem: "must be 1 (the CUDA backend runs on the CPU emulation of its kernels) or 0 (on the GPU, the default)")
        }
    }

    /// What `tn` says when the emulation stands in for the GPU.
    static let emulationNotice = "note: TN_CUDA_EMULATE=1: the CUDA backend runs on the CPU emulation of its kernels "
        + "(slow; for checking the CUDA path without a GPU, not for figures or timings)"

    /// Loads the driver, NVRTC and cuBLAS, and describes device 0. Loading the
    /// libraries here means `--backend cuda` fails at once, not mid-run.
    static func probeCUDA() throws -> DeviceDescription {
        let driver = try CUDADriver.shared()
        _ = try NVRTC()
        switch DynamicLibrary.open(firstOf: CUBLAS.sonames) {
        case .success: break
        case .failure(let error):
            throw CUDAUnavailable.libraryMissing(library: "libcublas (CUDA's BLAS)", sonames: CUBLAS.sonames,
                                                 detail: error.reasons.first ?? error.description)
        }
        return try describeDevice(driver: driver, ordinal: 0).description
    }

    static func describeDevice(driver: CUDADriver, ordinal: Int32) throws -> (device: CUdevice, description: DeviceDescription) {
        var device: CUdevice = 0
        try driver.check(driver.deviceGet(&device, ordinal), "cuDeviceGet(\(ordinal))")
        var name = [CChar](repeating: 0, count: 256)
        try driver.check(driver.deviceGetName(&name, Int32(name.count), device), "cuDeviceGetName")
        func attribute(_ id: Int32, _ label: String) throws -> Int {
            var value: Int32 = 0
            try driver.check(driver.deviceGetAttribute(&value, id, device), "cuDeviceGetAttribute(\(label))")
            return Int(value)
        }
        let major = try attribute(CUDAConstant.attributeComputeCapabilityMajor, "compute capability major")
        let minor = try attribute(CUDAConstant.attributeComputeCapabilityMinor, "compute capability minor")
        let multiprocessors = try attribute(CUDAConstant.attributeMultiprocessorCount, "multiprocessor count")
        var memory = 0
        try driver.check(driver.deviceTotalMemory(&memory, device), "cuDeviceTotalMem_v2")
        var version: Int32 = 0
        try driver.check(driver.driverGetVersion(&version), "cuDriverGetVersion")
        let description = DeviceDescription(name: String(cString: name), computeCapability: (major, minor),
                                            totalMemoryBytes: memory, multiprocessors: multiprocessors,
                                            driverVersion: Int(version))
        return (device, description)
    }
}

private func formatGiB(_ bytes: Int) -> String {
    "\((Double(bytes) / 1_073_741_824 * 10).rounded() / 10) GiB"
}
