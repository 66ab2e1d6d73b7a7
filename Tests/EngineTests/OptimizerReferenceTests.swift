// Replays the torch.optim reference trajectories in Tests/Reference (written
// by torch_trajectories.py) with the engine's optimizers and test functions,
// and checks that every point agrees: float64 runs to a relative error of
// 1e-6, float32 runs to 1e-4, over all 120 steps.
//
// Relative error here is |ours − torch| / max(|torch|, 1e-3): plainly
// relative for coordinates and values of normal size, and absolute (scaled by
// 1e-3) for the few that pass through zero, where a relative error is
// meaningless after cancellation.

import Foundation
import XCTest
@testable import Engine

final class OptimizerReferenceTests: XCTestCase {
    func testFloat64TrajectoriesMatchTorch() throws {
        try checkReference(file: "torch_trajectories_float64.json", as: Double.self, tolerance: 1e-6)
    }

    // The float32 runs against torch with a correctly rounded sqrt: every run
    // within 1e-4, and nearly all identical to the bit, since the engine
    // evaluates the functions, their gradients and each update in the same
    // operation order as autograd and torch.optim do. (The three that are
    // not part at one subnormal ulp of a coordinate decaying to zero.)
    func testFloat32TrajectoriesMatchTorchWithIEEESqrt() throws {
        try checkReference(file: "torch_trajectories_float32_ieee_sqrt.json", as: Float.self, tolerance: 1e-4,
                           minimumIdentical: 150)
    }

    // Against stock torch, 146 of 155 float32 runs are within 1e-4. The other
    // nine (momentum RMSprop, Adadelta with ρ 0.5, RAdam with β₁ 0.5, all on
    // surfaces where they oscillate) part by up to 1.1e-3, and the file above
    // shows why: PyTorch's float32 sqrt (MKL's vector maths) is one ulp off
    // IEEE 754's for 17% of inputs on this CPU, and with it swapped for a
    // correctly rounded one those runs match too. The engine keeps IEEE sqrt;
    // this test holds the bound reached and the count within 1e-4.
    func testFloat32TrajectoriesMatchStockTorch() throws {
        try checkReference(file: "torch_trajectories_float32.json", as: Float.self, tolerance: 2e-3,
                           targetTolerance: 1e-4, allowedOverTarget: 9)
    }

    private func checkReference<Scalar: BinaryFloatingPoint>(
        file: String, as: Scalar.Type, tolerance: Double,
        targetTolerance: Double? = nil, allowedOverTarget: Int = 0, minimumIdentical: Int = 0
    ) throws {
        var overTarget = 0
        var identical = 0
        let cases = try loadReferenceCases(file)
        XCTAssertGreaterThanOrEqual(cases.count, 150, "reference file \(file) is incomplete")
        var worst = 0.0
        var worstCase = ""
        var divergentCases = 0
        for reference in cases {
            let function = try XCTUnwrap(TestFunction(rawValue: reference.function))
            let optimizer: any Optimizer<Scalar> = try makeReferenceOptimizer(
                reference.optimizer, reference.params)
            let steps = 120
            let path = function.trajectory(
                optimizer: optimizer, start: (reference.start[0], reference.start[1]), steps: steps)
            let label = "\(reference.function) \(reference.optimizer) \(reference.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"

            // Same length: both ran all steps, or both diverged at the same step.
            XCTAssertEqual(path.points.count, reference.trajectory.count, "length differs for \(label)")
            if reference.trajectory.count < steps + 1 {
                divergentCases += 1
                XCTAssertEqual(path.divergedAtStep, reference.trajectory.count - 1, label)
            } else {
                XCTAssertNil(path.divergedAtStep, label)
            }
            var caseWorst = 0.0, caseWorstRow = 0
            var caseIdentical = path.rows.count == reference.trajectory.count
            defer { if caseIdentical { identical += 1 } }
            defer { if let targetTolerance, caseWorst > targetTolerance { overTarget += 1 } }
            defer { if ProcessInfo.processInfo.environment["REFERENCE_DIAGNOSTICS"] != nil && caseWorst > tolerance / 100 { print("DIAG \(caseWorst) row \(caseWorstRow) \(label)") } }
            if let wanted = ProcessInfo.processInfo.environment["REFERENCE_TRACE"], wanted.split(separator: ",").allSatisfy({ label.contains($0) }) {
                for (rowIndex, (row, expected)) in zip(path.rows, reference.trajectory).enumerated() where rowIndex < 130 {
                    print("TRACE", rowIndex, row, expected)
                }
            }
            for (rowIndex, (row, expected)) in zip(path.rows, reference.trajectory).enumerated() {
                for (ours, theirs) in zip(row, expected) {
                    guard let theirs else {
                        XCTAssertFalse(ours.isFinite, "torch overflowed but we did not: \(label)")
                        continue
                    }
                    if ours != theirs { caseIdentical = false }
                    let error = abs(ours - theirs) / max(abs(theirs), 1e-3)
                    if error > worst { worst = error; worstCase = label }
                    if error > caseWorst { caseWorst = error; caseWorstRow = rowIndex }
                }
            }
        }
        XCTAssertEqual(divergentCases, 1, "the reference has one run that overflows")
        XCTAssertLessThanOrEqual(overTarget, allowedOverTarget, "runs over the target tolerance")
        XCTAssertGreaterThanOrEqual(identical, minimumIdentical, "runs identical to the bit")
        XCTAssertLessThanOrEqual(worst, tolerance, "worst case: \(worstCase)")
        print("\(file): \(cases.count) cases, worst relative error \(worst) (\(worstCase)), \(overTarget) over target, \(identical) identical")
    }
}

/// One reference run, as written by torch_trajectories.py. Decoded with
/// JSONDecoder, which reads decimals exactly; JSONSerialization on Linux
/// does not, and its last-digit errors would swamp a 1e-6 comparison.
struct ReferenceCase: Decodable {
    var function: String
    var optimizer: String
    var params: [String: ReferenceValue]
    var start: [Double]
    /// [x, y, f] per point; nil where torch had inf or NaN.
    var trajectory: [[Double?]]
}

/// A keyword argument of a torch optimizer: a number, a flag or the betas.
enum ReferenceValue: Decodable, CustomStringConvertible {
    case number(Double)
    case flag(Bool)
    case numbers([Double])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) { self = .flag(flag) }
        else if let number = try? container.decode(Double.self) { self = .number(number) }
        else { self = .numbers(try container.decode([Double].self)) }
    }

    var description: String {
        switch self {
        case .number(let value): return "\(value)"
        case .flag(let value): return "\(value)"
        case .numbers(let values): return "\(values)"
        }
    }
}

private struct ReferenceDocument: Decodable {
    var cases: [ReferenceCase]
}

func loadReferenceCases(_ file: String) throws -> [ReferenceCase] {
    let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Reference").appendingPathComponent(file)
    return try JSONDecoder().decode(ReferenceDocument.self, from: Data(contentsOf: url)).cases
}

/// Builds the engine optimizer for torch's class name and keyword arguments;
/// a missing argument keeps the engine's default, which must be torch's.
func makeReferenceOptimizer<Scalar: BinaryFloatingPoint>(
    _ name: String, _ parameters: [String: ReferenceValue]
) throws -> any Optimizer<Scalar> {
    func number(_ key: String) -> Double? {
        if case .number(let value)? = parameters[key] { return value }
        return nil
    }
    func flag(_ key: String) -> Bool {
        if case .flag(let value)? = parameters[key] { return value }
        return false
    }
    var betas: [Double]? = nil
    if case .numbers(let values)? = parameters["betas"] { betas = values }
    let known: Set<String> = [
        "lr", "momentum", "dampening", "nesterov", "weight_decay", "alpha", "eps", "centered",
        "betas", "amsgrad", "lr_decay", "initial_accumulator_value", "rho", "momentum_decay",
    ]
    let unknown = Set(parameters.keys).subtracting(known)
    if !unknown.isEmpty { throw ReferenceError.unknownParameters(unknown.sorted()) }

    switch name {
    case "sgd":
        let d = SGD<Scalar>()
        return SGD<Scalar>(
            learningRate: number("lr") ?? d.learningRate, momentum: number("momentum") ?? 0,
            dampening: number("dampening") ?? 0, nesterov: flag("nesterov"),
            weightDecay: number("weight_decay") ?? 0)
    case "rmsprop":
        let d = RMSprop<Scalar>()
        return RMSprop<Scalar>(
            learningRate: number("lr") ?? d.learningRate, alpha: number("alpha") ?? d.alpha,
            epsilon: number("eps") ?? d.epsilon, weightDecay: number("weight_decay") ?? 0,
            momentum: number("momentum") ?? 0, centered: flag("centered"))
    case "adam", "adamw":
        let d = Adam<Scalar>()
        let learningRate = number("lr") ?? d.learningRate
        let beta1 = betas?[0] ?? d.beta1, beta2 = betas?[1] ?? d.beta2
        let epsilon = number("eps") ?? d.epsilon
        if name == "adam" {
            return Adam<Scalar>(
                learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                weightDecay: number("weight_decay") ?? 0, amsgrad: flag("amsgrad"))
        }
        return AdamW<Scalar>(
            learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
            weightDecay: number("weight_decay") ?? AdamW<Scalar>().weightDecay, amsgrad: flag("amsgrad"))
    case "adagrad":
        let d = Adagrad<Scalar>()
        return Adagrad<Scalar>(
            learningRate: number("lr") ?? d.learningRate, learningRateDecay: number("lr_decay") ?? 0,
            weightDecay: number("weight_decay") ?? 0,
            initialAccumulatorValue: number("initial_accumulator_value") ?? 0,
            epsilon: number("eps") ?? d.epsilon)
    case "adadelta":
        let d = Adadelta<Scalar>()
        return Adadelta<Scalar>(
            learningRate: number("lr") ?? d.learningRate, rho: number("rho") ?? d.rho,
            epsilon: number("eps") ?? d.epsilon, weightDecay: number("weight_decay") ?? 0)
    case "adamax":
        let d = Adamax<Scalar>()
        return Adamax<Scalar>(
            learningRate: number("lr") ?? d.learningRate, beta1: betas?[0] ?? d.beta1,
            beta2: betas?[1] ?? d.beta2, epsilon: number("eps") ?? d.epsilon,
            weightDecay: number("weight_decay") ?? 0)
    case "nadam":
        let d = NAdam<Scalar>()
        return NAdam<Scalar>(
            learningRate: number("lr") ?? d.learningRate, beta1: betas?[0] ?? d.beta1,
            beta2: betas?[1] ?? d.beta2, epsilon: number("eps") ?? d.epsilon,
            weightDecay: number("weight_decay") ?? 0,
            momentumDecay: number("momentum_decay") ?? d.momentumDecay)
    case "radam":
        let d = RAdam<Scalar>()
        return RAdam<Scalar>(
            learningRate: number("lr") ?? d.learningRate, beta1: betas?[0] ?? d.beta1,
            beta2: betas?[1] ?? d.beta2, epsilon: number("eps") ?? d.epsilon,
            weightDecay: number("weight_decay") ?? 0)
    default:
        throw ReferenceError.unknownOptimizer(name)
    }
}

enum ReferenceError: Error {
    case unknownOptimizer(String)
    case unknownParameters([String])
}
