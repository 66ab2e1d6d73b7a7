// The synthetic tasks, and that the transformer learns them: held-out
// accuracy ≥ 99% and heads that attend where the task's answer is.
//
// Sized to run in a debug build in seconds; the same settings take a fraction
// of a second in release.
import XCTest
@testable import Engine

final class AttentionTaskTests: XCTestCase {
    // MARK: The tasks themselves

    func testTargetsAndAnswerPositions() {
        let input: [Int32] = [3, 1, 4, 1, 5]
        XCTAssertEqual(SequenceTask.reversal(length: 5).target(for: input), [5, 1, 4, 1, 3])
        XCTAssertEqual(SequenceTask.previousToken(length: 5).target(for: input), [3, 3, 1, 4, 1])
        XCTAssertEqual(SequenceTask.sort(length: 5).target(for: input), [1, 1, 3, 4, 5])
        XCTAssertEqual(SequenceTask.reversal(length: 5).answerPositions(for: input), [[4], [3], [2], [1], [0]])
        XCTAssertEqual(SequenceTask.previousToken(length: 5).answerPositions(for: input), [[0], [0], [1], [2], [3]])
        // Both 1s are right for either of the first two sorted outputs.
        XCTAssertEqual(SequenceTask.sort(length: 5).answerPositions(for: input), [[1, 3], [1, 3], [0], [2], [4]])
        XCTAssertEqual(SequenceTask.sort(length: 5).expectedAttention(for: input)[0], [0, 0.5, 0, 0.5, 0])
    }

    func testMassOnAnswerOfPerfectAndUniformHeads() {
        let task = SequenceTask.reversal(length: 4)
        let input: [Int32] = [0, 1, 2, 3]
        XCTAssertEqual(task.attentionMassOnAnswer(task.expectedAttention(for: input), for: input), 1)
        let uniform = [[Float]](repeating: [0.25, 0.25, 0.25, 0.25], count: 4)
        XCTAssertEqual(task.attentionMassOnAnswer(uniform, for: input), 0.25, accuracy: 1e-9)
    }

    func testTrainingAndHeldOutSequencesAreDisjoint() {
        let task = SequenceTask.reversal(length: 8, alphabet: 10)
        var generator = RandomGenerator(seed: 1)
        let training = (0..<2000).map { _ in task.sample(heldOut: false, using: &generator) }
        let heldOut = (0..<2000).map { _ in task.sample(heldOut: true, using: &generator) }
        XCTAssertTrue(training.allSatisfy { !task.isHeldOut($0) })
        XCTAssertTrue(heldOut.allSatisfy { task.isHeldOut($0) })
        XCTAssertTrue(Set(training).isDisjoint(with: Set(heldOut)))
        // The split is by hash, about one sequence in eight on the held-out side.
        let random = (0..<8000).map { _ in (0..<8).map { _ in Int32(generator.next() % 10) } }
        XCTAssertEqual(Double(random.filter(task.isHeldOut).count) / 8000, 1.0 / 8, accuracy: 0.02)
        XCTAssertTrue(training.joined().allSatisfy { $0 >= 0 && $0 < 10 })
    }

    // MARK: Learning

    func testReversalIsLearnedWithAnAntiDiagonalHead() {
        let task = SequenceTask.reversal(length: 8, alphabet: 10)
        let model = TransformerModel(vocabulary: 10, sequenceLength: 8, width: 32, heads: 2, layers: 1, seed: 1)
        let trainer = AttentionTrainer(model: model, batchSize: 64, heldOutCount: 1000, evaluationInterval: 50, seed: 1)
        let run = trainer.train(task: task, steps: 300, optimizer: Adam<Float>(learningRate: 0.01),
                                snapshotsAt: [0, 25, 300])

        XCTAssertEqual(run.losses.count, 300)
        XCTAssertEqual(run.snapshots.map(\.step), [0, 25, 300])
        XCTAssertEqual(run.final.step, 300)
        XCTAssertGreaterThanOrEqual(run.final.tokenAccuracy, 0.99)
        XCTAssertGreaterThanOrEqual(run.final.sequenceAccuracy, 0.99)
        XCTAssertLessThan(run.losses.suffix(10).reduce(0, +) / 10, 0.05)

        // Before training no head looks at the anti-diagonal; after, one does,
        // on the probe and on held-out sequences in general.
        let before = run.snapshots[0].maps[0].map { task.attentionMassOnAnswer($0, for: run.probe) }
        let after = run.snapshots[2].maps[0].map { task.attentionMassOnAnswer($0, for: run.probe) }
        XCTAssertLessThan(before.max()!, 0.5, "before: \(before)")
        XCTAssertGreaterThanOrEqual(after.max()!, 0.8, "after: \(after)")
        XCTAssertEqual(run.snapshots[2].prediction, run.probeTarget)
        var generator = RandomGenerator(seed: 99)
        var best = [Double](repeating: 0, count: model.heads)
        let sequences = 50
        for _ in 0..<sequences {
            let input = task.sample(heldOut: true, using: &generator)
            for (head, map) in model.attentionMaps(for: input)[0].enumerated() {
                best[head] += task.attentionMassOnAnswer(map, for: input) / Double(sequences)
            }
        }
        XCTAssertGreaterThanOrEqual(best.max()!, 0.8, "mean mass on the anti-diagonal per head: \(best)")
    }

    func testPreviousTokenIsLearnedByACausalModel() {
        let task = SequenceTask.previousToken(length: 8, alphabet: 10)
        let model = TransformerModel(vocabulary: 10, sequenceLength: 8, width: 32, heads: 2, layers: 1,
                                     causal: task.suggestsCausalMask, seed: 2)
        let trainer = AttentionTrainer(model: model, batchSize: 64, heldOutCount: 1000, seed: 2)
        let run = trainer.train(task: task, steps: 200, optimizer: Adam<Float>(learningRate: 0.01),
                                snapshotsAt: [200])
        XCTAssertGreaterThanOrEqual(run.final.tokenAccuracy, 0.99)
        XCTAssertGreaterThanOrEqual(run.final.sequenceAccuracy, 0.99)
        let mass = run.snapshots[0].maps[0].map { task.attentionMassOnAnswer($0, for: run.probe) }
        XCTAssertGreaterThanOrEqual(mass.max()!, 0.8, "mass on the previous position per head: \(mass)")
    }

    func testSortIsLearnedByTwoLayers() {
        let task = SequenceTask.sort(length: 8, alphabet: 10)
        let model = TransformerModel(vocabulary: 10, sequenceLength: 8, width: 32, heads: 2, layers: 2,
                                     feedForwardWidth: 64, seed: 1)
        let trainer = AttentionTrainer(model: model, batchSize: 32, heldOutCount: 1000, evaluationInterval: 250, seed: 1)
        let steps = 500, rate = 0.005
        // Cosine decay to zero: Adam's late spikes on this task die out instead of
        // landing on the final evaluation.
        let run = trainer.train(task: task, steps: steps, optimizer: Adam<Float>(learningRate: rate),
                                snapshotsAt: [steps],
                                learningRateSchedule: CosineAnnealing(length: steps))
        XCTAssertGreaterThanOrEqual(run.final.tokenAccuracy, 0.99)
        XCTAssertGreaterThanOrEqual(run.final.sequenceAccuracy, 0.95)
        // Content-based: some second-layer head reads mostly from where the right value is.
        let mass = run.snapshots[0].maps[1].map { task.attentionMassOnAnswer($0, for: run.probe) }
        XCTAssertGreaterThanOrEqual(mass.max()!, 0.5, "second-layer mass on the answer per head: \(mass)")
    }

    // MARK: Optimizers and determinism

    func testPlainSGDTrainsItThroughTheFlatBuffer() {
        let task = SequenceTask.reversal(length: 8, alphabet: 10)
        let model = TransformerModel(vocabulary: 10, sequenceLength: 8, width: 32, heads: 2, layers: 1, seed: 1)
        let trainer = AttentionTrainer(model: model, batchSize: 64, heldOutCount: 200, evaluationInterval: 100, seed: 1)
        let run = trainer.train(task: task, steps: 200, optimizer: SGD<Float>(learningRate: 0.5))
        let first = run.losses.prefix(10).reduce(0, +) / 10, last = run.losses.suffix(10).reduce(0, +) / 10
        XCTAssertLessThan(last, first / 2, "SGD loss went from \(first) to \(last)")
        XCTAssertGreaterThan(run.final.tokenAccuracy, run.evaluations[0].tokenAccuracy + 0.3)
    }

    func testTrainingIsReproducibleFromTheSeeds() {
        func losses() -> [Double] {
            let model = TransformerModel(vocabulary: 10, sequenceLength: 8, width: 16, heads: 2, layers: 1,
                                         feedForwardWidth: 16, seed: 4)
            let trainer = AttentionTrainer(model: model, batchSize: 16, heldOutCount: 50, seed: 4)
            return trainer.train(task: .sort(), steps: 20, optimizer: Adam<Float>(learningRate: 0.01)).losses
        }
        XCTAssertEqual(losses(), losses())
    }
}
