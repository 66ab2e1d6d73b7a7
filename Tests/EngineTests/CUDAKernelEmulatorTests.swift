// The CUDA C kernels themselves, executed on the CPU by KernelEmulator, against
// their Swift twins: LayerNorm forward and backward over a 300-wide row (so
// the block's strided loops wrap), alone and fused with the Linear's bias
// before it (and, in backward, that bias's gradient) and the ReLU-dropout
// after it, ReLU + Philox dropout, softmax cross-entropy with the batch's
// reductions done by its grid's last block (the loss accumulator with the
// divergence limit, the last Linear's bias and its gradient), evaluation, bias
// sums, the gather, every optimizer update (with a schedule, a clipping
// coefficient, after a divergence, and the step counters' advance by the last
// block) and the clipping norm and coefficient. The emulator rounds like the
// twins (no FMA contraction, glibc's expf/logf), so agreement is to 1e-6 or
// exact; every last-block ticket must be back at 0 afterwards.
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
        auto bias = input<float>("bias");
        std::vector<unsigned> noCounters = {0, 0, 0, 0};
        std::vector<float> y(R * F), statistics(2 * R), dx(R * F), dgain(F), dshift(F);
        run(R, 256, [&] { layer_norm_forward(x.data(), nullptr, gain.data(), shift.data(), y.data(), statistics.data(), F, 1e-5f,
                                             nullptr, 0.0f, 0u, 0u, 0u, noCounters.data()); });
        std::vector<float> parts(9 * 3 * F);  // layer_norm_backward's per-block sums, room for nine blocks
        run(1, 256, [&] { layer_norm_backward(x.data(), dy.data(), nullptr, 1.0f, gain.data(), statistics.data(), dx.data(),
                                              dgain.data(), dshift.data(), R, F, 1, 32, nullptr, parts.data(), noCounters.data()); });
        output("ln_y", y); output("ln_stats", statistics); output("ln_dx", dx); output("ln_dgain", dgain); output("ln_dshift", dshift);
        // No input gradient (a first operation): only the parameter gradients.
        std::vector<float> onlyDgain(F), onlyDshift(F);
        run(1, 256, [&] { layer_norm_backward(x.data(), dy.data(), nullptr, 1.0f, gain.data(), statistics.data(), nullptr,
                                              onlyDgain.data(), onlyDshift.data(), R, F, 0, 32, nullptr, parts.data(), noCounters.data()); });
        output("ln_only_dgain", onlyDgain); output("ln_only_dshift", onlyDshift);

        // Fused: the Linear's bias, LayerNorm and ReLU-dropout forward; their backward.
        auto fusedX = x;
        std::vector<float> activated(R * F), fusedStatistics(2 * R), fusedDx(R * F), fusedDgain(F), fusedDshift(F), fusedDbias(F);
        std::vector<unsigned> stepFive = {0, 5, 0, 0};
        run(R, 256, [&] { layer_norm_forward(fusedX.data(), bias.data(), gain.data(), shift.data(), nullptr, fusedStatistics.data(), F,
                                             1e-5f, activated.data(), 0.4f, 11u, 22u, 3u, stepFive.data()); });
        // The block also sums dx into the Linear's bias gradient.
        run(1, 256, [&] { layer_norm_backward(fusedX.data(), dy.data(), activated.data(), 1.0f / (1.0f - 0.4f), gain.data(),
                                              fusedStatistics.data(), fusedDx.data(), fusedDgain.data(), fusedDshift.data(), R, F, 1, 32,
                                              fusedDbias.data(), parts.data(), stepFive.data()); });
        output("fused_x", fusedX); output("fused_activated", activated); output("fused_stats", fusedStatistics);
        output("fused_dx", fusedDx); output("fused_dgain", fusedDgain); output("fused_dshift", fusedDshift);
        output("fused_dbias", fusedDbias); output("fused_counters", stepFive);

        // 70 rows: three blocks of rows (32, 32 and 6), whose partial sums the last adds up.
        const int R70 = 70;
        auto x70 = input<float>("x70"), dy70 = input<float>("dy70");
        std::vector<float> activated70(R70 * F), statistics70(2 * R70), dx70(R70 * F), dgain70(F), dshift70(F), dbias70(F);
        std::vector<unsigned> counters70 = {0, 2, 0, 0};
        run(R70, 256, [&] { layer_norm_forward(x70.data(), bias.data(), gain.data(), shift.data(), nullptr, statistics70.data(), F,
                                               1e-5f, activated70.data(), 0.4f, 11u, 22u, 3u, counters70.data()); });
        run(3, 256, [&] { layer_norm_backward(x70.data(), dy70.data(), activated70.data(), 1.0f / (1.0f - 0.4f), gain.data(),
                                              statistics70.data(), dx70.data(), dgain70.data(), dshift70.data(), R70, F, 1, 32,
                                              dbias70.data(), parts.data(), counters70.data()); });
        output("rows70_x", x70); output("rows70_activated", activated70); output("rows70_stats", statistics70);
        output("rows70_dx", dx70); output("rows70_dgain", dgain70); output("rows70_dshift", dshift70);
        output("rows70_dbias", dbias70); output("rows70_counters", counters70);
        // The same with 8 rows per block: nine blocks (eight of 8, one of 6).
        std::vector<float> dx70by8(R70 * F), dgain70by8(F), dshift70by8(F), dbias70by8(F);
        run(9, 256, [&] { layer_norm_backward(x70.data(), dy70.data(), activated70.data(), 1.0f / (1.0f - 0.4f), gain.data(),
                                              statistics70.data(), dx70by8.data(), dgain70by8.data(), dshift70by8.data(), R70, F, 1, 8,
                                              dbias70by8.data(), parts.data(), counters70.data()); });
        output("rows70by8_dx", dx70by8); output("rows70by8_dgain", dgain70by8); output("rows70by8_dshift", dshift70by8);
        output("rows70by8_dbias", dbias70by8); output("rows70by8_counters", counters70);

        std::vector<unsigned> counters = {0, 5, 0, 0};
        std::vector<float> dropped(R * F), droppedGradient(R * F);
        const int quads = (R * F + 3) / 4;
        run((quads + 255) / 256, 256, [&] { relu_dropout_forward(x.data(), dropped.data(), R * F, 1, 0.4f, 11u, 22u, 3u, counters.data()); });
        run((quads + 255) / 256, 256, [&] { relu_dropout_backward(x.data(), dy.data(), droppedGradient.data(), R * F, 1, 0.4f, 11u, 22u, 3u, counters.data()); });
        output("rd_y", dropped); output("rd_dx", droppedGradient);

        auto logits = input<float>("logits");
        auto labels = input<int>("labels");
        std::vector<float> dLogits(R * C), rowLoss(R), logitsBiasGradient(C);
        std::vector<double> accumulators(4, 0.0);
        // Blocks of 64 threads (two rows each), so that four blocks take tickets.
        auto sceLogits = logits;
        std::vector<unsigned> sceCounters = {0, 5, 0, 0};
        run(4, 64, [&] { softmax_cross_entropy(sceLogits.data(), nullptr, labels.data(), dLogits.data(), rowLoss.data(), R, C, 1.0f / R,
                                               logitsBiasGradient.data(), accumulators.data(), sceCounters.data(), 1e30, nullptr, 0); });
        run(1, 256, [&] { evaluate_rows(logits.data(), labels.data(), R, C, accumulators.data()); });
        output("sce_dlogits", dLogits); output("sce_rowloss", rowLoss); output("accumulators", accumulators);
        output("sce_dbias", logitsBiasGradient); output("sce_counters", sceCounters);
        // With the last Linear's bias left to it: added to the logits and written back.
        auto biasedLogits = logits;
        std::vector<float> biasedDLogits(R * C), biasedRowLoss(R);
        std::vector<double> biasedAccumulators(4, 0.0);
        std::vector<unsigned> biasedCounters = {0, 5, 0, 0};
        run(4, 64, [&] { softmax_cross_entropy(biasedLogits.data(), shift.data(), labels.data(), biasedDLogits.data(), biasedRowLoss.data(),
                                               R, C, 1.0f / R, nullptr, biasedAccumulators.data(), biasedCounters.data(), 1e30, nullptr, 0); });
        output("biased_logits", biasedLogits); output("biased_dlogits", biasedDLogits); output("biased_rowloss", biasedRowLoss);
        // A limit below the batch's mean loss: step 4 of the epoch diverged.
        std::vector<unsigned> divergedCounters = {3, 9, 0, 0};
        std::vector<double> divergedAccumulators(4, 0.0), lossLog(5, -1.0);
        std::vector<float> scratchDLogits(R * C), scratchRowLoss(R);
        auto divergedLogits = logits;
        run(4, 64, [&] { softmax_cross_entropy(divergedLogits.data(), nullptr, labels.data(), scratchDLogits.data(), scratchRowLoss.data(),
                                               R, C, 1.0f / R, nullptr, divergedAccumulators.data(), divergedCounters.data(), 0.5,
                                               lossLog.data(), 5); });
        output("diverged_counters", divergedCounters); output("diverged_accumulators", divergedAccumulators);
        output("loss_log", lossLog);

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
        // Every update kernel, seven steps (RAdam rectifies from step 6), with a
        // two-entry schedule: 0.05 for step 0 of the epoch, then 0.02.
        std::vector<double> baseScalars = {1, 1, 1, 0, 0, 0, 0, 0, 0.05, 0.02};
        auto steps = [&](int buffers, float initial, double scale,
                         const std::function<void(float*, float*, double*, unsigned*)>& launch) {
            std::vector<float> parameters = p, state(std::max(N * buffers, 1), initial);
            std::vector<double> scalars = baseScalars;
            scalars[2] = scale;
            for (unsigned step = 0; step < 7; ++step) {
                std::vector<unsigned> c = {step, step, 0, 0};
                run(4, 256, [&] { launch(parameters.data(), state.data(), scalars.data(), c.data()); });
                // The last of the four blocks moved the step on and put the ticket back.
                if (c != std::vector<unsigned>{step + 1, step + 1, 0, 0}) { fprintf(stderr, "counters not advanced\n"); exit(4); }
            }
            return parameters;
        };
        const float* G = g.data();
        output("sgd", steps(1, 0, 1, [&](float* q, float* s, double* k, unsigned* c) { sgd_update(q, G, s, N, k, 2, c, 0.9f, 0.1f, 0.01f, 1); }));
        output("sgd_scaled", steps(1, 0, 0.25, [&](float* q, float* s, double* k, unsigned* c) { sgd_update(q, G, s, N, k, 2, c, 0.9f, 0.0f, 0.0f, 0); }));
        output("adam", steps(3, 0, 1, [&](float* q, float* s, double* k, unsigned* c) { adam_update(q, G, s, N, k, 2, c, 0.9, 0.999, 1e-8f, 0.05f, 1, 1); }));
        output("rmsprop", steps(3, 0, 1, [&](float* q, float* s, double* k, unsigned* c) { rmsprop_update(q, G, s, N, k, 2, c, 0.99f, 1e-8f, 0.01f, 0.9f, 1); }));
        output("adagrad", steps(1, 0.1f, 1, [&](float* q, float* s, double* k, unsigned* c) { adagrad_update(q, G, s, N, k, 2, c, 0.01, 0.01f, 1e-10f); }));
        output("adadelta", steps(2, 0, 1, [&](float* q, float* s, double* k, unsigned* c) { adadelta_update(q, G, s, N, k, 2, c, 0.9f, 1e-6f, 0.01f); }));
        output("adamax", steps(2, 0, 1, [&](float* q, float* s, double* k, unsigned* c) { adamax_update(q, G, s, N, k, 2, c, 0.9, 0.999f, 1e-8f, 0.01f); }));
        output("nadam", steps(2, 0, 1, [&](float* q, float* s, double* k, unsigned* c) { nadam_update(q, G, s, N, k, 2, c, 0.9, 0.999, 1e-8f, 0.01f, 4e-3); }));
        output("radam", steps(2, 0, 1, [&](float* q, float* s, double* k, unsigned* c) { radam_update(q, G, s, N, k, 2, c, 0.9, 0.999, 1e-8f, 0.01f); }));

        // After a diverged step the update leaves everything alone.
        std::vector<float> frozen = p, frozenState(N, 0.0f);
        std::vector<double> frozenScalars = baseScalars;
        std::vector<unsigned> divergedStep = {4, 4, 2, 0};
        run(4, 256, [&] { sgd_update(frozen.data(), G, frozenState.data(), N, frozenScalars.data(), 2, divergedStep.data(), 0.9f, 0.0f, 0.0f, 0); });
        output("frozen", frozen); output("frozen_counters", divergedStep);

        // Clipping: the two passes over four blocks, to a norm of 2.
        std::vector<double> partials(4), clipScalars(9, 0.0);
        std::vector<unsigned> clipCounters = {0, 0, 0, 0};
        run(4, 256, [&] { gradient_square_sums(G, N, partials.data(), 2.0, clipScalars.data(), nullptr, 0, clipCounters.data()); });
        output("clip_scalars", clipScalars); output("clip_partials", partials); output("clip_counters", clipCounters);
        // Measuring only (negative maxNorm), the norm logged at step 2 of the epoch.
        std::vector<double> measurePartials(4), measureScalars(9, 0.0), normLog(3, -1.0);
        std::vector<unsigned> stepTwo = {2, 7, 0, 0};
        run(4, 256, [&] { gradient_square_sums(G, N, measurePartials.data(), -1.0, measureScalars.data(), normLog.data(), 3, stepTwo.data()); });
        output("measure_scalars", measureScalars); output("norm_log", normLog);
        return 0;
    }
    """#

    func testKernelsMatchTheirTwinsWhenRunOnTheCPU() throws {
        let (r, f, c, n) = (Self.rows, Self.features, Self.classes, Self.parameters)
        let directory = try scratchDirectory("tn-kernel-emulator")
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = RandomGenerator(seed: 42)
        func random(_ count: Int, _ low: Float, _ high: Float) -> [Float] { (0..<count).map { _ in generator.uniform(low, high) } }
        let x = random(r * f, -2, 2), gain = random(f, 0.5, 1.5), shift = random(f, -0.5, 0.5), dy = random(r * f, -1, 1)
        let bias = random(f, -0.3, 0.3)
        let logits = random(r * c, -4, 4)
        let labels = (0..<r).map { _ in Int32(generator.next() % UInt64(c)) }
        let order: [Int32] = [6, 2, 4, 0, 5, 1, 3]
        let p = random(n, -1, 1), g = random(n, -1, 1)
        let x70 = random(70 * f, -2, 2), dy70 = random(70 * f, -1, 1)
        for (values, name) in [(x, "x"), (gain, "gain"), (shift, "shift"), (dy, "dy"), (bias, "bias"), (logits, "logits"), (p, "p"), (g, "g"),
                                (x70, "x70"), (dy70, "dy70")] {
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
        try check("ln_only_dgain", dgain, limit: 0); try check("ln_only_dshift", dshift, limit: 0)

        // The fused kernels against the composition of the twins of their parts.
        var fusedX = x, activated = y, fusedStatistics = statistics, fusedDx = dx, fusedDgain = dgain, fusedDshift = dshift
        KernelTwins.layerNormForwardFused(x: &fusedX, bias: bias, gain: gain, shift: shift, y: nil, statistics: &fusedStatistics,
                                          rows: r, features: f, epsilon: 1e-5, activated: &activated, probability: 0.4,
                                          dropout: DropoutStream(key: (11, 22), stream: 3), step: 5)
        KernelTwins.layerNormBackwardFused(x: fusedX, dy: dy, activated: activated, scale: 1 / (1 - Float(0.4)), gain: gain,
                                           statistics: fusedStatistics, dx: &fusedDx, gainGradient: &fusedDgain,
                                           shiftGradient: &fusedDshift, rows: r, features: f)
        XCTAssertEqual(fusedX, zip(x, (0..<(r * f)).map { bias[$0 % f] }).map { $0 + $1 }, "the bias is written back into x")
        XCTAssertTrue(activated.contains(0) && activated.contains { $0 > 0 }, "ReLU and dropout both act")
        try check("fused_x", fusedX, limit: 0); try check("fused_activated", activated); try check("fused_stats", fusedStatistics)
        try check("fused_dx", fusedDx); try check("fused_dgain", fusedDgain); try check("fused_dshift", fusedDshift)
        // The bias gradient of the Linear before: dx summed over the rows, in order, from the kernel's own dx.
        let kernelDx = try result("fused_dx")
        let fusedDbias = (0..<f).map { column in KernelTwins.blockedRowSum(rows: r) { kernelDx[$0 * f + column] } }
        try check("fused_dbias", fusedDbias, limit: 0)
        XCTAssertEqual(try KernelEmulator.read(UInt32.self, "fused_counters", in: directory), [0, 5, 0, 0], "the ticket is back at 0")

        // Three blocks of rows: every sum over rows goes through the last block's addition of the blocks' sums.
        var x70Biased = x70, activated70 = [Float](repeating: 0, count: 70 * f), statistics70 = [Float](repeating: 0, count: 140)
        var dx70 = activated70, dgain70 = [Float](repeating: 0, count: f), dshift70 = dgain70, dbias70 = dgain70
        KernelTwins.layerNormForwardFused(x: &x70Biased, bias: bias, gain: gain, shift: shift, y: nil, statistics: &statistics70,
                                          rows: 70, features: f, epsilon: 1e-5, activated: &activated70, probability: 0.4,
                                          dropout: DropoutStream(key: (11, 22), stream: 3), step: 2)
        KernelTwins.layerNormBackwardFused(x: x70Biased, dy: dy70, activated: activated70, scale: 1 / (1 - Float(0.4)), gain: gain,
                                           statistics: statistics70, dx: &dx70, gainGradient: &dgain70, shiftGradient: &dshift70,
                                           rows: 70, features: f, linearBiasGradient: &dbias70)
        try check("rows70_x", x70Biased, limit: 0); try check("rows70_activated", activated70); try check("rows70_stats", statistics70)
        try check("rows70_dx", dx70); try check("rows70_dgain", dgain70); try check("rows70_dshift", dshift70)
        try check("rows70_dbias", dbias70)
        // Against plain sums in double: the blocked order changes only rounding.
        let dxKernel70 = try result("rows70_dx")
        let plainBias = (0..<f).map { column in Float((0..<70).reduce(0.0) { $0 + Double(dxKernel70[$1 * f + column]) }) }
        XCTAssertLessThanOrEqual(BackendSelfTest.relativeError(try result("rows70_dbias"), plainBias), 1e-5)
        XCTAssertEqual(try KernelEmulator.read(UInt32.self, "rows70_counters", in: directory), [0, 2, 0, 0], "the ticket is back at 0")
        // Eight rows per block: dx is the same; the sums over rows follow the twin at 8 rows per block.
        var dgain70by8 = dgain70, dshift70by8 = dshift70, dbias70by8 = dbias70, dx70by8 = dx70
        KernelTwins.layerNormBackwardFused(x: x70Biased, dy: dy70, activated: activated70, scale: 1 / (1 - Float(0.4)), gain: gain,
                                           statistics: statistics70, dx: &dx70by8, gainGradient: &dgain70by8, shiftGradient: &dshift70by8,
                                           rows: 70, features: f, linearBiasGradient: &dbias70by8, rowsPerBlock: 8)
        try check("rows70by8_dx", dx70, limit: 0)
        try check("rows70by8_dgain", dgain70by8); try check("rows70by8_dshift", dshift70by8); try check("rows70by8_dbias", dbias70by8)
        XCTAssertNotEqual(dgain70by8, dgain70, "eight rows per block sum in another order than 32")
        XCTAssertLessThanOrEqual(BackendSelfTest.relativeError(dgain70by8, dgain70), 1e-5)
        XCTAssertEqual(try KernelEmulator.read(UInt32.self, "rows70by8_counters", in: directory), [0, 2, 0, 0], "the ticket is back at 0")

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
        var logitsBiasGradient = [Float](repeating: 0, count: c)
        KernelTwins.columnSums(try result("sce_dlogits"), into: &logitsBiasGradient, rows: r, columns: c)
        try check("sce_dbias", logitsBiasGradient, limit: 0)
        XCTAssertEqual(try KernelEmulator.read(UInt32.self, "sce_counters", in: directory), [0, 5, 0, 0], "the ticket is back at 0")
        // The bias added first (written back), then the same loss and gradient.
        var biasedLogits = logits
        KernelTwins.addBias(&biasedLogits, bias: shift, rows: r, columns: c)
        XCTAssertEqual(biasedLogits, (0..<(r * c)).map { logits[$0] + shift[$0 % c] })
        var biasedDLogits = dLogits, biasedRowLoss = rowLoss
        KernelTwins.softmaxCrossEntropy(logits: biasedLogits, labels: labels, dLogits: &biasedDLogits, rowLoss: &biasedRowLoss,
                                        rows: r, classes: c, inverseBatch: 1 / Float(r))
        XCTAssertNotEqual(biasedRowLoss, rowLoss)
        try check("biased_logits", biasedLogits, limit: 0); try check("biased_dlogits", biasedDLogits); try check("biased_rowloss", biasedRowLoss)
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

        // The divergence limit.
        XCTAssertEqual(try KernelEmulator.read(UInt32.self, "diverged_counters", in: directory), [3, 9, 4, 0])
        let diverged = try KernelEmulator.read(Double.self, "diverged_accumulators", in: directory)
        XCTAssertEqual(diverged[KernelSource.Accumulator.divergedLoss], KernelTwins.trainingLossSum(rowLoss: rowLoss, rows: r) / Double(r),
                       accuracy: 1e-12)
        XCTAssertGreaterThan(diverged[KernelSource.Accumulator.divergedLoss], 0.5)
        XCTAssertEqual(try KernelEmulator.read(Double.self, "loss_log", in: directory),
                       [-1, -1, -1, diverged[KernelSource.Accumulator.divergedLoss], -1], "the step's mean loss at its index (3)")

        // Every update kernel against its twin, seven steps with a two-rate schedule.
        let gradients = [[Float]](repeating: g, count: 7), rates = [0.05, 0.02]
        let updates: [(String, DeviceOptimizer)] = [
            ("sgd", .sgd(learningRate: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: true)),
            ("adam", .adam(learningRate: 0.05, weightDecay: 0.05, decoupled: true, amsgrad: true)),
            ("rmsprop", .rmsprop(learningRate: 0.05, weightDecay: 0.01, momentum: 0.9, centered: true)),
            ("adagrad", .adagrad(learningRate: 0.05, learningRateDecay: 0.01, weightDecay: 0.01, initialAccumulatorValue: 0.1)),
            ("adadelta", .adadelta(learningRate: 0.05, weightDecay: 0.01)),
            ("adamax", .adamax(learningRate: 0.05, weightDecay: 0.01)),
            ("nadam", .nadam(learningRate: 0.05, weightDecay: 0.01)),
            ("radam", .radam(learningRate: 0.05, weightDecay: 0.01)),
        ]
        for (name, optimizer) in updates {
            let expected = twinSteps(optimizer, parameters: p, gradients: gradients, rates: rates)
            XCTAssertNotEqual(expected, p, name)
            try check(name, expected, limit: 0)
        }
        // A clipping coefficient of 0.25 scales every gradient before the update.
        var scaledScalars = DeviceOptimizer.sgd(learningRate: 0.05, momentum: 0.9).initialScalars(rates: rates)
        scaledScalars[KernelSource.Scalar.gradientScale] = 0.25
        let scaled = twinSteps(.sgd(learningRate: 0.05, momentum: 0.9), parameters: p,
                               gradients: gradients.map { $0.map { $0 * 0.25 } }, rates: rates)
        try check("sgd_scaled", scaled, limit: 0)
        try check("frozen", p, limit: 0)
        XCTAssertEqual(try KernelEmulator.read(UInt32.self, "frozen_counters", in: directory), [5, 5, 2, 0],
                       "a step after the divergence changes nothing but still moves the counters on")

        // Clipping: the norm in the kernels' order, and the coefficient.
        let clip = try KernelEmulator.read(Double.self, "clip_scalars", in: directory)
        var twinScalars = [Double](repeating: 0, count: 9), partials = [Double](repeating: 0, count: 4)
        KernelTwins.gradientSquareSums(g, count: n, blocks: 4, into: &partials)
        KernelTwins.clipCoefficient(partials: partials, blocks: 4, maxNorm: 2, scalars: &twinScalars)
        XCTAssertEqual(clip, twinScalars)
        XCTAssertEqual(try KernelEmulator.read(Double.self, "clip_partials", in: directory), partials)
        XCTAssertEqual(try KernelEmulator.read(UInt32.self, "clip_counters", in: directory), [0, 0, 0, 0], "the ticket is back at 0")
        let norm = g.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        XCTAssertEqual(clip[KernelSource.Scalar.gradientNorm], norm, accuracy: 1e-9 * norm)
        XCTAssertEqual(clip[KernelSource.Scalar.gradientScale], 2 / (norm + 1e-6), accuracy: 1e-12)
        let measured = try KernelEmulator.read(Double.self, "measure_scalars", in: directory)
        XCTAssertEqual(measured[KernelSource.Scalar.gradientScale], 1, "measuring only leaves the gradient as it is")
        XCTAssertEqual(measured[KernelSource.Scalar.gradientNorm], clip[KernelSource.Scalar.gradientNorm])
        XCTAssertEqual(try KernelEmulator.read(Double.self, "norm_log", in: directory), [-1, -1, clip[KernelSource.Scalar.gradientNorm]])
    }
}
