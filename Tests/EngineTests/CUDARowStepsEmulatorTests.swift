// The persistent batch-1 kernel's CUDA C (RowStepsKernel.swift) on the CPU
// kernel emulator, with its three blocks side by side and really waiting for
// one another in grid_barrier, against the row kernels it strings together,
// launched one after another as the trainer launches them: three steps of a
// network of 37 inputs, hidden layers of 300 (dropout 0.4), 70 (0.2) and 40
// (0.1) and 10 classes, plain SGD fused, a rate per step, so that every stage
// kind runs in every role the tutorial network gives it (two hidden forward
// stages, a backward stage with an input gradient and one without). The stages are the
// row kernels' own functions and every sum is in a fixed order, so the two
// must agree bit for bit: the parameters, the loss, its log and the
// counters. The table is packed here as CUDANetwork.rowStageTable packs it
// (RowStageTableTests check that side).
import Foundation
import XCTest
@testable import Engine

final class CUDARowStepsEmulatorTests: XCTestCase {
    static let main = #"""
    static void pack(std::vector<u64>& row, const void* pointer) { row.push_back((u64)(uintptr_t)pointer); }
    static void pack(std::vector<u64>& row, std::nullptr_t) { row.push_back(0); }
    static void pack(std::vector<u64>& row, int value) { row.push_back((u64)(u32)value); }
    static void pack(std::vector<u64>& row, unsigned value) { row.push_back((u64)value); }
    static void pack(std::vector<u64>& row, float value) { u32 bits; memcpy(&bits, &value, 4); row.push_back(bits); }
    static void pack(std::vector<u64>& row, double value) { u64 bits; memcpy(&bits, &value, 8); row.push_back(bits); }
    template <typename... A> static void stage(std::vector<u64>& table, int kind, A... arguments) {
        std::vector<u64> row = {(u64)kind};
        (pack(row, arguments), ...);
        row.resize(ROW_STAGE_SLOTS, 0);
        table.insert(table.end(), row.begin(), row.end());
    }

    const int F0 = 37, H0 = 300, H1 = 70, H2 = 40, C = 10;
    // The flat parameters as the plan lays them out: each hidden layer's weights, then its bias, gain and shift.
    const int W0 = 0, B0 = W0 + H0 * F0, W1 = B0 + 3 * H0, B1 = W1 + H1 * H0, W2 = B1 + 3 * H1, B2 = W2 + H2 * H1,
              W3 = B2 + 3 * H2, B3 = W3 + C * H2, P = B3 + C;

    // Everything one training run writes.
    struct Run {
        std::vector<float> params, grads, x, z0, xb0, stats0, act0, z1, xb1, stats1, act1, z2, xb2, stats2, act2, logits,
                           dh0, dh1;
        std::vector<int> label = {-1};
        std::vector<unsigned> counters = {0, 0, 0, 0};
        std::vector<double> accumulators = {0, 0, 0, 0}, lossLog = std::vector<double>(4, -1.0);
        Run(const std::vector<float>& initial) : params(initial), grads(P), x(F0), z0(H0), xb0(H0), stats0(2), act0(H0),
            z1(H1), xb1(H1), stats1(2), act1(H1), z2(H2), xb2(H2), stats2(2), act2(H2), logits(C), dh0(H0), dh1(H1) {}
    };

    int main(int argc, char** argv) {
        directory = argv[1];
        auto data = input<float>("data");
        auto labels = input<int>("labels");
        auto order = input<int>("order");
        auto initial = input<float>("params");
        // The small parameters and the last Linear, which the last stage updates (run 0 by its last block).
        std::vector<int> runs = {B0, 3 * H0, B1, 3 * H1, B2, 3 * H2, W3, C * H2 + C};
        std::vector<double> scalars = {1, 1, 1, 0, 0, 0, 0, 0, 0.05, 0.02, 0.03};
        const float eps = 1e-5f, scale0 = 1.0f / (1.0f - 0.4f), scale1 = 1.0f / (1.0f - 0.2f);

        // The six stages of a step, as a table: the first layer's product, the
        // next two layers' LayerNorms and products, the head (the last
        // hidden layer's backward), then the middle layer's backward (its
        // input gradient; the last hidden layer's weights updated) and the
        // first's (its own weights and the middle layer's updated, the runs
        // by the grid and its last block).
        auto table = [&](Run& r) {
            float* p = r.params.data(); float* g = r.grads.data();
            std::vector<u64> t;
            stage(t, ROW_STAGE_FIRST_FORWARD, data.data(), labels.data(), order.data(), r.x.data(), r.label.data(), F0, p + W0, H0,
                  r.z0.data(), r.counters.data());
            stage(t, ROW_STAGE_HIDDEN_FORWARD, r.z0.data(), p + B0, p + B0 + H0, p + B0 + 2 * H0, H0, eps, 0.4f, 11u, 22u, 3u,
                  r.xb0.data(), r.stats0.data(), r.act0.data(), p + W1, H1, r.z1.data(), r.counters.data());
            stage(t, ROW_STAGE_HIDDEN_FORWARD, r.z1.data(), p + B1, p + B1 + H1, p + B1 + 2 * H1, H1, eps, 0.2f, 33u, 44u, 7u,
                  r.xb1.data(), r.stats1.data(), r.act1.data(), p + W2, H2, r.z2.data(), r.counters.data());
            stage(t, ROW_STAGE_HEAD, r.z2.data(), p + B2, p + B2 + H2, p + B2 + 2 * H2, H2, eps, 0.1f, 55u, 66u, 9u, r.xb2.data(),
                  r.stats2.data(), r.act2.data(), p + W3, p + B3, C, r.logits.data(), g + W3, g + B3, r.label.data(),
                  r.accumulators.data(), r.counters.data(), 1e30, r.lossLog.data(), 4, g + B2 + H2, g + B2 + 2 * H2, g + B2,
                  p + W2, r.act1.data(), H1, nullptr, r.dh1.data());
            stage(t, ROW_STAGE_HIDDEN_BACKWARD, r.dh1.data(), r.xb1.data(), r.stats1.data(), r.act1.data(), scale1, p + B1 + H1, H1,
                  g + B1 + H1, g + B1 + 2 * H1, g + B1, p + W1, r.act0.data(), H0, nullptr, r.dh0.data(), scalars.data(), 3,
                  r.counters.data(), p + W2, g + B2, H2, nullptr, nullptr, 0, p, g);
            stage(t, ROW_STAGE_HIDDEN_BACKWARD, r.dh0.data(), r.xb0.data(), r.stats0.data(), r.act0.data(), scale0, p + B0 + H0, H0,
                  g + B0 + H0, g + B0 + 2 * H0, g + B0, p + W0, r.x.data(), F0, nullptr, nullptr, scalars.data(), 3,
                  r.counters.data(), p + W1, g + B1, H1, p + W0, runs.data(), 4, p, g);
            return t;
        };

        // The row kernels, one launch after another, three steps.
        Run separate(initial);
        for (int step = 0; step < 3; ++step) {
            Run& r = separate;
            float* p = r.params.data(); float* g = r.grads.data();
            run(3, 256, [&] { row_first_forward(data.data(), labels.data(), order.data(), r.x.data(), r.label.data(), F0, p + W0, H0,
                                                r.z0.data(), r.counters.data()); });
            run(3, 256, [&] { row_hidden_forward(r.z0.data(), p + B0, p + B0 + H0, p + B0 + 2 * H0, H0, eps, 0.4f, 11u, 22u, 3u,
                                                 r.xb0.data(), r.stats0.data(), r.act0.data(), p + W1, H1, r.z1.data(),
                                                 r.counters.data()); });
            run(3, 256, [&] { row_hidden_forward(r.z1.data(), p + B1, p + B1 + H1, p + B1 + 2 * H1, H1, eps, 0.2f, 33u, 44u, 7u,
                                                 r.xb1.data(), r.stats1.data(), r.act1.data(), p + W2, H2, r.z2.data(),
                                                 r.counters.data()); });
            run(3, 256, [&] { row_head(r.z2.data(), p + B2, p + B2 + H2, p + B2 + 2 * H2, H2, eps, 0.1f, 55u, 66u, 9u, r.xb2.data(),
                                       r.stats2.data(), r.act2.data(), p + W3, p + B3, C, r.logits.data(), g + W3, g + B3,
                                       r.label.data(), r.accumulators.data(), r.counters.data(), 1e30, r.lossLog.data(), 4,
                                       g + B2 + H2, g + B2 + 2 * H2, g + B2, p + W2, r.act1.data(), H1, nullptr, r.dh1.data()); });
            run(3, 256, [&] { row_hidden_backward(r.dh1.data(), r.xb1.data(), r.stats1.data(), r.act1.data(), scale1, p + B1 + H1,
                                                  H1, g + B1 + H1, g + B1 + 2 * H1, g + B1, p + W1, r.act0.data(), H0, nullptr,
                                                  r.dh0.data(), scalars.data(), 3, r.counters.data(), p + W2, g + B2, H2, nullptr,
                                                  nullptr, 0, p, g); });
            run(3, 256, [&] { row_hidden_backward(r.dh0.data(), r.xb0.data(), r.stats0.data(), r.act0.data(), scale0, p + B0 + H0,
                                                  H0, g + B0 + H0, g + B0 + 2 * H0, g + B0, p + W0, r.x.data(), F0, nullptr,
                                                  nullptr, scalars.data(), 3, r.counters.data(), p + W1, g + B1, H1, p + W0,
                                                  runs.data(), 4, p, g); });
        }

        // The persistent kernel, the same three steps in one cooperative launch.
        Run persistent(initial);
        auto stages = table(persistent);
        std::vector<unsigned> barrier(\#(KernelSource.gridBarrierWords), 0u);
        runCooperative(3, 256, [&](unsigned b) {
            COOPERATIVE_CALL(b, row_training_steps(stages.data(), 6, 3, barrier.data()));
        });

        output("separate_params", separate.params); output("persistent_params", persistent.params);
        output("separate_grads", separate.grads); output("persistent_grads", persistent.grads);
        output("separate_accumulators", separate.accumulators); output("persistent_accumulators", persistent.accumulators);
        output("separate_loss_log", separate.lossLog); output("persistent_loss_log", persistent.lossLog);
        output("separate_counters", separate.counters); output("persistent_counters", persistent.counters);
        output("barrier", barrier);
        return 0;
    }
    """#

    static let barrierMain = #"""
    int main(int argc, char** argv) {
        directory = argv[1];
        const unsigned blocks = 4, threads = 64;
        const int rounds = 60;
        std::vector<unsigned> marks(blocks * threads, 0u), mismatches = {0u}, barrier(\#(KernelSource.gridBarrierWords), 0u);
        runCooperative(blocks, threads, [&](unsigned b) {
            COOPERATIVE_CALL(b, grid_barrier_check(marks.data(), rounds, mismatches.data(), barrier.data()));
        });
        output("marks", marks); output("mismatches", mismatches); output("barrier", barrier);
        return 0;
    }
    """#

    /// grid_barrier_check (the self-test's check of the barrier) with four
    /// blocks side by side: no read after a barrier misses the round written
    /// before it, and the state ends with the count at 0 and two rounds a
    /// round. (Mutation checks: a barrier that does not wait makes reads miss.)
    func testGridBarrierCheckSeesEveryWriteWithBlocksSideBySide() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tn-grid-barrier-emulator-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try KernelEmulator.compileAndRun(main: Self.barrierMain, in: directory, cooperativeCopies: 4)
        XCTAssertEqual(try KernelEmulator.read(UInt32.self, "mismatches", in: directory), [0])
        XCTAssertEqual(try KernelEmulator.read(UInt32.self, "marks", in: directory), [UInt32](repeating: 60, count: 4 * 64))
        let barrier = try KernelEmulator.read(UInt32.self, "barrier", in: directory)
        XCTAssertEqual([barrier[0], barrier[KernelSource.gridBarrierRoundWord]], [0, 120])
    }

    func testPersistentKernelRunsTheRowKernelsStepsWithItsBlocksSideBySide() throws {
        let (f0, h0, h1, h2, c) = (37, 300, 70, 40, 10)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tn-row-steps-emulator-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = RandomGenerator(seed: 9)
        func random(_ count: Int, _ low: Float, _ high: Float) -> [Float] { (0..<count).map { _ in generator.uniform(low, high) } }
        /// A hidden layer's weights, then its bias, gain (about 1) and shift.
        func hidden(_ inputs: Int, _ outputs: Int, _ spread: Float) -> [Float] {
            random(outputs * inputs, -spread, spread) + random(outputs, -0.3, 0.3) + random(outputs, 0.5, 1.5) + random(outputs, -0.5, 0.5)
        }
        let parameters = hidden(f0, h0, 0.3) + hidden(h0, h1, 0.1) + hidden(h1, h2, 0.15) + random(c * h2, -0.3, 0.3) + random(c, -0.3, 0.3)
        try KernelEmulator.write(random(5 * f0, -2, 2), "data", in: directory)
        try KernelEmulator.write([3, 9, 0, 4, 7] as [Int32], "labels", in: directory)
        try KernelEmulator.write([3, 1, 4, 0, 2] as [Int32], "order", in: directory)
        try KernelEmulator.write(parameters, "params", in: directory)
        try KernelEmulator.compileAndRun(main: Self.main, in: directory, cooperativeCopies: 3)

        let separate = try KernelEmulator.read(Float.self, "separate_params", in: directory)
        let persistent = try KernelEmulator.read(Float.self, "persistent_params", in: directory)
        XCTAssertEqual(separate.count, parameters.count)
        /// Bit for bit, or how many elements differ (the arrays are too long to print).
        func assertSame(_ a: [Float], _ b: [Float], _ what: String, line: UInt = #line) {
            let differing = zip(a, b).filter { $0.0.bitPattern != $0.1.bitPattern }.count
            XCTAssertTrue(a.count == b.count && differing == 0, "\(what): \(differing) of \(b.count) differ", line: line)
        }
        assertSame(persistent, separate, "the persistent kernel's parameters after three steps")
        // Every part moved: each hidden layer's weights, the first's small parameters, the last Linear.
        let w1 = h0 * f0 + 3 * h0, w2 = w1 + h1 * h0 + 3 * h1
        for (name, range) in [("W0", 0..<(h0 * f0)), ("bias, gain, shift 0", (h0 * f0)..<w1), ("W1", w1..<(w1 + h1 * h0)),
                              ("W2", w2..<(w2 + h2 * h1)), ("last Linear", (parameters.count - c * h2 - c)..<parameters.count)] {
            XCTAssertNotEqual(Array(separate[range]), Array(parameters[range]), "\(name) moved")
        }
        assertSame(try KernelEmulator.read(Float.self, "persistent_grads", in: directory),
                   try KernelEmulator.read(Float.self, "separate_grads", in: directory), "the gradients of the last step")
        let accumulators = try KernelEmulator.read(Double.self, "persistent_accumulators", in: directory)
        XCTAssertEqual(accumulators, try KernelEmulator.read(Double.self, "separate_accumulators", in: directory))
        XCTAssertGreaterThan(accumulators[KernelSource.Accumulator.trainingLossSum], 0)
        let lossLog = try KernelEmulator.read(Double.self, "persistent_loss_log", in: directory)
        XCTAssertEqual(lossLog, try KernelEmulator.read(Double.self, "separate_loss_log", in: directory))
        XCTAssertTrue(lossLog.prefix(3).allSatisfy { $0 > 0 } && lossLog[3] == -1, "three steps logged: \(lossLog)")
        XCTAssertEqual(try KernelEmulator.read(UInt32.self, "persistent_counters", in: directory), [3, 3, 0, 0])
        XCTAssertEqual(try KernelEmulator.read(UInt32.self, "separate_counters", in: directory), [3, 3, 0, 0])
        let barrier = try KernelEmulator.read(UInt32.self, "barrier", in: directory)
        XCTAssertEqual([barrier[0], barrier[KernelSource.gridBarrierRoundWord]], [0, 18],
                       "a round per stage of each step, and the count back at 0")
        XCTAssertEqual(barrier.count, KernelSource.gridBarrierWords)
    }
}
