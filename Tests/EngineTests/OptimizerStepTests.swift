// First steps of the optimizers on a small vector, checked against the
// published update rules with the arithmetic written out; the equivalences
// the issue names; convergence on the quadratic and Rosenbrock.
import XCTest
@testable import Engine

/// Runs `steps` steps with a fixed gradient function and returns the points.
private func runSteps<O: Optimizer>(
    _ optimizer: O, from start: [Double], steps: Int, gradient: ([Double]) -> [Double]
) -> [[Double]] where O.Scalar == Double {
    var optimizer = optimizer
    var point = start
    var points: [[Double]] = []
    for _ in 0..<steps {
        let g = gradient(point)
        point.withUnsafeMutableBufferPointer { p in
            g.withUnsafeBufferPointer { optimizer.step(parameters: p, gradients: $0) }
        }
        points.append(point)
    }
    return points
}

/// f = ½‖θ‖², so the gradient is θ itself.
private func identityGradient(_ point: [Double]) -> [Double] { point }

final class OptimizerStepTests: XCTestCase {
    func testSGDMomentumFirstThreeSteps() {
        // lr 0.1, μ 0.9, θ₀ = 1, g = θ. The buffer starts at the first gradient.
        // step 1: b = 1,                     θ = 1 − 0.1·1 = 0.9
        // step 2: b = 0.9·1 + 0.9 = 1.8,     θ = 0.9 − 0.18 = 0.72
        // step 3: b = 0.9·1.8 + 0.72 = 2.34, θ = 0.72 − 0.234 = 0.486
        let points = runSteps(SGD<Double>(learningRate: 0.1, momentum: 0.9), from: [1], steps: 3,
                         gradient: identityGradient)
        XCTAssertEqual(points.map { $0[0] }, [0.9, 0.72, 0.486].map { $0 }, accuracy: 1e-12)
    }

    func testSGDNesterovDampeningAndDecayFirstSteps() {
        // Nesterov, lr 0.1, μ 0.5, λ 0.1, θ₀ = 2, g = θ so g+λθ = 1.1θ.
        // step 1: g = 2.2, b = 2.2, d = 2.2 + 0.5·2.2 = 3.3, θ = 2 − 0.33 = 1.67
        // step 2: g = 1.837, b = 0.5·2.2 + 1.837 = 2.937, d = 1.837 + 1.4685 = 3.3055,
        //         θ = 1.67 − 0.33055 = 1.33945
        let points = runSteps(SGD<Double>(learningRate: 0.1, momentum: 0.5, nesterov: true, weightDecay: 0.1),
                         from: [2], steps: 2, gradient: identityGradient)
        XCTAssertEqual(points.map { $0[0] }, [1.67, 1.33945], accuracy: 1e-12)
        // Dampening 0.5 (no Nesterov), lr 0.1, μ 0.9, θ₀ = 1:
        // step 1: b = 1 (first gradient, undamped), θ = 0.9
        // step 2: b = 0.9·1 + 0.5·0.9 = 1.35, θ = 0.9 − 0.135 = 0.765
        let damped = runSteps(SGD<Double>(learningRate: 0.1, momentum: 0.9, dampening: 0.5),
                         from: [1], steps: 2, gradient: identityGradient)
        XCTAssertEqual(damped.map { $0[0] }, [0.9, 0.765], accuracy: 1e-12)
    }

    func testAdamFirstThreeSteps() {
        // lr 0.1, β (0.9, 0.999), ε 1e-8, constant gradient g = 2.
        // m_t = 2(1 − 0.9ᵗ), v_t = 4(1 − 0.999ᵗ); m̂ = 2, √v̂ = 2, so every step
        // moves by lr·2/(2 + ε) = 0.1·(1 − 5e-9) (to first order).
        let points = runSteps(Adam<Double>(learningRate: 0.1), from: [1], steps: 3, gradient: { _ in [2] })
        var expected: [Double] = []
        var theta = 1.0
        for t in 1...3 {
            let m = 2 * (1 - pow(0.9, Double(t))), v = 4 * (1 - pow(0.999, Double(t)))
            let stepSize = 0.1 / (1 - pow(0.9, Double(t)))
            theta -= stepSize * m / (v.squareRoot() / (1 - pow(0.999, Double(t))).squareRoot() + 1e-8)
            expected.append(theta)
        }
        XCTAssertEqual(points.map { $0[0] }, expected, accuracy: 1e-12)
        XCTAssertEqual(points.map { $0[0] }, [0.9, 0.8, 0.7], accuracy: 1e-8)
    }

    func testAdagradAndRMSpropFirstSteps() {
        // Adagrad lr 0.1, g = 2 each step: s = 4, 8, 12; θ −= 0.1·2/√s.
        // θ = 1 − 0.1 = 0.9, 0.9 − 0.2/√8 = 0.829289..., − 0.2/√12 = 0.771554...
        let adagrad = runSteps(Adagrad<Double>(learningRate: 0.1, epsilon: 0), from: [1], steps: 3,
                          gradient: { _ in [2] })
        let adagradSecond: Double = 0.9 - 0.2 / 8.0.squareRoot()
        let adagradThird: Double = adagradSecond - 0.2 / 12.0.squareRoot()
        XCTAssertEqual(adagrad.map { $0[0] }, [0.9, adagradSecond, adagradThird], accuracy: 1e-12)
        // RMSprop lr 0.01, α 0.99, ε 0, g = 2: s = 0.04, 0.0796, 0.118804;
        // θ −= 0.01·2/√s: 1 − 0.1 = 0.9, then − 0.02/√0.0796, − 0.02/√0.118804.
        let rmsprop = runSteps(RMSprop<Double>(epsilon: 0), from: [1], steps: 3, gradient: { _ in [2] })
        let second = 0.9 - 0.02 / 0.0796.squareRoot()
        XCTAssertEqual(rmsprop.map { $0[0] }, [0.9, second, second - 0.02 / 0.118804.squareRoot()],
                       accuracy: 1e-12)
    }

    func testAdamWWithoutDecayEqualsAdam() {
        let gradient: ([Double]) -> [Double] = { [3 * $0[0] - 1, $0[1] * $0[1]] }
        let adam = runSteps(Adam<Double>(learningRate: 0.05), from: [1, -2], steps: 50, gradient: gradient)
        let adamW = runSteps(AdamW<Double>(learningRate: 0.05, weightDecay: 0), from: [1, -2], steps: 50,
                        gradient: gradient)
        XCTAssertEqual(adam, adamW)
        // And with decay they differ, so the comparison above can fail.
        let decayed = runSteps(AdamW<Double>(learningRate: 0.05, weightDecay: 0.1), from: [1, -2], steps: 50,
                          gradient: gradient)
        XCTAssertNotEqual(adam, decayed)
    }

    func testSGDWithoutMomentumEqualsGradientDescent() {
        let points = runSteps(SGD<Double>(learningRate: 0.1, momentum: 0), from: [1, -3], steps: 5,
                         gradient: identityGradient)
        // θ_k = θ₀·0.9ᵏ for f = ½θ².
        for (k, point) in points.enumerated() {
            XCTAssertEqual(point[0], pow(0.9, Double(k + 1)), accuracy: 1e-12)
            XCTAssertEqual(point[1], -3 * pow(0.9, Double(k + 1)), accuracy: 1e-12)
        }
    }

    func testRMSpropWithZeroAlphaAndEpsMovesByLearningRateTimesSign() {
        var optimizer = RMSprop<Double>(learningRate: 0.05, alpha: 0, epsilon: 0)
        var point: [Double] = [1, -1, 3]
        let gradient: [Double] = [4, -0.001, 250]
        point.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeBufferPointer { optimizer.step(parameters: p, gradients: $0) }
        }
        XCTAssertEqual(point, [0.95, -0.95, 2.95], accuracy: 1e-15)
    }

    func testConvergenceOnQuadraticAndRosenbrock() {
        let quadratic = TestFunction.quadratic.trajectory(
            optimizer: SGD<Double>(learningRate: 0.1, momentum: 0.5), start: (-4, 2), steps: 200)
        XCTAssertLessThan(quadratic.final.value, 1e-10)
        let adam = TestFunction.rosenbrock.trajectory(
            optimizer: Adam<Double>(learningRate: 0.02), start: (-1.5, 2), steps: 5000)
        XCTAssertEqual(adam.final.x, 1, accuracy: 1e-3)
        XCTAssertEqual(adam.final.y, 1, accuracy: 2e-3)
        let momentum = TestFunction.rosenbrock.trajectory(
            optimizer: SGD<Float>(learningRate: 5e-4, momentum: 0.9), start: (-1.5, 2), steps: 20000)
        XCTAssertLessThan(momentum.final.value, 1e-4)
    }

    func testDivergenceIsReportedAtTheStep() {
        let path = TestFunction.rosenbrock.trajectory(
            optimizer: SGD<Double>(learningRate: 0.01), start: (-1.5, 2), steps: 100)
        XCTAssertEqual(path.divergedAtStep, 7)
        XCTAssertEqual(path.points.count, 8)
        XCTAssertFalse(path.final.isFinite)
    }
}

private func XCTAssertEqual(
    _ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}

private func XCTAssertEqual(
    _ a: [[Double]], _ b: [[Double]], file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertTrue(a == b, "trajectories differ", file: file, line: line)
}
