// The gradient oracle, written once: central finite differences of a scalar
// objective, accumulated in Double, compared with the analytic gradients.
//
// The layers compute in Float, so the differences use h = 1e-3 and inputs kept
// away from ReLU's kink; the tolerance (2e-3 absolute + 1e-2 relative) is far
// below the error of any wrong formula (see testCheckCatchesAWrongGradient).
import XCTest
@testable import Engine

struct GradientMismatch: CustomStringConvertible {
    let what: String
    let index: Int
    let analytic: Double
    let numeric: Double
    var description: String { "\(what)[\(index)]: analytic \(analytic), numeric \(numeric)" }
}

enum GradientCheck {
    static let step: Float = 1e-3

    static func close(_ analytic: Double, _ numeric: Double) -> Bool {
        abs(analytic - numeric) <= 2e-3 + 1e-2 * max(abs(analytic), abs(numeric))
    }

    /// Random values in ±[0.2, 1], so no input sits near a ReLU kink.
    static func randomAwayFromZero(_ count: Int, _ generator: inout RandomGenerator) -> [Float] {
        (0..<count).map { _ in
            let magnitude = generator.uniform(0.2, 1)
            return generator.next() & 1 == 0 ? magnitude : -magnitude
        }
    }

    /// Checks dObjective/dParameters and dObjective/dInput of `layer`, with the
    /// objective Σ rᵢ·yᵢ for fixed random weights r. `beforeForward` runs before
    /// every forward pass (dropout reseeds there so its mask stays fixed).
    static func mismatches(layer: Layer, rows: Int, mode: Mode = .training, seed: UInt64 = 7,
                           beforeForward: () -> Void = {}) -> [GradientMismatch] {
        var generator = RandomGenerator(seed: seed)
        let parameters = Tensor(shape: [max(layer.parameterCount, 1)])
        let gradients = Tensor(shape: [max(layer.parameterCount, 1)])
        layer.bind(parameters: parameters.data, gradients: gradients.data)
        for i in 0..<layer.parameterCount { parameters[i] = generator.uniform(-0.8, 0.8) }
        layer.reserve(batchCapacity: rows)
        let input = try! Tensor(shape: [rows, layer.inputFeatures],
                                values: randomAwayFromZero(rows * layer.inputFeatures, &generator))
        let weights = (0..<(rows * layer.outputFeatures)).map { _ in Double(generator.uniform(-1, 1)) }

        func objective() -> Double {
            beforeForward()
            let y = layer.forward(input.matrix(), mode: mode)
            var total = 0.0
            for i in 0..<y.count { total += weights[i] * Double(y.data[i]) }
            return total
        }

        beforeForward()
        _ = layer.forward(input.matrix(), mode: mode)
        let outputGradient = try! Tensor(shape: [rows, layer.outputFeatures], values: weights.map(Float.init))
        let inputGradient = layer.backward(outputGradient.matrix(), needsInputGradient: true)!.array
        let parameterGradient = Array(gradients.array.prefix(layer.parameterCount))

        var found: [GradientMismatch] = []
        func numeric(_ pointer: UnsafeMutablePointer<Float>) -> Double {
            let saved = pointer.pointee
            pointer.pointee = saved + step
            let plus = objective()
            pointer.pointee = saved - step
            let minus = objective()
            pointer.pointee = saved
            return (plus - minus) / (2 * Double(step))
        }
        for i in sampleIndices(layer.parameterCount, &generator) {
            let n = numeric(parameters.data + i)
            if !close(Double(parameterGradient[i]), n) {
                found.append(GradientMismatch(what: "\(layer.description) parameter", index: i, analytic: Double(parameterGradient[i]), numeric: n))
            }
        }
        for i in sampleIndices(input.count, &generator) {
            let n = numeric(input.data + i)
            if !close(Double(inputGradient[i]), n) {
                found.append(GradientMismatch(what: "\(layer.description) input", index: i, analytic: Double(inputGradient[i]), numeric: n))
            }
        }
        return found
    }

    /// Every index when there are few, else 80 spread over the range.
    static func sampleIndices(_ count: Int, _ generator: inout RandomGenerator) -> [Int] {
        count <= 120 ? Array(0..<count) : (0..<80).map { _ in Int(generator.next() % UInt64(count)) }
    }

    /// Checks the gradient of a scalar function of a Float vector.
    static func mismatches(of function: ([Float]) -> Double, at point: [Float], analytic: [Float], what: String) -> [GradientMismatch] {
        var found: [GradientMismatch] = []
        for i in point.indices {
            var plus = point, minus = point
            plus[i] += step
            minus[i] -= step
            let n = (function(plus) - function(minus)) / (2 * Double(step))
            if !close(Double(analytic[i]), n) {
                found.append(GradientMismatch(what: what, index: i, analytic: Double(analytic[i]), numeric: n))
            }
        }
        return found
    }
}
