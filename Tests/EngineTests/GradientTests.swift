// Every layer, loss and a whole model against central finite differences.
import XCTest
@testable import Engine

final class GradientTests: XCTestCase {
    func assertNoMismatch(_ mismatches: [GradientMismatch], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(mismatches.isEmpty, mismatches.prefix(5).map(\.description).joined(separator: "\n"), file: file, line: line)
    }

    func testLinearOnABatch() { assertNoMismatch(GradientCheck.mismatches(layer: Linear(7, 5), rows: 4)) }
    func testLinearOnOneExample() { assertNoMismatch(GradientCheck.mismatches(layer: Linear(9, 6), rows: 1)) }
    func testLayerNorm() { assertNoMismatch(GradientCheck.mismatches(layer: LayerNorm(7), rows: 3)) }
    func testReLU() { assertNoMismatch(GradientCheck.mismatches(layer: ReLU(6), rows: 3)) }

    func testDropoutInTraining() {
        let dropout = Dropout(8, probability: 0.4)
        assertNoMismatch(GradientCheck.mismatches(layer: dropout, rows: 3) {
            dropout.generator = RandomGenerator(seed: 99)
        })
    }

    func testDropoutIsIdentityInEvaluation() {
        let dropout = Dropout(8, probability: 0.4)
        dropout.reserve(batchCapacity: 2)
        let input = try! Tensor(shape: [2, 8], values: (0..<16).map(Float.init))
        XCTAssertEqual(dropout.forward(input.matrix(), mode: .evaluation).array, input.array)
        assertNoMismatch(GradientCheck.mismatches(layer: dropout, rows: 2, mode: .evaluation))
    }

    func testDropoutKeepsTheRightFractionAndScales() {
        let dropout = Dropout(1000, probability: 0.4)
        dropout.reserve(batchCapacity: 20)
        let ones = Tensor(shape: [20, 1000], repeating: 1)
        let y = dropout.forward(ones.matrix(), mode: .training).array
        let kept = y.filter { $0 != 0 }
        XCTAssertEqual(Double(kept.count) / Double(y.count), 0.6, accuracy: 0.01)
        XCTAssertTrue(kept.allSatisfy { abs($0 - 1 / 0.6) < 1e-6 })
    }

    func testSoftmaxCrossEntropy() {
        var generator = RandomGenerator(seed: 3)
        let rows = 4, classes = 5
        let logits = GradientCheck.randomAwayFromZero(rows * classes, &generator).map { $0 * 3 }
        let labels: [Int32] = [0, 4, 2, 2]
        let loss = SoftmaxCrossEntropy(classCount: classes)
        func value(_ z: [Float]) -> Double {
            let t = try! Tensor(shape: [rows, classes], values: z)
            return withExtendedLifetime(t) {
                labels.withUnsafeBufferPointer { loss.lossAndGradient(logits: t.matrix(), labels: $0.baseAddress!).loss }
            }
        }
        let t = try! Tensor(shape: [rows, classes], values: logits)
        let analytic = labels.withUnsafeBufferPointer { loss.lossAndGradient(logits: t.matrix(), labels: $0.baseAddress!).gradient.array }
        assertNoMismatch(GradientCheck.mismatches(of: value, at: logits, analytic: analytic, what: "cross-entropy"))
    }

    func testSoftmaxCrossEntropyValueByHand() {
        // Logits (1, 2, 3), label 2: loss = log(e¹ + e² + e³) − 3.
        let t = try! Tensor(shape: [1, 3], values: [1, 2, 3])
        let loss = SoftmaxCrossEntropy(classCount: 3)
        let label: [Int32] = [2]
        let value = label.withUnsafeBufferPointer { loss.lossAndGradient(logits: t.matrix(), labels: $0.baseAddress!).loss }
        XCTAssertEqual(value, log(exp(1.0) + exp(2.0) + exp(3.0)) - 3, accuracy: 1e-6)
    }

    func testSoftmaxCrossEntropyIsStableForHugeLogits() {
        let t = try! Tensor(shape: [1, 3], values: [1000, -1000, 0])
        let loss = SoftmaxCrossEntropy(classCount: 3)
        let label: [Int32] = [1]
        let (value, gradient) = label.withUnsafeBufferPointer { loss.lossAndGradient(logits: t.matrix(), labels: $0.baseAddress!) }
        XCTAssertEqual(value, 2000, accuracy: 1e-3)
        XCTAssertTrue(gradient.array.allSatisfy(\.isFinite))
    }

    func testMeanSquaredError() {
        var generator = RandomGenerator(seed: 5)
        let predictions = GradientCheck.randomAwayFromZero(6, &generator)
        let targets = try! Tensor(shape: [2, 3], values: GradientCheck.randomAwayFromZero(6, &generator))
        let loss = MeanSquaredError(features: 3)
        func value(_ p: [Float]) -> Double {
            let t = try! Tensor(shape: [2, 3], values: p)
            return withExtendedLifetime(t) { loss.lossAndGradient(predictions: t.matrix(), targets: targets.matrix()).loss }
        }
        let p = try! Tensor(shape: [2, 3], values: predictions)
        let analytic = loss.lossAndGradient(predictions: p.matrix(), targets: targets.matrix()).gradient.array
        assertNoMismatch(GradientCheck.mismatches(of: value, at: predictions, analytic: analytic, what: "MSE"))
    }

    /// The whole model, loss included: every parameter gradient of a small
    /// network with the tutorial's layer pattern.
    func testWholeModelParameterGradients() {
        let model = Sequential.perceptron(sizes: [6, 8, 7, 3], dropout: [0.3], seed: 11)
        var generator = RandomGenerator(seed: 2)
        let rows = 5
        let input = try! Tensor(shape: [rows, 6], values: GradientCheck.randomAwayFromZero(rows * 6, &generator))
        let labels: [Int32] = [0, 2, 1, 1, 0]
        let loss = SoftmaxCrossEntropy(classCount: 3)
        let dropout = model.layers.compactMap { $0 as? Dropout }
        func value() -> Double {
            for d in dropout { d.generator = RandomGenerator(seed: 42) }
            let logits = model.forward(input.matrix(), mode: .training)
            return labels.withUnsafeBufferPointer { loss.lossAndGradient(logits: logits, labels: $0.baseAddress!).loss }
        }
        _ = value()
        for d in dropout { d.generator = RandomGenerator(seed: 42) }
        let logits = model.forward(input.matrix(), mode: .training)
        let gradient = labels.withUnsafeBufferPointer { loss.lossAndGradient(logits: logits, labels: $0.baseAddress!).gradient }
        model.backward(gradient)
        let analytic = model.gradients.array
        var mismatches: [GradientMismatch] = []
        for i in 0..<model.parameterCount {
            let saved = model.parameters[i]
            model.parameters[i] = saved + GradientCheck.step
            let plus = value()
            model.parameters[i] = saved - GradientCheck.step
            let minus = value()
            model.parameters[i] = saved
            let numeric = (plus - minus) / (2 * Double(GradientCheck.step))
            if !GradientCheck.close(Double(analytic[i]), numeric) {
                mismatches.append(GradientMismatch(what: "model parameter", index: i, analytic: Double(analytic[i]), numeric: numeric))
            }
        }
        assertNoMismatch(mismatches)
    }

    /// The oracle itself must fail on a wrong gradient: a Linear layer whose
    /// backward is off by 3% is caught.
    func testCheckCatchesAWrongGradient() {
        final class SkewedLinear: Layer {
            let inner = Linear(5, 4)
            var description: String { "SkewedLinear" }
            var inputFeatures: Int { 5 }
            var outputFeatures: Int { 4 }
            var parameterCount: Int { inner.parameterCount }
            func bind(parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>) { inner.bind(parameters: parameters, gradients: gradients) }
            func reserve(batchCapacity: Int) { inner.reserve(batchCapacity: batchCapacity) }
            func forward(_ input: Matrix, mode: Mode) -> Matrix { inner.forward(input, mode: mode) }
            func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix? {
                let dx = inner.backward(outputGradient, needsInputGradient: needsInputGradient)
                if let dx { for i in 0..<dx.count { dx.data[i] *= 1.03 } }
                return dx
            }
        }
        XCTAssertFalse(GradientCheck.mismatches(layer: SkewedLinear(), rows: 3).isEmpty)
    }
}
