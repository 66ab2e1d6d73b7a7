// The trainer: learning, determinism, divergence, batching, the tutorial network.
import XCTest
@testable import Engine

final class TrainingTests: XCTestCase {
    /// Three Gaussian blobs in 20 dimensions: learnable, small and fast.
    static func blobs(count: Int, seed: UInt64) -> Dataset {
        var generator = RandomGenerator(seed: seed)
        let features = 20
        let inputs = Tensor(shape: [count, features])
        var labels: [Int32] = []
        for r in 0..<count {
            let label = Int32(r % 3)
            labels.append(label)
            for c in 0..<features {
                let center: Float = c % 3 == Int(label) ? 1.5 : 0
                inputs.data[r * features + c] = center + Float(generator.normal())
            }
        }
        return Dataset(inputs: inputs, labels: labels)
    }

    func testTutorialNetworkHasTheDocumentedShapeAndInitialisation() {
        let model = Sequential.tutorialNetwork(seed: 1)
        XCTAssertEqual(model.parameterCount, 935_434)
        XCTAssertEqual(model.layers.map(\.description), [
            "Linear(784, 512)", "LayerNorm(512)", "ReLU", "Dropout(0.4)",
            "Linear(512, 512)", "LayerNorm(512)", "ReLU", "Dropout(0.2)",
            "Linear(512, 512)", "LayerNorm(512)", "ReLU", "Linear(512, 10)"])
        // First Linear: weights and biases uniform in ±1/√784; LayerNorm gain 1, bias 0.
        let first = Array(model.parameters.array[0..<(784 * 512 + 512)])
        let bound = 1 / Float(784).squareRoot()
        XCTAssertTrue(first.allSatisfy { abs($0) <= bound })
        XCTAssertGreaterThan(first.max()!, bound * 0.99)
        XCTAssertLessThan(first.min()!, -bound * 0.99)
        let mean = first.reduce(0, +) / Float(first.count)
        XCTAssertEqual(mean, 0, accuracy: 1e-3)
        let norm = Array(model.parameters.array[model.parameterOffsets[1]..<model.parameterOffsets[2]])
        XCTAssertEqual(Array(norm[0..<512]), Array(repeating: 1, count: 512))
        XCTAssertEqual(Array(norm[512..<1024]), Array(repeating: 0, count: 512))
    }

    func testBatchSlicingKeepsThePartialLastBatch() {
        let sizes = Trainer.batchSizes(exampleCount: 1000, batchSize: 64)
        XCTAssertEqual(sizes.count, 16)
        XCTAssertEqual(sizes.last, 40)
        XCTAssertEqual(sizes.reduce(0, +), 1000)
        XCTAssertEqual(Trainer.batchSizes(exampleCount: 10, batchSize: 10), [10])
        XCTAssertEqual(Trainer.batchSizes(exampleCount: 3, batchSize: 1), [1, 1, 1])

        // The trainer takes the same number of steps, and sees every example once.
        let data = Self.blobs(count: 1000, seed: 1)
        let trainer = Trainer(model: .perceptron(sizes: [20, 16, 3]), optimizer: SGD<Float>(learningRate: 0.1))
        var steps = 0
        let result = trainer.fit(train: data, configuration: TrainingConfiguration(batchSize: 64, epochs: 1, scale: .full)) { event in
            if case .step = event { steps += 1 }
        }
        XCTAssertEqual(steps, 16)
        XCTAssertEqual(result.epochs.first?.steps, 16)
    }

    func testMiniBatchTrainingLowersTheLoss() throws {
        let train: Dataset, test: Dataset, features: Int
        if let mnist = try? MNIST.load(trainCount: 2000, testCount: 500, scaling: .unit, location: Self.localData()) {
            (train, test, features) = (mnist.train, mnist.test, 784)
        } else {
            // No MNIST here: the synthetic blobs stand in (stated, not silent).
            print("MNIST not found locally; testing on synthetic data")
            (train, test, features) = (Self.blobs(count: 2000, seed: 1), Self.blobs(count: 500, seed: 2), 20)
        }
        let trainer = Trainer(model: .perceptron(sizes: [features, 64, 10], seed: 3), optimizer: SGD<Float>(learningRate: 0.1))
        let before = trainer.evaluate(test)
        let result = trainer.fit(train: train, test: test, configuration: TrainingConfiguration(batchSize: 64, epochs: 3, scale: .full))
        XCTAssertNil(result.divergence)
        XCTAssertLessThan(result.finalTestLoss!, 0.5 * before.loss)
        XCTAssertLessThan(result.epochs[2].trainLoss, result.epochs[0].trainLoss)
        XCTAssertGreaterThan(result.epochs.last!.testAccuracy!, 0.85)
    }

    func testSameSeedGivesIdenticalLossesAndAnotherSeedDoesNot() {
        let data = Self.blobs(count: 300, seed: 4)
        func run(seed: UInt64) -> [Double] {
            let model = Sequential.perceptron(sizes: [20, 32, 32, 3], dropout: [0.3, 0.2], seed: seed)
            let trainer = Trainer(model: model, optimizer: SGD<Float>(learningRate: 0.05))
            return trainer.fit(train: data, test: data, configuration: TrainingConfiguration(batchSize: 16, epochs: 3, seed: seed, scale: .full))
                .epochs.flatMap { [$0.trainLoss, $0.testLoss!] }
        }
        XCTAssertEqual(run(seed: 5), run(seed: 5))
        XCTAssertNotEqual(run(seed: 5), run(seed: 6))
    }

    func testDivergenceIsReportedWithEpochAndStep() {
        let data = Self.blobs(count: 200, seed: 1)
        // Inputs scaled like raw pixels, no LayerNorm to tame them, and a large
        // learning rate: the weights grow until the loss overflows.
        for i in 0..<data.inputs.count { data.inputs.data[i] *= 255 }
        let model = Sequential([Linear(20, 16), ReLU(16), Linear(16, 3)], seed: 1)
        let trainer = Trainer(model: model, optimizer: SGD<Float>(learningRate: 10))
        var events: [Divergence] = []
        let result = trainer.fit(train: data, configuration: TrainingConfiguration(batchSize: 10, epochs: 5, scale: .full)) { event in
            if case .diverged(let d) = event { events.append(d) }
        }
        let divergence = try! XCTUnwrap(result.divergence)
        XCTAssertEqual(events.map(\.globalStep), [divergence.globalStep])
        XCTAssertFalse(divergence.loss.isFinite)
        XCTAssertEqual(divergence.description, "diverged at epoch \(divergence.epoch), step \(divergence.step)")
        XCTAssertEqual(result.totalSteps, divergence.globalStep)
        XCTAssertEqual(divergence.globalStep, (divergence.epoch - 1) * 20 + divergence.step)
    }

    func testALossAboveTheDivergenceLimitStopsTheRun() {
        let data = Self.blobs(count: 200, seed: 1)
        let trainer = Trainer(model: .perceptron(sizes: [20, 16, 3]), optimizer: SGD<Float>(learningRate: 0.1))
        // The first step's loss is about ln 3 ≈ 1.1, above a limit of 0.5.
        let result = trainer.fit(train: data, configuration: TrainingConfiguration(batchSize: 10, epochs: 2, divergenceLoss: 0.5, scale: .full))
        XCTAssertEqual(result.divergence?.globalStep, 1)
        XCTAssertGreaterThan(result.divergence!.loss, 0.5)
        XCTAssertTrue(result.epochs.isEmpty)
    }

    func testFusedStepsMatchComputingEveryGradientFirst() {
        let data = Self.blobs(count: 60, seed: 8)
        func train(fused: Bool, batchSize: Int) -> (losses: [Double], parameters: [Float], firstLayerGradient: [Float]) {
            let model = Sequential.perceptron(sizes: [20, 16, 12, 3], dropout: [0.3], seed: 2)
            var configuration = TrainingConfiguration(batchSize: batchSize, epochs: 2, seed: 4, scale: .full)
            configuration.fusesPlainGradientDescent = fused
            let result = Trainer(model: model, optimizer: SGD<Float>(learningRate: 0.05)).fit(train: data, configuration: configuration)
            return (result.trainLosses, model.parameterSnapshot(), Array(model.gradients.array[0..<(20 * 16)]))
        }
        // One example at a time (outer products), and batches of 7 with a
        // partial last batch of 4 (sgemm with β = 1).
        for batchSize in [1, 7] {
            let fused = train(fused: true, batchSize: batchSize), separate = train(fused: false, batchSize: batchSize)
            // The fused path really ran: it never writes the Linear layers' weight gradients.
            XCTAssertTrue(fused.firstLayerGradient.allSatisfy { $0 == 0 }, "batch \(batchSize)")
            XCTAssertFalse(separate.firstLayerGradient.allSatisfy { $0 == 0 }, "batch \(batchSize)")
            XCTAssertEqual(fused.losses.count, separate.losses.count)
            for (a, b) in zip(fused.losses, separate.losses) { XCTAssertEqual(a, b, accuracy: 1e-5, "batch \(batchSize)") }
            let largest = zip(fused.parameters, separate.parameters).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(largest, 1e-5, "batch \(batchSize): fused and separate steps drifted apart by \(largest)")
            // And the fused run did move every layer: compare with the initial parameters.
            let initial = Sequential.perceptron(sizes: [20, 16, 12, 3], dropout: [0.3], seed: 2).parameterSnapshot()
            XCTAssertGreaterThan(zip(fused.parameters, initial).filter { $0 != $1 }.count, fused.parameters.count / 2)
        }
    }

    func testQuickScaleCutsEpochsAndSteps() {
        let data = Self.blobs(count: 2000, seed: 1)
        let trainer = Trainer(model: .perceptron(sizes: [20, 8, 3]), optimizer: SGD<Float>(learningRate: 0.1))
        let result = trainer.fit(train: data, configuration: TrainingConfiguration(batchSize: 1, epochs: 100, scale: .quick))
        XCTAssertEqual(result.epochs.count, ExperimentScale.quick.epochs(100))
        XCTAssertEqual(result.epochs.first?.steps, ExperimentScale.quick.maxStepsPerEpoch)
        XCTAssertEqual(result.scale, "quick")
    }

    func testClippingBoundsTheGlobalNorm() {
        var values: [Float] = [3, 4]  // norm 5
        let before = values.withUnsafeMutableBufferPointer { clipGlobalNorm($0, maxNorm: 1) }
        XCTAssertEqual(before, 5, accuracy: 1e-9)
        // PyTorch: scale by max_norm / (norm + 1e-6).
        XCTAssertEqual(Double(values[0]), 3 / (5 + 1e-6), accuracy: 1e-6)
        XCTAssertEqual(Double(values[1]), 4 / (5 + 1e-6), accuracy: 1e-6)
        var small: [Float] = [0.3, 0.4]
        _ = small.withUnsafeMutableBufferPointer { clipGlobalNorm($0, maxNorm: 1) }
        XCTAssertEqual(small, [0.3, 0.4])
    }

    /// With a full batch the first step's gradient is the whole set's gradient
    /// at the initial parameters, which a forward and backward pass written out
    /// here also gives; its recorded norm is taken before clipping, and
    /// recording does not change the run (beyond the fused step's rounding).
    func testRecordedGradientNormsAreThoseBeforeClipping() {
        let data = Self.blobs(count: 90, seed: 3)
        let reference = Sequential.perceptron(sizes: [20, 16, 3], seed: 7)
        let logits = reference.forward(data.inputs.matrix(), mode: .training)
        let loss = SoftmaxCrossEntropy(classCount: 3)  // owns dLogits' storage
        let (_, dLogits) = data.labels.withUnsafeBufferPointer { loss.lossAndGradient(logits: logits, labels: $0.baseAddress!) }
        reference.backward(dLogits)
        withExtendedLifetime(loss) {}
        let firstNorm = globalNorm(UnsafeBufferPointer(reference.gradients.buffer))

        func run(clipNorm: Double?, records: Bool) -> (norms: [Double], parameters: [Float], steps: Int) {
            let model = Sequential.perceptron(sizes: [20, 16, 3], seed: 7)
            var norms: [Double] = [], steps = 0
            Trainer(model: model, optimizer: SGD<Float>(learningRate: 0.5)).fit(
                train: data, configuration: TrainingConfiguration(batchSize: 90, epochs: 4, clipNorm: clipNorm,
                                                                  recordsGradientNorms: records, scale: .full)) { event in
                if case .gradientNorm(_, _, let norm) = event { norms.append(norm) }
                if case .step = event { steps += 1 }
            }
            return (norms, model.parameterSnapshot(), steps)
        }
        let plain = run(clipNorm: nil, records: true)
        XCTAssertEqual(plain.norms.count, plain.steps)
        XCTAssertEqual(plain.norms.first!, firstNorm, accuracy: 1e-12 * firstNorm)
        let unrecorded = run(clipNorm: nil, records: false)
        XCTAssertLessThan(zip(plain.parameters, unrecorded.parameters).map { abs($0 - $1) }.max()!, 1e-5)
        XCTAssertTrue(run(clipNorm: nil, records: false).norms.isEmpty, "nothing is recorded unless asked")

        let clipped = run(clipNorm: firstNorm / 4, records: true)
        XCTAssertEqual(clipped.norms.first!, firstNorm, accuracy: 1e-12 * firstNorm, "the norm before clipping")
        XCTAssertNotEqual(clipped.parameters, plain.parameters, "clipping to a quarter changes the steps")
    }

    static func localData() -> DataLocation {
        var location = DataLocation.fromEnvironment()
        location.allowDownload = false
        return location
    }
}
