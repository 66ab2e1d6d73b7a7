// Attention, transformer blocks, embeddings and a whole transformer against
// central finite differences; the causal mask and the stable softmax.
import XCTest
@testable import Engine

final class AttentionGradientTests: XCTestCase {
    func assertNoMismatch(_ mismatches: [GradientMismatch], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(mismatches.isEmpty, mismatches.prefix(5).map(\.description).joined(separator: "\n"), file: file, line: line)
    }

    // MARK: Layers, through the shared oracle (parameters and input)

    func testAttentionWithoutMask() {
        let attention = MultiHeadAttention(width: 8, heads: 2, sequenceLength: 4)
        assertNoMismatch(GradientCheck.mismatches(layer: attention, rows: 8))
    }

    func testAttentionWithCausalMask() {
        let attention = MultiHeadAttention(width: 8, heads: 2, sequenceLength: 4, causal: true)
        assertNoMismatch(GradientCheck.mismatches(layer: attention, rows: 8))
    }

    func testAttentionWithOneHeadAndOneSequence() {
        let attention = MultiHeadAttention(width: 6, heads: 1, sequenceLength: 5, causal: true)
        assertNoMismatch(GradientCheck.mismatches(layer: attention, rows: 5, seed: 11))
    }

    func testTransformerBlockWithFeedForward() {
        let block = TransformerBlock(width: 8, heads: 2, sequenceLength: 3, feedForwardWidth: 12, causal: true)
        assertNoMismatch(GradientCheck.mismatches(layer: block, rows: 6))
    }

    func testAttentionOnlyTransformerBlock() {
        let block = TransformerBlock(width: 8, heads: 4, sequenceLength: 3, feedForwardWidth: 0)
        assertNoMismatch(GradientCheck.mismatches(layer: block, rows: 6))
    }

    // MARK: Embedding

    func testEmbeddingGradientWithRepeatedTokens() {
        let vocabulary = 5, length = 3, width = 4
        let embedding = Embedding(vocabulary: vocabulary, sequenceLength: length, width: width)
        let count = embedding.parameterCount
        let parameters = Tensor(shape: [count]), gradients = Tensor(shape: [count])
        embedding.bind(parameters: parameters.data, gradients: gradients.data)
        var generator = RandomGenerator(seed: 4)
        embedding.initializeParameters(using: &generator)
        embedding.reserve(batchCapacity: 6)
        // Token 2 appears three times, token 4 never: its gradient must be zero.
        let tokens: [Int32] = [2, 0, 2, 1, 2, 3]
        let weights = (0..<(tokens.count * width)).map { _ in generator.uniform(-1, 1) }
        func objective(_ values: [Float]) -> Double {
            values.withUnsafeBufferPointer { parameters.data.update(from: $0.baseAddress!, count: count) }
            let y = tokens.withUnsafeBufferPointer { embedding.forward(tokens: $0.baseAddress!, rows: tokens.count) }
            return (0..<y.count).reduce(0.0) { $0 + Double(weights[$1] * y.data[$1]) }
        }
        let point = parameters.array
        _ = objective(point)
        let outputGradient = try! Tensor(shape: [tokens.count, width], values: weights)
        embedding.backward(outputGradient.matrix())
        let analytic = gradients.array
        XCTAssertEqual(Array(analytic[(4 * width)..<(5 * width)]), [Float](repeating: 0, count: width))
        assertNoMismatch(GradientCheck.mismatches(of: objective, at: point, analytic: analytic, what: "embedding"))
    }

    func testEmbeddingAddsTokenAndPositionRows() {
        let embedding = Embedding(vocabulary: 3, sequenceLength: 2, width: 2)
        let parameters = try! Tensor(shape: [10], values: [1, 2, 10, 20, 100, 200, 0.5, 0.25, 3, 4])
        let gradients = Tensor(shape: [10])
        embedding.bind(parameters: parameters.data, gradients: gradients.data)
        embedding.reserve(batchCapacity: 4)
        let tokens: [Int32] = [2, 0, 1, 1]
        let y = tokens.withUnsafeBufferPointer { embedding.forward(tokens: $0.baseAddress!, rows: 4) }
        XCTAssertEqual(y.array, [100.5, 200.25, 4, 6, 10.5, 20.25, 13, 24])
    }

    // MARK: A whole model: dLoss/dParameters through cross-entropy

    func assertModelGradient(causal: Bool, feedForwardWidth: Int, file: StaticString = #filePath, line: UInt = #line) {
        let model = TransformerModel(vocabulary: 5, sequenceLength: 4, width: 8, heads: 2, layers: 2,
                                     feedForwardWidth: feedForwardWidth, causal: causal, seed: 3)
        let tokens: [Int32] = [0, 3, 3, 1, 4, 2, 0, 0]
        let targets: [Int32] = [1, 1, 2, 4, 0, 3, 3, 2]
        let loss = SoftmaxCrossEntropy(classCount: 5)
        func value(_ values: [Float]) -> Double {
            try! model.loadParameters(values)
            let logits = model.forward(tokens: tokens, mode: .training)
            return targets.withUnsafeBufferPointer { loss.lossAndGradient(logits: logits, labels: $0.baseAddress!).loss }
        }
        let point = model.parameters.array
        let logits = model.forward(tokens: tokens, mode: .training)
        let dLogits = targets.withUnsafeBufferPointer { loss.lossAndGradient(logits: logits, labels: $0.baseAddress!).gradient }
        model.backward(dLogits)
        let analytic = model.gradients.array
        XCTAssertTrue(analytic.contains { $0 != 0 })
        assertNoMismatch(GradientCheck.mismatches(of: value, at: point, analytic: analytic, what: "transformer"),
                         file: file, line: line)
    }

    func testWholeModelGradient() { assertModelGradient(causal: false, feedForwardWidth: 12) }
    func testWholeCausalModelGradient() { assertModelGradient(causal: true, feedForwardWidth: 12) }
    func testWholeAttentionOnlyModelGradient() { assertModelGradient(causal: false, feedForwardWidth: 0) }

    // MARK: The mask and the softmax

    func testCausalMaskGivesFuturePositionsExactlyZeroAttention() {
        let model = TransformerModel(vocabulary: 6, sequenceLength: 5, width: 8, heads: 2, layers: 2,
                                     feedForwardWidth: 8, causal: true, seed: 1)
        let maps = model.attentionMaps(for: [5, 1, 4, 1, 0])
        for head in maps.joined() {
            for (i, row) in head.enumerated() {
                XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-5)
                for j in (i + 1)..<5 { XCTAssertEqual(row[j], 0) }
                XCTAssertTrue(row[...i].allSatisfy { $0 > 0 })
            }
        }
    }

    func testCausalModelIgnoresLaterTokens() {
        let model = TransformerModel(vocabulary: 6, sequenceLength: 5, width: 8, heads: 2, layers: 2,
                                     feedForwardWidth: 8, causal: true, seed: 2)
        let first = model.forward(tokens: [5, 1, 4, 1, 0]).array
        let second = model.forward(tokens: [5, 1, 4, 3, 2]).array
        // Positions 0...2 (the first 3·6 logits) see only the shared prefix.
        XCTAssertEqual(Array(first.prefix(18)), Array(second.prefix(18)))
        XCTAssertNotEqual(Array(first.suffix(12)), Array(second.suffix(12)))
    }

    func testSoftmaxIsStableForHugeScores() {
        let model = TransformerModel(vocabulary: 4, sequenceLength: 4, width: 8, heads: 2, layers: 1, seed: 5)
        // Scaling every parameter by 1000 makes the scores ~10⁶: exp() would overflow without the max shift.
        for i in 0..<model.parameterCount { model.parameters[i] *= 1000 }
        let logits = model.forward(tokens: [0, 1, 2, 3])
        XCTAssertTrue(logits.array.allSatisfy(\.isFinite))
        for row in model.attention(layer: 0, head: 0) {
            XCTAssertTrue(row.allSatisfy(\.isFinite))
            XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-5)
        }
    }

    func testHeadWeightsAreTheHeadsSlicesOfTheProjections() {
        let attention = MultiHeadAttention(width: 4, heads: 2, sequenceLength: 2)
        let parameters = try! Tensor(shape: [attention.parameterCount],
                                     values: (0..<attention.parameterCount).map(Float.init))
        let gradients = Tensor(shape: [attention.parameterCount])
        attention.bind(parameters: parameters.data, gradients: gradients.data)
        let weights = attention.headWeights(head: 1)
        // Query weight is parameters 0..<16 as [4, 4]; head 1 owns its rows 2 and 3.
        XCTAssertEqual(weights.query, [[8, 9, 10, 11], [12, 13, 14, 15]])
        // Key weight starts after the query's 16 weights and 4 biases.
        XCTAssertEqual(weights.key[0], [28, 29, 30, 31])
        // Output weight starts at 3·20 = 60; head 1 owns its columns 2 and 3.
        XCTAssertEqual(weights.output, [[62, 63], [66, 67], [70, 71], [74, 75]])
    }
}
