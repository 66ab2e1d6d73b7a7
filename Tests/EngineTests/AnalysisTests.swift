// Loss landscapes, trajectory PCA and the memory estimate.
import XCTest
@testable import Engine

final class AnalysisTests: XCTestCase {
    func testJacobiEigenDecompositionOfAKnownMatrix() {
        // [[2,1,0],[1,2,0],[0,0,5]]: eigenvalues 5, 3, 1; (1,1,0)/√2 belongs to 3.
        let (values, vectors) = SymmetricEigen.decompose([[2, 1, 0], [1, 2, 0], [0, 0, 5]])
        XCTAssertEqual(values[0], 5, accuracy: 1e-12)
        XCTAssertEqual(values[1], 3, accuracy: 1e-12)
        XCTAssertEqual(values[2], 1, accuracy: 1e-12)
        XCTAssertEqual(abs(vectors[0][1]), 1 / 2.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(abs(vectors[1][1]), 1 / 2.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(vectors[2][1], 0, accuracy: 1e-12)
    }

    func testPCARecoversThePlaneOfAPlanarPath() {
        // A path in the plane of u = e₀ and v = (e₁ + e₂)/√2 in 6 dimensions.
        let final: [Float] = [1, 2, 3, 4, 5, 6]
        let inverseRoot2 = Float(1 / 2.0.squareRoot())
        let path: [(Float, Float)] = [(4, 1), (3, -1.5), (2, 0.8), (1, -0.4), (0.5, 0.1)]
        var snapshots = path.map { a, b -> [Float] in
            var s = final
            s[0] += a
            s[1] += b * inverseRoot2
            s[2] += b * inverseRoot2
            return s
        }
        snapshots.append(final)
        let projection = TrajectoryPCA.project(snapshots: snapshots)
        XCTAssertEqual(projection.explainedVariance.0 + projection.explainedVariance.1, 1, accuracy: 1e-5)
        XCTAssertGreaterThan(projection.explainedVariance.0, projection.explainedVariance.1)
        // Both directions lie in span{u, v}: no component along e₃…e₅, and e₁ = e₂.
        for direction in [projection.directions.0, projection.directions.1] {
            XCTAssertEqual(direction[3], 0, accuracy: 1e-5)
            XCTAssertEqual(direction[5], 0, accuracy: 1e-5)
            XCTAssertEqual(direction[1], direction[2], accuracy: 1e-5)
        }
        // Distances from the final point are preserved by an in-plane projection.
        for (coordinate, point) in zip(projection.coordinates, path) {
            let projected = (coordinate.x * coordinate.x + coordinate.y * coordinate.y).squareRoot()
            XCTAssertEqual(projected, Double(point.0 * point.0 + point.1 * point.1).squareRoot(), accuracy: 1e-4)
        }
        XCTAssertEqual(projection.coordinates.last!.x, 0)
    }

    func testFilterNormalizedDirectionMatchesEachNeuronsNorm() {
        let model = Sequential.perceptron(sizes: [5, 4, 3], seed: 2)
        let direction = LossLandscape.filterNormalizedDirection(for: model, seed: 9)
        let first = model.layers[0] as! Linear
        for row in 0..<first.outputFeatures {
            let range = (row * 5)..<(row * 5 + 5)
            let weightNorm = range.reduce(0) { $0 + Double(model.parameters[$1] * model.parameters[$1]) }.squareRoot()
            let directionNorm = range.reduce(0) { $0 + Double(direction[$1] * direction[$1]) }.squareRoot()
            XCTAssertEqual(directionNorm, weightNorm, accuracy: 1e-5)
        }
        // Biases and LayerNorm parameters stay put.
        XCTAssertEqual(Array(direction[20..<24]), [0, 0, 0, 0])
        XCTAssertEqual(Array(direction[model.parameterOffsets[1]..<model.parameterOffsets[2]]), [Float](repeating: 0, count: 8))
    }

    func testSurfaceCenterIsTheModelsLossAndParametersAreRestored() {
        let data = TrainingTests.blobs(count: 90, seed: 3)
        let model = Sequential.perceptron(sizes: [20, 8, 3], seed: 4)
        let before = model.parameterSnapshot()
        let lossHere = Trainer(model: model, optimizer: SGD<Float>(learningRate: 0)).evaluate(data).loss
        let d1 = LossLandscape.filterNormalizedDirection(for: model, seed: 1)
        let d2 = LossLandscape.filterNormalizedDirection(for: model, seed: 2)
        let surface = LossLandscape.surface(model: model, data: data, directions: (d1, d2),
                                            alphas: LossLandscape.grid(-1, 1, count: 3), betas: LossLandscape.grid(-1, 1, count: 3))
        XCTAssertEqual(surface.losses.count, 3)
        XCTAssertEqual(surface.losses[1][1], lossHere, accuracy: 1e-9)
        XCTAssertNotEqual(surface.losses[0][0], lossHere)
        XCTAssertEqual(model.parameterSnapshot(), before)
    }

    func testMemoryEstimateEqualsWhatTheEngineAllocates() {
        for batch in [1, 7, 64] {
            let make = { Sequential.perceptron(sizes: [12, 10, 8, 4], dropout: [0.3], seed: 1) }
            let measured = MemoryEstimate.measure(batchSize: batch, makeModel: make)
            let estimate = MemoryEstimate.training(model: make(), batchSize: batch, fullBatch: true)
            XCTAssertEqual(measured, estimate.totalBytes, "batch \(batch)")
        }
        // The tutorial network at the full 10,000-example batch.
        let tutorial = MemoryEstimate.training(model: .tutorialNetwork(), batchSize: 10_000, fullBatch: true)
        XCTAssertEqual(tutorial.parameterBytes, 935_434 * 4)
        XCTAssertLessThan(tutorial.totalBytes, 1 << 30)
    }
}
