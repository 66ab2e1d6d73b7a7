// First steps of AdamW, Adamax, Adadelta, NAdam and RAdam against torch.optim's
// documented update rules, written out here in Double one line per formula.
// (SGD, Adam, Adagrad and RMSprop are worked by hand in OptimizerStepTests.)
import XCTest
@testable import Engine

final class OptimizerFormulaTests: XCTestCase {
    /// Steps `optimizer` on the one-parameter function f = ½θ² (gradient θ).
    func path<O: Optimizer>(_ optimizer: O, from start: Double, steps: Int) -> [Double] where O.Scalar == Double {
        var optimizer = optimizer
        var theta = [start]
        var points: [Double] = []
        for _ in 0..<steps {
            let gradient = theta
            theta.withUnsafeMutableBufferPointer { p in
                gradient.withUnsafeBufferPointer { optimizer.step(parameters: p, gradients: $0) }
            }
            points.append(theta[0])
        }
        return points
    }

    func assertClose(_ actual: [Double], _ expected: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, file: file, line: line)
        for (a, e) in zip(actual, expected) {
            XCTAssertEqual(a, e, accuracy: 1e-12 * max(1, abs(e)), "got \(actual), expected \(expected)", file: file, line: line)
        }
    }

    func testAdamWDecaysBeforeTheMoments() {
        let lr = 0.1, decay = 0.5, beta1 = 0.9, beta2 = 0.999, eps = 1e-8
        var theta = 1.0, m = 0.0, v = 0.0, expected: [Double] = []
        for t in 1...3 {
            let g = theta                                   // gradient at the current point
            theta *= 1 - lr * decay                         // θ ← θ(1 − γλ), decoupled
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            let mHat = m / (1 - pow(beta1, Double(t))), vHat = v / (1 - pow(beta2, Double(t)))
            theta -= lr * mHat / (vHat.squareRoot() + eps)
            expected.append(theta)
        }
        assertClose(path(AdamW<Double>(learningRate: lr, weightDecay: decay), from: 1, steps: 3), expected)
        // Step 1 by hand: θ = 0.95, m̂ = 1, v̂ = 1, θ = 0.95 − 0.1/(1 + 1e-8).
        XCTAssertEqual(expected[0], 0.95 - 0.1 / (1 + 1e-8), accuracy: 1e-15)
    }

    func testAdamaxUsesTheInfinityNormWithEpsilonInsideTheMax() {
        let lr = 0.1, beta1 = 0.9, beta2 = 0.999, eps = 1e-8
        var theta = 1.0, m = 0.0, u = 0.0, expected: [Double] = []
        for t in 1...3 {
            let g = theta
            m = beta1 * m + (1 - beta1) * g
            u = max(beta2 * u, abs(g) + eps)                // u ← max(β₂u, |g| + ε)
            theta -= lr / (1 - pow(beta1, Double(t))) * m / u
            expected.append(theta)
        }
        assertClose(path(Adamax<Double>(learningRate: lr), from: 1, steps: 3), expected)
        // Step 1 by hand: m = 0.1, u = 1 + 1e-8, step size 0.1/0.1 = 1, θ = 1 − 0.1/(1 + 1e-8).
        XCTAssertEqual(expected[0], 1 - 0.1 / (1 + 1e-8), accuracy: 1e-15)
    }

    func testAdadeltaScalesByTheRatioOfRunningAverages() {
        let lr = 1.0, rho = 0.9, eps = 1e-6
        var theta = 1.0, squareAverage = 0.0, deltaAverage = 0.0, expected: [Double] = []
        for _ in 1...3 {
            let g = theta
            squareAverage = rho * squareAverage + (1 - rho) * g * g
            let delta = (deltaAverage + eps).squareRoot() / (squareAverage + eps).squareRoot() * g
            deltaAverage = rho * deltaAverage + (1 - rho) * delta * delta
            theta -= lr * delta
            expected.append(theta)
        }
        assertClose(path(Adadelta<Double>(), from: 1, steps: 3), expected)
        // Step 1 by hand: v = 0.1, δ = √1e-6/√(0.1 + 1e-6) ≈ 0.0031623, θ ≈ 0.9968377.
        XCTAssertEqual(expected[0], 1 - (1e-6).squareRoot() / (0.1 + 1e-6).squareRoot(), accuracy: 1e-15)
    }

    func testNAdamMomentumScheduleAndNesterovStep() {
        let lr = 0.01, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, psi = 4e-3
        var theta = 1.0, m = 0.0, v = 0.0, product = 1.0, expected: [Double] = []
        for t in 1...3 {
            let g = theta
            let mu = beta1 * (1 - 0.5 * pow(0.96, Double(t) * psi))
            let muNext = beta1 * (1 - 0.5 * pow(0.96, Double(t + 1) * psi))
            product *= mu
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            let denominator = (v / (1 - pow(beta2, Double(t)))).squareRoot() + eps
            theta -= lr * (1 - mu) / (1 - product) * g / denominator
            theta -= lr * muNext / (1 - product * muNext) * m / denominator
            expected.append(theta)
        }
        let actual = path(NAdam<Double>(learningRate: lr), from: 1, steps: 3)
        for (a, e) in zip(actual, expected) { XCTAssertEqual(a, e, accuracy: 1e-12) }
    }

    func testRAdamIsMomentumUntilTheVarianceIsTractableThenRectifies() {
        let lr = 0.01, beta1 = 0.9, beta2 = 0.999, eps = 1e-8
        let rhoInfinity = 2 / (1 - beta2) - 1
        var theta = 1.0, m = 0.0, v = 0.0, expected: [Double] = [], rectifiedFrom: Int?
        for t in 1...10 {
            let g = theta
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            let correction2 = 1 - pow(beta2, Double(t))
            let mHat = m / (1 - pow(beta1, Double(t)))
            let rho = rhoInfinity - 2 * Double(t) * pow(beta2, Double(t)) / correction2
            if rho > 5 {
                rectifiedFrom = rectifiedFrom ?? t
                let rectification = ((rho - 4) * (rho - 2) * rhoInfinity / ((rhoInfinity - 4) * (rhoInfinity - 2) * rho)).squareRoot()
                theta -= lr * mHat * rectification * correction2.squareRoot() / (v.squareRoot() + eps)
            } else {
                theta -= lr * mHat                           // no adaptive step while ρ_t ≤ 5
            }
            expected.append(theta)
        }
        // ρ₁ = 1999 − 2·0.999/0.001 = 1: the first steps are plain bias-corrected momentum.
        XCTAssertEqual(expected[0], 1 - lr * 1, accuracy: 1e-15)
        XCTAssertNotNil(rectifiedFrom, "the test should reach the rectified branch")
        let actual = path(RAdam<Double>(learningRate: lr), from: 1, steps: 10)
        for (a, e) in zip(actual, expected) { XCTAssertEqual(a, e, accuracy: 1e-12) }
    }
}
