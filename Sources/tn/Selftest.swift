// `tn selftest --backend cpu|cuda|auto`: checks a backend against the CPU
// engine on random inputs. With cpu it checks the CUDA kernels' CPU twins
// against the engine's layers and runs the GPU checks on a CPU emulation of
// the device (useful on any machine); with cuda the GPU
// against the engine and the twins. Exits non-zero on any failed check, and
// with the reason when the CUDA backend cannot run here.
import ArgumentParser
import Engine
import Foundation

struct Selftest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a backend against the CPU engine: forward pass, every gradient, 10 steps of each optimizer.",
        discussion: "Relative errors are normwise (max |a − b| / max |b|); the limit is 1e-4 in FP32 and 1e-2 with --tf32.")

    // The backend is parsed from text here (not by conforming BackendChoice to
    // ExpressibleByArgument) so that other commands may add that conformance.
    @Option(help: ArgumentHelp("Backend to check: cpu, cuda or auto.", valueName: "cpu|cuda|auto"))
    var backend = "auto"

    @Flag(help: "Let cuBLAS use TF32 tensor cores (checked to 1e-2 instead of 1e-4).")
    var tf32 = false

    @Option(help: "Seed for the random inputs and models.")
    var seed: UInt64 = 1

    func validate() throws {
        guard BackendChoice(rawValue: backend) != nil else {
            throw ValidationError("--backend must be cpu, cuda or auto, got '\(backend)'")
        }
    }

    func run() throws {
        let resolved: ResolvedBackend
        do {
            resolved = try Backend.resolve(BackendChoice(rawValue: backend)!)
        } catch {
            FileHandle.standardError.write(Data("tn selftest: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if let notice = resolved.notice { FileHandle.standardError.write(Data("\(notice)\n".utf8)) }

        let checks: [SelfTestCheck]
        switch resolved.kind {
        case .cpu:
            print("selftest: the CUDA kernels' CPU twins, and the GPU checks on a CPU emulation of the device, on \(resolved.provenance)")
            checks = try BackendSelfTest.runCPU(seed: seed)
        case .cuda:
            let outcome = try BackendSelfTest.runCUDA(seed: seed, tf32: tf32)
            print("selftest: cuda: \(outcome.device)\(tf32 ? ", TF32" : ", FP32")")
            checks = outcome.checks
        }
        for check in checks { print(check) }
        let failed = checks.filter { !$0.passed }.count
        print(failed == 0 ? "all \(checks.count) checks passed" : "\(failed) of \(checks.count) checks failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
