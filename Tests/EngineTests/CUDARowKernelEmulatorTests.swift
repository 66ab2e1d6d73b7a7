// The batch-1 row kernels' CUDA C (RowKernels.swift), executed on the CPU by
// KernelEmulator over three blocks, against their Swift twins: a network of
// 37 inputs, hidden layers of 300 (dropout 0.4) and 70 (dropout 0.2), and 10
// classes, one training step's forward and backward. Three blocks make every
// share of work wrap: 24 warps for 300 outputs, 300 weight-gradient rows, 75
// groups of four input-gradient columns (and a last group of one at 37
// inputs). Each block computes the LayerNorms and logits itself, so a block
// that computed them differently from block 0 would write gradients from
// other values than the ones checked here.
import Foundation
import XCTest
@testable import Engine

final class CUDARowKernelEmulatorTests: XCTestCase {
    /// The start of both tests' main: the network's sizes, and its inputs
    /// read from the test's folder.
    static let inputs = #"""
        directory = argv[1];
        const int F0 = 37, H0 = 300, H1 = 70, C = 10;
        auto data = input<float>("data");
        auto labels = input<int>("labels");
        auto order = input<int>("order");
        auto w0 = input<float>("w0"), b0 = input<float>("b0"), g0 = input<float>("g0"), s0 = input<float>("s0");
        auto w1 = input<float>("w1"), b1 = input<float>("b1"), g1 = input<float>("g1"), s1 = input<float>("s1");
        auto w2 = input<float>("w2"), b2 = input<float>("b2");
    """#

    static let main = #"""
    int main(int argc, char** argv) {
    \#(inputs)
        std::vector<unsigned> counters = {2, 5, 0, 0};  // step 2 of the epoch: example order[2]; dropout step 5
        std::vector<float> x(F0), z0(H0), xb0(H0), stats0(2), act0(H0), z1(H1), xb1(H1), stats1(2), act1(H1), logits(C);
        std::vector<int> label = {-1};
        run(3, 256, [&] { row_first_forward(data.data(), labels.data(), order.data(), x.data(), label.data(), F0, w0.data(), H0,
                                            z0.data(), counters.data()); });
        run(3, 256, [&] { row_hidden_forward(z0.data(), b0.data(), g0.data(), s0.data(), H0, 1e-5f, 0.4f, 11u, 22u, 3u, xb0.data(),
                                             stats0.data(), act0.data(), w1.data(), H1, z1.data(), counters.data()); });
        std::vector<float> dw2(C * H1), db2(C), dg1(H1), ds1(H1), db1(H1), dw1(H1 * H0), dh0(H0);
        std::vector<double> accumulators = {0.5, 0, 0, 0}, lossLog(4, -1.0);
        run(3, 256, [&] { row_head(z1.data(), b1.data(), g1.data(), s1.data(), H1, 1e-5f, 0.2f, 33u, 44u, 7u, xb1.data(), stats1.data(),
                                   act1.data(), w2.data(), b2.data(), C, logits.data(), dw2.data(), db2.data(), label.data(),
                                   accumulators.data(), counters.data(), 1e30, lossLog.data(), 4, dg1.data(), ds1.data(), db1.data(),
                                   w1.data(), act0.data(), H0, dw1.data(), dh0.data()); });
        std::vector<float> dg0(H0), ds0(H0), db0(H0), dw0(H0 * F0);
        run(3, 256, [&] { row_hidden_backward(dh0.data(), xb0.data(), stats0.data(), act0.data(), 1.0f / (1.0f - 0.4f), g0.data(), H0,
                                              dg0.data(), ds0.data(), db0.data(), w0.data(), x.data(), F0, dw0.data(), nullptr,
                                              nullptr, 0, counters.data(), nullptr, nullptr, 0, nullptr, nullptr, 0, nullptr, nullptr); });
        output("x", x); output("label", label); output("z0", z0); output("xb0", xb0); output("stats0", stats0); output("act0", act0);
        output("z1", z1); output("xb1", xb1); output("stats1", stats1); output("act1", act1); output("logits", logits);
        output("dw2", dw2); output("db2", db2); output("dg1", dg1); output("ds1", ds1); output("db1", db1); output("dw1", dw1);
        output("dh0", dh0); output("dg0", dg0); output("ds0", ds0); output("db0", db0); output("dw0", dw0);
        output("accumulators", accumulators); output("loss_log", lossLog); output("counters", counters);

        // Plain SGD fused into the first layer's backward: its own weights, the
        // next layer's (from that layer's dx, db1, and act0), and, by the last
        // block, two runs of a flat parameter array; step 1 of the epoch takes
        // the second rate. Then the same after a divergence: only the counters move.
        auto flat = input<float>("flat"), flatGradients = input<float>("flat_gradients");
        std::vector<int> runs = {3, 5, 20, 7};
        std::vector<double> scalars = {1, 1, 1, 0, 0, 0, 0, 0, 0.05, 0.02};
        for (int diverged = 0; diverged < 2; ++diverged) {
            auto fusedW0 = w0, fusedW1 = w1, fusedFlat = flat;
            std::vector<float> fdg0(H0), fds0(H0), fdb0(H0);
            std::vector<unsigned> fusedCounters = {1, 5, diverged ? 3u : 0u, 0};
            run(3, 256, [&] { row_hidden_backward(dh0.data(), xb0.data(), stats0.data(), act0.data(), 1.0f / (1.0f - 0.4f), g0.data(), H0,
                                                  fdg0.data(), fds0.data(), fdb0.data(), w0.data(), x.data(), F0, nullptr, nullptr,
                                                  scalars.data(), 2, fusedCounters.data(), fusedW1.data(), db1.data(), H1,
                                                  fusedW0.data(), runs.data(), 2, fusedFlat.data(), flatGradients.data()); });
            const std::string suffix = diverged ? "_diverged" : "";
            output(("fused_w0" + suffix).c_str(), fusedW0); output(("fused_w1" + suffix).c_str(), fusedW1);
            output(("fused_flat" + suffix).c_str(), fusedFlat); output(("fused_counters" + suffix).c_str(), fusedCounters);
            output(("fused_db0" + suffix).c_str(), fdb0);
        }
        return 0;
    }
    """#

    /// Host buffers the twins write through, freed with the test.
    final class Buffers {
        private var owned: [UnsafeMutableRawPointer] = []
        func floats(_ values: [Float]) -> UnsafeMutablePointer<Float> { make(values) }
        func floats(count: Int) -> UnsafeMutablePointer<Float> { make([Float](repeating: 0, count: count)) }
        func make<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
            let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(values.count, 1))
            pointer.initialize(from: values, count: values.count)
            owned.append(UnsafeMutableRawPointer(pointer))
            return pointer
        }
        deinit { owned.forEach { $0.deallocate() } }
    }

    static let gatherMain = #"""
    int main(int argc, char** argv) {
        directory = argv[1];
        const int F = 784, H = 64;
        auto data = input<float>("data");
        auto w = input<float>("w");
        std::vector<int> labels = {3, 9, 0}, order = {2, 0, 1};
        std::vector<unsigned> counters = {1, 0, 0, 0};  // step 1 of the epoch: example order[1] = 0
        std::vector<float> x(F), z(H);
        std::vector<int> label = {-1};
        run(3, 256, [&] { row_first_forward(data.data(), labels.data(), order.data(), x.data(), label.data(), F, w.data(), H,
                                            z.data(), counters.data()); });
        output("x", x); output("z", z); output("label", label);
        return 0;
    }
    """#

    static let gridMain = #"""
    int main(int argc, char** argv) {
    \#(inputs)
        auto flat = input<float>("flat"), flatGradients = input<float>("flat_gradients");
        std::vector<unsigned> counters = {2, 5, 0, 0};
        std::vector<float> x(F0), z0(H0), xb0(H0), stats0(2), act0(H0), z1(H1), xb1(H1), stats1(2), act1(H1);
        std::vector<int> label = {-1};
        run(3, 256, [&] { row_first_forward(data.data(), labels.data(), order.data(), x.data(), label.data(), F0, w0.data(), H0,
                                            z0.data(), counters.data()); });
        run(3, 256, [&] { row_hidden_forward(z0.data(), b0.data(), g0.data(), s0.data(), H0, 1e-5f, 0.4f, 11u, 22u, 3u, xb0.data(),
                                             stats0.data(), act0.data(), w1.data(), H1, z1.data(), counters.data()); });
        // The two kernels with backward parts at a grid that wraps (3 blocks)
        // and at one with more blocks than weight rows (70) and groups of
        // four input-gradient columns (75, and one of a single column).
        for (unsigned grid : {3u, 80u}) {
            std::vector<float> logits(C), dw2(C * H1), db2(C), dg1(H1), ds1(H1), db1(H1), dw1(H1 * H0), dh0(H0);
            std::vector<double> accumulators = {0.5, 0, 0, 0}, lossLog(4, -1.0);
            std::vector<float> headXb(H1), headStats(2), headAct(H1);
            run(grid, 256, [&] { row_head(z1.data(), b1.data(), g1.data(), s1.data(), H1, 1e-5f, 0.2f, 33u, 44u, 7u, headXb.data(),
                                          headStats.data(), headAct.data(), w2.data(), b2.data(), C, logits.data(), dw2.data(),
                                          db2.data(), label.data(), accumulators.data(), counters.data(), 1e30, lossLog.data(), 4,
                                          dg1.data(), ds1.data(), db1.data(), w1.data(), act0.data(), H0, dw1.data(), dh0.data()); });
            std::vector<float> dg0(H0), ds0(H0), db0(H0), dw0(H0 * F0);
            run(grid, 256, [&] { row_hidden_backward(dh0.data(), xb0.data(), stats0.data(), act0.data(), 1.0f / (1.0f - 0.4f),
                                                     g0.data(), H0, dg0.data(), ds0.data(), db0.data(), w0.data(), x.data(), F0,
                                                     dw0.data(), nullptr, nullptr, 0, counters.data(), nullptr, nullptr, 0, nullptr,
                                                     nullptr, 0, nullptr, nullptr); });
            // Plain SGD fused in: the first layer's weights, the next layer's, two runs.
            auto fusedW0 = w0, fusedW1 = w1, fusedFlat = flat;
            std::vector<float> fdg0(H0), fds0(H0), fdb0(H0);
            std::vector<int> runs = {3, 5, 20, 7};
            std::vector<double> scalars = {1, 1, 1, 0, 0, 0, 0, 0, 0.05, 0.02};
            std::vector<unsigned> fusedCounters = {1, 5, 0, 0};
            run(grid, 256, [&] { row_hidden_backward(dh0.data(), xb0.data(), stats0.data(), act0.data(), 1.0f / (1.0f - 0.4f),
                                                     g0.data(), H0, fdg0.data(), fds0.data(), fdb0.data(), w0.data(), x.data(), F0,
                                                     nullptr, nullptr, scalars.data(), 2, fusedCounters.data(), fusedW1.data(),
                                                     db1.data(), H1, fusedW0.data(), runs.data(), 2, fusedFlat.data(),
                                                     flatGradients.data()); });
            const std::string g = "_" + std::to_string(grid);
            output(("logits" + g).c_str(), logits); output(("dw2" + g).c_str(), dw2); output(("db2" + g).c_str(), db2);
            output(("dg1" + g).c_str(), dg1); output(("ds1" + g).c_str(), ds1); output(("db1" + g).c_str(), db1);
            output(("dw1" + g).c_str(), dw1); output(("dh0" + g).c_str(), dh0); output(("dg0" + g).c_str(), dg0);
            output(("ds0" + g).c_str(), ds0); output(("db0" + g).c_str(), db0); output(("dw0" + g).c_str(), dw0);
            output(("fused_w0" + g).c_str(), fusedW0); output(("fused_w1" + g).c_str(), fusedW1);
            output(("fused_flat" + g).c_str(), fusedFlat); output(("fused_counters" + g).c_str(), fusedCounters);
            output(("accumulators" + g).c_str(), accumulators); output(("loss_log" + g).c_str(), lossLog);
        }
        return 0;
    }
    """#

    /// The kernels with backward parts write the same bits at any grid
    /// (TN_CUDA_ROW_BLOCKS changes only the grid): every block computes the
    /// LayerNorms itself in one order, and each sum has a fixed order that
    /// does not depend on which block takes it. Checked at 3 blocks and at
    /// 80, more blocks than there are weight rows or column groups, where
    /// some blocks have nothing to update and the last to finish moves the
    /// step on; and with ROW_UPDATE_BATCH at 8 and 16, which changes only
    /// when each thread loads its operands.
    func testTheBackwardKernelsWriteTheSameBitsAtAnyGrid() throws {
        let (f0, h0, h1, c) = (37, 300, 70, 10)
        let directory = try scratchDirectory("tn-row-grid")
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = RandomGenerator(seed: 17)
        func random(_ count: Int, _ low: Float, _ high: Float) -> [Float] { (0..<count).map { _ in generator.uniform(low, high) } }
        let w0 = random(h0 * f0, -0.3, 0.3), w1 = random(h1 * h0, -0.1, 0.1), flat = random(40, -1, 1)
        let inputs: [(String, [Float])] = [
            ("data", random(5 * f0, -2, 2)), ("w0", w0), ("b0", random(h0, -0.3, 0.3)), ("g0", random(h0, 0.5, 1.5)),
            ("s0", random(h0, -0.5, 0.5)), ("w1", w1), ("b1", random(h1, -0.3, 0.3)), ("g1", random(h1, 0.5, 1.5)),
            ("s1", random(h1, -0.5, 0.5)), ("w2", random(c * h1, -0.3, 0.3)), ("b2", random(c, -0.3, 0.3)),
            ("flat", flat), ("flat_gradients", random(40, -1, 1)),
        ]
        for (name, values) in inputs { try KernelEmulator.write(values, name, in: directory) }
        try KernelEmulator.write([3, 9, 0, 4, 7] as [Int32], "labels", in: directory)
        try KernelEmulator.write([3, 1, 4, 0, 2] as [Int32], "order", in: directory)
        let names = ["logits", "dw2", "db2", "dg1", "ds1", "db1", "dw1", "dh0", "dg0", "ds0", "db0", "dw0",
                     "fused_w0", "fused_w1", "fused_flat"]
        // The source as it is (4 operands a thread before its stores), then
        // with 8 and with 16.
        var baseline: [String: [UInt32]] = [:]
        for defines in [[], ["ROW_UPDATE_BATCH=8"], ["ROW_UPDATE_BATCH=16"]] {
            try KernelEmulator.compileAndRun(main: Self.gridMain, in: directory, defines: defines)
            for name in names {
                let few = try KernelEmulator.read(Float.self, name + "_3", in: directory).map(\.bitPattern)
                let many = try KernelEmulator.read(Float.self, name + "_80", in: directory).map(\.bitPattern)
                XCTAssertFalse(few.isEmpty, name)
                XCTAssertTrue(few.contains { $0 != 0 && $0 != 0x8000_0000 }, "\(name) is not all zeros")
                XCTAssertEqual(many, few, "\(name): 80 blocks against 3, \(defines)")
                if defines.isEmpty { baseline[name] = few } else { XCTAssertEqual(few, baseline[name], "\(name): \(defines)") }
            }
        }
        XCTAssertNotEqual(try KernelEmulator.read(Float.self, "fused_w0_80", in: directory), w0, "the first layer's weights moved")
        XCTAssertNotEqual(try KernelEmulator.read(Float.self, "fused_w1_80", in: directory), w1, "the next layer's weights moved")
        for grid in [3, 80] {
            XCTAssertEqual(try KernelEmulator.read(UInt32.self, "fused_counters_\(grid)", in: directory), [2, 6, 0, 0],
                           "\(grid) blocks: the last to finish moved the step on and put the ticket back")
        }
        XCTAssertEqual(try KernelEmulator.read(Double.self, "accumulators_80", in: directory),
                       try KernelEmulator.read(Double.self, "accumulators_3", in: directory), "the loss is added once")
        XCTAssertEqual(try KernelEmulator.read(Double.self, "loss_log_80", in: directory),
                       try KernelEmulator.read(Double.self, "loss_log_3", in: directory))
    }

    /// The first kernel's gather (each thread's loads of the example, then
    /// its stores) writes example order[stepInEpoch] and its label exactly,
    /// MNIST's 784 inputs being three elements a thread and part of a fourth,
    /// and every block's product z = W·x matches one in Double.
    func testTheFirstKernelGathersTheStepsExample() throws {
        let directory = try scratchDirectory("tn-row-gather")
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = RandomGenerator(seed: 11)
        let data = (0..<(3 * 784)).map { _ in generator.uniform(-2, 2) }
        let w = (0..<(64 * 784)).map { _ in generator.uniform(-0.1, 0.1) }
        try KernelEmulator.write(data, "data", in: directory)
        try KernelEmulator.write(w, "w", in: directory)
        try KernelEmulator.compileAndRun(main: Self.gatherMain, in: directory)
        let x = try KernelEmulator.read(Float.self, "x", in: directory), z = try KernelEmulator.read(Float.self, "z", in: directory)
        XCTAssertEqual(x, Array(data[0..<784]), "example order[1] = 0")
        XCTAssertEqual(try KernelEmulator.read(Int32.self, "label", in: directory), [3])
        XCTAssertEqual(z.count, 64)
        for o in 0..<64 {
            let expected = (0..<784).reduce(0.0) { $0 + Double(w[o * 784 + $1]) * Double(data[$1]) }
            XCTAssertEqual(Double(z[o]), expected, accuracy: 1e-5 * max(1, abs(expected)), "z[\(o)]")
        }
    }

    func testRowKernelsMatchTheirTwinsWhenRunOnTheCPU() throws {
        let (f0, h0, h1, c) = (37, 300, 70, 10)
        let directory = try scratchDirectory("tn-row-emulator")
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = RandomGenerator(seed: 7)
        func random(_ count: Int, _ low: Float, _ high: Float) -> [Float] { (0..<count).map { _ in generator.uniform(low, high) } }
        let data = random(5 * f0, -2, 2)
        let labels: [Int32] = [3, 9, 0, 4, 7], order: [Int32] = [3, 1, 4, 0, 2]
        let w0 = random(h0 * f0, -0.3, 0.3), b0 = random(h0, -0.3, 0.3), g0 = random(h0, 0.5, 1.5), s0 = random(h0, -0.5, 0.5)
        let w1 = random(h1 * h0, -0.1, 0.1), b1 = random(h1, -0.3, 0.3), g1 = random(h1, 0.5, 1.5), s1 = random(h1, -0.5, 0.5)
        let w2 = random(c * h1, -0.3, 0.3), b2 = random(c, -0.3, 0.3)
        for (values, name) in [(data, "data"), (w0, "w0"), (b0, "b0"), (g0, "g0"), (s0, "s0"), (w1, "w1"), (b1, "b1"), (g1, "g1"),
                                (s1, "s1"), (w2, "w2"), (b2, "b2")] {
            try KernelEmulator.write(values, name, in: directory)
        }
        let flat = random(40, -1, 1), flatGradients = random(40, -1, 1)
        try KernelEmulator.write(flat, "flat", in: directory)
        try KernelEmulator.write(flatGradients, "flat_gradients", in: directory)
        try KernelEmulator.write(labels, "labels", in: directory)
        try KernelEmulator.write(order, "order", in: directory)
        try KernelEmulator.compileAndRun(main: Self.main, in: directory)

        // The twins, the same step.
        let buffers = Buffers()
        let x = buffers.floats(count: f0), label = buffers.make([Int32(-1)]), z0 = buffers.floats(count: h0)
        let xb0 = buffers.floats(count: h0), stats0 = buffers.floats(count: 2), act0 = buffers.floats(count: h0)
        let z1 = buffers.floats(count: h1), xb1 = buffers.floats(count: h1), stats1 = buffers.floats(count: 2)
        let act1 = buffers.floats(count: h1), logits = buffers.floats(count: c)
        let dw2 = buffers.floats(count: c * h1), db2 = buffers.floats(count: c), dg1 = buffers.floats(count: h1)
        let ds1 = buffers.floats(count: h1), db1 = buffers.floats(count: h1), dw1 = buffers.floats(count: h1 * h0)
        let dh0 = buffers.floats(count: h0), dg0 = buffers.floats(count: h0), ds0 = buffers.floats(count: h0)
        let db0 = buffers.floats(count: h0), dw0 = buffers.floats(count: h0 * f0)
        let accumulators = buffers.make([0.5, 0, 0, 0] as [Double]), lossLog = buffers.make([Double](repeating: -1, count: 4))
        let counters = buffers.make([2, 5, 0, 0] as [UInt32])
        let (pw0, pw1, pw2) = (buffers.floats(w0), buffers.floats(w1), buffers.floats(w2))
        KernelTwins.rowFirstForward(data: buffers.floats(data), labels: buffers.make(labels), order: buffers.make(order), input: x,
                                    label: label, features: f0, weight: pw0, outputs: h0, z: z0, stepInEpoch: 2)
        KernelTwins.rowHiddenForward(z: z0, bias: buffers.floats(b0), gain: buffers.floats(g0), shift: buffers.floats(s0), features: h0,
                                     epsilon: 1e-5, probability: 0.4, dropout: DropoutStream(key: (11, 22), stream: 3), step: 5,
                                     xb: xb0, statistics: stats0, activated: act0, weight: pw1, outputs: h1, y: z1)
        let output = KernelTwins.RowHeadOutput(weight: pw2, bias: buffers.floats(b2), classes: c, logits: logits, weightGradient: dw2,
                                               biasGradient: db2, label: label, accumulators: accumulators, counters: counters,
                                               limit: 1e30, lossLog: lossLog, logCapacity: 4)
        KernelTwins.rowHead(z: z1, bias: buffers.floats(b1), gain: buffers.floats(g1), shift: buffers.floats(s1), features: h1,
                            epsilon: 1e-5, probability: 0.2, dropout: DropoutStream(key: (33, 44), stream: 7), xb: xb1,
                            statistics: stats1, activated: act1, output: output, gainGradient: dg1, shiftGradient: ds1,
                            biasGradient: db1, weight: pw1, input: act0, inputs: h0, weightGradient: dw1, inputGradient: dh0)
        KernelTwins.rowBackward(dh: dh0, xb: xb0, activated: act0, mean: stats0[0], inverseDeviation: stats0[1], scale: 1 / (1 - Float(0.4)),
                                gain: buffers.floats(g0), features: h0, gainGradient: dg0, shiftGradient: ds0, biasGradient: db0,
                                weight: pw0, v: x, inputs: f0, weightGradient: dw0, inputGradient: nil)

        func check(_ name: String, _ twin: UnsafeMutablePointer<Float>, _ count: Int, limit: Double = 1e-6) throws {
            let kernel = try KernelEmulator.read(Float.self, name, in: directory)
            let expected = Array(UnsafeBufferPointer(start: twin, count: count))
            XCTAssertEqual(kernel.count, count, name)
            XCTAssertLessThanOrEqual(BackendSelfTest.relativeError(kernel, expected), limit, name)
            XCTAssertTrue(expected.contains { $0 != 0 }, "\(name) is not all zeros")
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: x, count: f0)), Array(data[(4 * f0)..<(5 * f0)]), "example order[2] = 4")
        XCTAssertEqual(try KernelEmulator.read(Int32.self, "label", in: directory), [7])
        try check("x", x, f0, limit: 0); try check("z0", z0, h0); try check("xb0", xb0, h0); try check("stats0", stats0, 2)
        try check("act0", act0, h0); try check("z1", z1, h1); try check("xb1", xb1, h1); try check("stats1", stats1, 2)
        try check("act1", act1, h1); try check("logits", logits, c)
        try check("dw2", dw2, c * h1); try check("db2", db2, c); try check("dg1", dg1, h1); try check("ds1", ds1, h1)
        try check("db1", db1, h1); try check("dw1", dw1, h1 * h0); try check("dh0", dh0, h0)
        try check("dg0", dg0, h0); try check("ds0", ds0, h0); try check("db0", db0, h0); try check("dw0", dw0, h0 * f0)
        // Dropout acted in both layers (and ReLU): some outputs are zero, some not.
        for (name, values, count) in [("act0", act0, h0), ("act1", act1, h1)] {
            let row = Array(UnsafeBufferPointer(start: values, count: count))
            XCTAssertTrue(row.contains(0) && row.contains { $0 > 0 }, name)
        }
        // The loss: added to the accumulator (from 0.5) and logged at step 2 of the epoch, by one block.
        let kernelAccumulators = try KernelEmulator.read(Double.self, "accumulators", in: directory)
        XCTAssertEqual(kernelAccumulators[KernelSource.Accumulator.trainingLossSum], accumulators[0], accuracy: 1e-6)
        XCTAssertGreaterThan(accumulators[0], 0.5)
        let kernelLog = try KernelEmulator.read(Double.self, "loss_log", in: directory)
        XCTAssertEqual(kernelLog[0], -1); XCTAssertEqual(kernelLog[1], -1); XCTAssertEqual(kernelLog[3], -1)
        XCTAssertEqual(kernelLog[2], accumulators[0] - 0.5, accuracy: 1e-6)
        XCTAssertEqual(try KernelEmulator.read(UInt32.self, "counters", in: directory), [2, 5, 0, 0],
                       "the row kernels leave the counters to the update")

        // The fused update against the twins, from the kernels' own dx values
        // (db1 and db0 above): the first layer's weights, the next layer's, the
        // runs, at the second rate, 0.02.
        let rate = Float(0.02)
        let fusedW0 = buffers.floats(w0), fusedW1 = buffers.floats(w1), fusedFlat = buffers.floats(flat)
        let fusedCounters = buffers.make([1, 5, 0, 0] as [UInt32]), runs = buffers.make([3, 5, 20, 7] as [Int32])
        let fdg0 = buffers.floats(count: h0), fds0 = buffers.floats(count: h0), fdb0 = buffers.floats(count: h0)
        KernelTwins.rowBackward(dh: dh0, xb: xb0, activated: act0, mean: stats0[0], inverseDeviation: stats0[1], scale: 1 / (1 - Float(0.4)),
                                gain: buffers.floats(g0), features: h0, gainGradient: fdg0, shiftGradient: fds0, biasGradient: fdb0,
                                weight: pw0, v: x, inputs: f0, weightGradient: nil, inputGradient: nil, updatedWeight: fusedW0, rate: rate)
        KernelTwins.rowFusedSGD(update: true, rate: rate, upperWeight: fusedW1, upperDx: db1, upperInput: act0, upperOutputs: h1,
                                upperInputs: h0, runs: runs, runCount: 2, parameters: fusedFlat, gradients: buffers.floats(flatGradients),
                                counters: fusedCounters)
        try check("fused_w0", fusedW0, h0 * f0); try check("fused_w1", fusedW1, h1 * h0); try check("fused_flat", fusedFlat, 40, limit: 0)
        try check("fused_db0", fdb0, h0)
        XCTAssertNotEqual(Array(UnsafeBufferPointer(start: fusedW0, count: h0 * f0)), w0, "the first layer's weights moved")
        XCTAssertNotEqual(Array(UnsafeBufferPointer(start: fusedW1, count: h1 * h0)), w1, "the next layer's weights moved")
        let movedFlat = Array(UnsafeBufferPointer(start: fusedFlat, count: 40))
        XCTAssertEqual((0..<40).filter { movedFlat[$0] != flat[$0] }, Array(3..<8) + Array(20..<27), "exactly the two runs moved")
        XCTAssertEqual(try KernelEmulator.read(UInt32.self, "fused_counters", in: directory), [2, 6, 0, 0],
                       "the last block moved the step on and put the ticket back")
        XCTAssertEqual(try KernelEmulator.read(Float.self, "fused_w0_diverged", in: directory), w0, "no update after a divergence")
        XCTAssertEqual(try KernelEmulator.read(Float.self, "fused_w1_diverged", in: directory), w1)
        XCTAssertEqual(try KernelEmulator.read(Float.self, "fused_flat_diverged", in: directory), flat)
        XCTAssertEqual(try KernelEmulator.read(UInt32.self, "fused_counters_diverged", in: directory), [2, 6, 3, 0])
    }
}
