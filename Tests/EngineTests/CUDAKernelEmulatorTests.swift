// The CUDA C kernels themselves, executed on the CPU by KernelEmulator, against
// their Swift twins: LayerNorm forward and backward over a 300-wide row (so
// the block's strided loops wrap), ReLU + Philox dropout, softmax
// cross-entropy and its loss accumulator, evaluation, bias sums, the gather
// and both optimizer updates. The emulator rounds like the twins (no FMA
// contraction, glibc's expf/logf), so agreement is to 1e-6 or exact.
import Foundation
import XCTest
@testable import Engine

final class CUDAKernelEmulatorTests: XCTestCase {
    static let rows = 7, features = 300, classes = 10, parameters = 1000

    static let main = #"""
    int main(int argc, char** argv) {
        directory = argv[1];
        const int R = 7, F = 300, C = 10, N = 1000;
        auto x = input<float>("x"), gain = input<float>("gain"), shift = input<float>("shift"), dy = input<float>("dy");
        std::vector<float> y(R * F), statistics(2 * R), dx(R * F), dgain(F), dshift(F);
        run(R, 256, [&] { layer_norm_forward(x.data(), gain.data(), shift.data(), y.data(), statistics.data(), F, 1e-5f); });
        run(R, 256, [&] { layer_norm_backward_input(x.data(), dy.data(), gain.data(), statistics.data(), dx.data(), F); });
        run(2, 256, [&] { layer_norm_backward_parameters(x.data(), dy.data(), statistics.data(), dgain.data(), dshift.data(), R, F); });
        output("ln_y", y); output("ln_stats", statistics); output("ln_dx", dx); output("ln_dgain", dgain); output("ln_dshift", dshift);

        std::vector<unsigned> counters = {0, 5, 0, 0};
        std::vector<float> dropped(R * F), droppedGradient(R * F);
        const int quads = (R * F + 3) / 4;
        run((quads + 255) / 256, 256, [&] { relu_dropout_forward(x.data(), dropped.data(), R * F, 1, 0.4f, 11u, 22u, 3u, counters.data()); });
        run((quads + 255) / 256, 256, [&] { relu_dropout_backward(x.data(), dy.data(), droppedGradient.data(), R * F, 1, 0.4f, 11u, 22u, 3u, counters.data()); });
        output("rd_y", dropped); output("rd_dx", droppedGradient);

        auto logits = input<float>("logits");
        auto labels = input<int>("labels");
        std::vector<float> dLogits(R * C), rowLoss(R);
        std::vector<double> accumulators(4, 0.0);
        run(1, 256, [&] { softmax_cross_entropy(logits.data(), labels.data(), dLogits.data(), rowLoss.data(), R, C, 1.0f / R); });
        run(1, 256, [&] { accumulate_training_loss(rowLoss.data(), R, accumulators.data(), counters.data()); });
        run(1, 256, [&] { evaluate_rows(logits.data(), labels.data(), R, C, accumulators.data()); });
        output("sce_dlogits", dLogits); output("sce_rowloss", rowLoss); output("accumulators", accumulators);

        std::vector<float> sums(F), filled(R * F);
        run(2, 256, [&] { column_sums(dy.data(), sums.data(), R, F); });
        run(3, 256, [&] { fill_rows_with_bias(filled.data(), shift.data(), R, F); });
        output("column_sums", sums); output("filled", filled);

        auto order = input<int>("order");
        std::vector<float> batch(3 * F);
        std::vector<int> batchLabels(3);
        std::vector<unsigned> gatherCounters = {1, 0, 0, 0};  // second batch of 3
        run(2, 256, [&] { gather_batch(x.data(), labels.data(), order.data(), batch.data(), batchLabels.data(), 3, F, 3, gatherCounters.data()); });
        output("batch", batch); output("batch_labels", batchLabels);

        auto p = input<float>("p"), g = input<float>("g");
        std::vector<float> sgd = p, momentum(N, 0.0f), adam = p, m(N, 0.0f), v(N, 0.0f);
        for (unsigned step = 0; step < 3; ++step) {
            std::vector<unsigned> c = {0, step, 0, 0};
            run(4, 256, [&] { sgd_update(sgd.data(), g.data(), momentum.data(), N, 0.1f, 0.9f, 0.1f, 0.01f, 1, c.data()); });
            run(4, 256, [&] { adam_update(adam.data(), g.data(), m.data(), v.data(), N, 1e-2, 0.9, 0.999, 1e-8f, 0.05f, 1, c.data()); });
        }
        output("sgd", sgd); output("adam", adam);
        return 0;
    }
    """#

    func testKernelsMatchTheirTwinsWhenRunOnTheCPU() throws {
        let (r, f, c, n) = (Self.rows, Self.features, Self.classes, Self.parameters)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tn-kernel-emulator-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = RandomGenerator(seed: 42)
        func random(_ count: Int, _ low: Float, _ high: Float) -> [Float] { (0..<count).map { _ in generator.uniform(low, high) } }
        let x = random(r * f, -2, 2), gain = random(f, 0.5, 1.5), shift = random(f, -0.5, 0.5), dy = random(r * f, -1, 1)
        let logits = random(r * c, -4, 4)
        let labels = (0..<r).map { _ in Int32(generator.next() % UInt64(c)) }
        let order: [Int32] = [6, 2, 4, 0, 5, 1, 3]
        let p = random(n, -1, 1), g = random(n, -1, 1)
        for (values, name) in [(x, "x"), (gain, "gain"), (shift, "shift"), (dy, "dy"), (logits, "logits"), (p, "p"), (g, "g")] {
            try KernelEmulator.write(values, name, in: directory)
        }
        try KernelEmulator.write(labels, "labels", in: directory)
        try KernelEmulator.write(order, "order", in: directory)
        try KernelEmulator.compileAndRun(main: Self.main, in: directory)
        func result(_ name: String) throws -> [Float] { try KernelEmulator.read(Float.self, name, in: directory) }
        func check(_ name: String, _ expected: [Float], limit: Double = 1e-6) throws {
            let actual = try result(name)
            XCTAssertEqual(actual.count, expected.count, name)
            XCTAssertLessThanOrEqual(BackendSelfTest.relativeError(actual, expected), limit, name)
        }

        // LayerNorm
        var y = [Float](repeating: 0, count: r * f), statistics = [Float](repeating: 0, count: 2 * r)
        var dx = y, dgain = [Float](repeating: 0, count: f), dshift = dgain
        KernelTwins.layerNormForward(x: x, gain: gain, shift: shift, y: &y, statistics: &statistics, rows: r, features: f, epsilon: 1e-5)
        KernelTwins.layerNormBackwardInput(x: x, dy: dy, gain: gain, statistics: statistics, dx: &dx, rows: r, features: f)
        KernelTwins.layerNormBackwardParameters(x: x, dy: dy, statistics: statistics, gainGradient: &dgain, shiftGradient: &dshift, rows: r, features: f)
        try check("ln_y", y); try check("ln_stats", statistics); try check("ln_dx", dx)
        try check("ln_dgain", dgain); try check("ln_dshift", dshift)

        // ReLU + dropout: exactly the twin's mask.
        let stream = DropoutStream(key: (11, 22), stream: 3)
        var dropped = y, droppedGradient = y
        KernelTwins.reluDropoutForward(x: x, y: &dropped, count: r * f, relu: true, probability: 0.4, dropout: stream, step: 5)
        KernelTwins.reluDropoutBackward(x: x, dy: dy, dx: &droppedGradient, count: r * f, relu: true, probability: 0.4, dropout: stream, step: 5)
        try check("rd_y", dropped, limit: 0); try check("rd_dx", droppedGradient, limit: 0)

        // Softmax cross-entropy, the loss accumulator and evaluation.
        var dLogits = [Float](repeating: 0, count: r * c), rowLoss = [Float](repeating: 0, count: r)
        KernelTwins.softmaxCrossEntropy(logits: logits, labels: labels, dLogits: &dLogits, rowLoss: &rowLoss, rows: r, classes: c, inverseBatch: 1 / Float(r))
        try check("sce_dlogits", dLogits); try check("sce_rowloss", rowLoss)
        let accumulators = try KernelEmulator.read(Double.self, "accumulators", in: directory)
        XCTAssertEqual(accumulators[KernelSource.Accumulator.trainingLossSum], KernelTwins.trainingLossSum(rowLoss: rowLoss, rows: r), accuracy: 1e-6)
        let evaluation = KernelTwins.evaluateRows(logits: logits, labels: labels, rows: r, classes: c)
        XCTAssertEqual(accumulators[KernelSource.Accumulator.evaluationLossSum], evaluation.lossSum, accuracy: 1e-5)
        XCTAssertEqual(accumulators[KernelSource.Accumulator.evaluationCorrect], Double(evaluation.correct))

        // Bias parts of Linear, and the gather of the second batch of three.
        var sums = [Float](repeating: 0, count: f), filled = [Float](repeating: 0, count: r * f)
        KernelTwins.columnSums(dy, into: &sums, rows: r, columns: f)
        KernelTwins.fillRowsWithBias(&filled, bias: shift, rows: r, columns: f)
        try check("column_sums", sums, limit: 0); try check("filled", filled, limit: 0)
        var batch = [Float](repeating: 0, count: 3 * f), batchLabels = [Int32](repeating: 0, count: 3)
        KernelTwins.gatherBatch(data: x, labels: labels, order: order, batch: &batch, batchLabels: &batchLabels, rows: 3, features: f, batchSize: 3, stepInEpoch: 1)
        try check("batch", batch, limit: 0)
        XCTAssertEqual(try KernelEmulator.read(Int32.self, "batch_labels", in: directory), batchLabels)

        // Three steps of Nesterov SGD with weight decay and of AdamW.
        var sgd = p, adam = p
        var sgdState: [[Float]] = [], adamState: [[Float]] = []
        let nesterov = DeviceOptimizer.sgd(learningRate: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: true)
        let adamW = DeviceOptimizer.adam(learningRate: 1e-2, weightDecay: 0.05, decoupled: true)
        for step in 0..<3 {
            sgd.withUnsafeMutableBufferPointer { s in g.withUnsafeBufferPointer { nesterov.twinStep(parameters: s, gradients: $0, state: &sgdState, completedSteps: UInt32(step)) } }
            adam.withUnsafeMutableBufferPointer { s in g.withUnsafeBufferPointer { adamW.twinStep(parameters: s, gradients: $0, state: &adamState, completedSteps: UInt32(step)) } }
        }
        try check("sgd", sgd); try check("adam", adam)
    }
}
