// The CPU twins of the CUDA kernels, checked here, where there is no GPU:
// Philox against the published known answers, dropout's statistics, the twin
// network against the engine's own layers, the optimizer twins against
// torch.optim's formulas worked by hand, and the kernel source's syntax.
import Foundation
import XCTest
@testable import Engine

final class CUDATwinTests: XCTestCase {
    /// Random123's kat_vectors for philox4x32 with 10 rounds (Salmon et al., SC'11).
    func testPhiloxMatchesPublishedKnownAnswers() {
        let cases: [(Philox.Counter, Philox.Key, Philox.Counter)] = [
            ((0, 0, 0, 0), (0, 0), (0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8)),
            ((0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff), (0xffff_ffff, 0xffff_ffff),
             (0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd)),
            ((0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), (0xa409_3822, 0x299f_31d0),
             (0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1)),
        ]
        for (counter, key, expected) in cases {
            let bits = Philox.generate(counter: counter, key: key)
            XCTAssertEqual([bits.0, bits.1, bits.2, bits.3], [expected.0, expected.1, expected.2, expected.3])
        }
    }

    func testDropoutMasksKeepTheRightFractionAndDifferByStep() {
        let stream = DropoutStream(key: (12345, 678), stream: 3)
        let count = 200_000, probability: Float = 0.4
        var kept = 0, sum: Double = 0, changed = 0
        for i in 0..<count {
            let m = stream.multiplier(index: i, step: 7, probability: probability)
            if m > 0 { kept += 1; XCTAssertEqual(m, 1 / (1 - probability)) }
            sum += Double(m)
            if (m > 0) != (stream.multiplier(index: i, step: 8, probability: probability) > 0) { changed += 1 }
        }
        // Binomial standard deviation is √(n p (1 − p)) ≈ 219; allow 5σ.
        XCTAssertEqual(Double(kept), Double(count) * 0.6, accuracy: 1100)
        XCTAssertEqual(sum / Double(count), 1, accuracy: 0.01, "inverted dropout keeps the mean")
        // Independent masks differ on 2·p·(1 − p) = 48% of elements.
        XCTAssertEqual(Double(changed) / Double(count), 0.48, accuracy: 0.01)
        // Reproducible: the same counter gives the same mask.
        XCTAssertEqual(stream.multiplier(index: 77, step: 7, probability: probability),
                       stream.multiplier(index: 77, step: 7, probability: probability))
    }

    // MARK: Twin network against the engine's layers

    static func randomInputs(rows: Int, features: Int, classes: Int, seed: UInt64) -> ([Float], [Int32]) {
        var generator = RandomGenerator(seed: seed)
        let inputs = (0..<(rows * features)).map { _ in generator.uniform(-2, 2) }
        let labels = (0..<rows).map { _ in Int32(generator.next() % UInt64(classes)) }
        return (inputs, labels)
    }

    static func maximumRelativeError(_ a: [Float], _ b: [Float]) -> Float {
        let scale = max(b.map(abs).max() ?? 0, 1e-30)
        return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    /// Forward and every gradient of the twin equal the engine's (no dropout),
    /// with a 300-wide hidden layer so the kernels' strided reductions wrap.
    func testTwinNetworkMatchesEngineForwardAndGradients() throws {
        for rows in [1, 5, 64] {
            let model = Sequential.perceptron(sizes: [20, 300, 37, 10], seed: 3)
            let plan = try NetworkPlan(model)
            let twin = TwinNetwork(plan: plan, parameters: model.parameterSnapshot())
            let (inputs, labels) = Self.randomInputs(rows: rows, features: 20, classes: 10, seed: UInt64(rows))
            let input = try Tensor(shape: [rows, 20], values: inputs)
            let logits = model.forward(input.matrix(), mode: .training)
            let loss = SoftmaxCrossEntropy(classCount: 10)
            let (meanLoss, dLogits) = labels.withUnsafeBufferPointer { loss.lossAndGradient(logits: logits, labels: $0.baseAddress!) }
            model.backward(dLogits)
            withExtendedLifetime(input) {}  // the first Linear read it in backward

            let twinLogits = twin.forward(inputs, rows: rows, mode: .training)
            let lossSum = twin.backward(labels: labels)
            XCTAssertLessThan(Self.maximumRelativeError(twinLogits, logits.array), 1e-5, "logits, batch \(rows)")
            XCTAssertEqual(lossSum / Double(rows), meanLoss, accuracy: 1e-5 * max(1, abs(meanLoss)))
            XCTAssertLessThan(Self.maximumRelativeError(twin.gradients, model.gradients.array), 1e-4, "gradients, batch \(rows)")
            XCTAssertTrue(twin.gradients.contains { $0 != 0 })
        }
    }

    func testTwinEvaluationModeIgnoresDropoutAndMatchesTheEngine() throws {
        let model = Sequential.perceptron(sizes: [12, 40, 40, 7], dropout: [0.4, 0.2], seed: 9)
        let plan = try NetworkPlan(model)
        XCTAssertEqual(plan.operations.count, 7, "(Linear, LayerNorm, ReLU+Dropout) ×2, then Linear")
        let twin = TwinNetwork(plan: plan, parameters: model.parameterSnapshot())
        let (inputs, _) = Self.randomInputs(rows: 9, features: 12, classes: 7, seed: 1)
        let input = try Tensor(shape: [9, 12], values: inputs)  // a Matrix view does not keep its tensor alive
        let expected = withExtendedLifetime(input) { model.forward(input.matrix(), mode: .evaluation).array }
        XCTAssertLessThan(Self.maximumRelativeError(twin.forward(inputs, rows: 9, mode: .evaluation), expected), 1e-5)
    }

    /// With dropout active the engine draws other masks, so the twin's
    /// gradients are checked by central differences at fixed masks instead.
    func testTwinGradientsWithDropoutMatchFiniteDifferences() throws {
        let model = Sequential.perceptron(sizes: [6, 16, 5], dropout: [0.3], seed: 4)
        let plan = try NetworkPlan(model)
        let twin = TwinNetwork(plan: plan, parameters: model.parameterSnapshot())
        twin.completedSteps = 11
        let (inputs, labels) = Self.randomInputs(rows: 4, features: 6, classes: 5, seed: 2)
        _ = twin.forward(inputs, rows: 4, mode: .training)
        twin.backward(labels: labels)
        let analytic = twin.gradients
        let base = twin.parameters
        func meanLoss(_ parameters: [Float]) -> Double {
            let probe = TwinNetwork(plan: plan, parameters: parameters)
            probe.completedSteps = 11
            _ = probe.forward(inputs, rows: 4, mode: .training)
            return probe.backward(labels: labels) / 4
        }
        var generator = RandomGenerator(seed: 5)
        for _ in 0..<25 {
            let index = Int(generator.next() % UInt64(base.count))
            var plus = base, minus = base
            plus[index] += GradientCheck.step
            minus[index] -= GradientCheck.step
            let numeric = (meanLoss(plus) - meanLoss(minus)) / Double(2 * GradientCheck.step)
            XCTAssertTrue(GradientCheck.close(Double(analytic[index]), numeric),
                          "parameter \(index): analytic \(analytic[index]), numeric \(numeric)")
        }
    }

    func testUnsupportedLayerIsAClearError() {
        final class Square: Layer {
            let inputFeatures = 3, outputFeatures = 3
            var description: String { "Square" }
            func reserve(batchCapacity: Int) {}
            func forward(_ input: Matrix, mode: Mode) -> Matrix { input }
            func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix? { nil }
        }
        XCTAssertThrowsError(try NetworkPlan(Sequential([Linear(3, 3), Square()]))) { error in
            XCTAssertTrue("\(error)".contains("Square"), "\(error)")
        }
    }

    // MARK: Optimizer twins

    func testPlainSGDTwinEqualsTheEngineSGD() {
        var engine = SGD<Float>(learningRate: 0.05)
        var expected: [Float] = [0.3, -1.2, 2.0]
        let gradients: [Float] = [0.7, -0.1, 1.5]
        expected.withUnsafeMutableBufferPointer { p in gradients.withUnsafeBufferPointer { engine.step(parameters: p, gradients: $0) } }
        XCTAssertEqual(twinSteps(.sgd(learningRate: 0.05), parameters: [0.3, -1.2, 2.0], gradients: [gradients]), expected)
        XCTAssertEqual(try DeviceOptimizer.matching(SGD<Float>(learningRate: 0.05)), .sgd(learningRate: 0.05))
    }

    /// torch.optim.SGD(momentum=0.9, dampening=0.1, weight_decay=0.01), by hand:
    /// step 1: g = 1 + 0.01·2 = 1.02, b = 1.02, θ = 2 − 0.1·1.02 = 1.898;
    /// step 2: g = 0.5 + 0.01·1.898 = 0.51898, b = 0.9·1.02 + 0.9·0.51898 = 1.385082,
    ///         θ = 1.898 − 0.1·1.385082 = 1.7594918. Nesterov uses g + 0.9·b instead.
    func testMomentumAndNesterovTwinsFollowTorchFormulas() {
        let momentum = twinSteps(.sgd(learningRate: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01),
                                 parameters: [2], gradients: [[1], [0.5]])
        XCTAssertEqual(momentum[0], 1.7594918, accuracy: 1e-6)
        // Nesterov (dampening 0): step 1 g = 1.02, b = 1.02, θ = 2 − 0.1·(1.02 + 0.918) = 1.8062;
        // step 2 g = 0.5 + 0.018062 = 0.518062, b = 0.918 + 0.518062 = 1.436062,
        // θ = 1.8062 − 0.1·(0.518062 + 1.2924558) = 1.62514818.
        let nesterov = twinSteps(.sgd(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true),
                                 parameters: [2], gradients: [[1], [0.5]])
        XCTAssertEqual(nesterov[0], 1.62514818, accuracy: 1e-6)
    }

    /// Adam's first step moves every parameter by lr·sign(g) (up to ε), since
    /// m̂ = g and v̂ = g²; AdamW first shrinks θ by (1 − ηλ).
    func testAdamTwinsFirstStepAndDecoupledDecay() {
        let adam = twinSteps(.adam(learningRate: 0.01), parameters: [1, -1, 0.5], gradients: [[3, -0.2, 1e-3]])
        XCTAssertEqual(adam[0], 0.99, accuracy: 1e-6)
        XCTAssertEqual(adam[1], -0.99, accuracy: 1e-6)
        XCTAssertEqual(adam[2], 0.49, accuracy: 1e-5)
        let adamW = twinSteps(.adam(learningRate: 0.01, weightDecay: 0.5, decoupled: true), parameters: [1], gradients: [[3]])
        XCTAssertEqual(adamW[0], 1 * (1 - 0.005) - 0.01, accuracy: 1e-6)
        // Adam's L2 decay goes into the gradient: g = 3 + 0.5 = 3.5, still a step of lr.
        let adamL2 = twinSteps(.adam(learningRate: 0.01, weightDecay: 0.5), parameters: [1], gradients: [[3]])
        XCTAssertEqual(adamL2[0], 0.99, accuracy: 1e-6)
        // Step 2 by hand (β₁ 0.9, β₂ 0.999): g₁ = 1, g₂ = −1: m = 0.1·1 → 0.09 − 0.1 = −0.01,
        // v = 0.001 → 0.000999 + 0.001 = 0.001999; m̂ = −0.01/0.19, v̂ = 0.001999/0.001999 = 1.
        let two = twinSteps(.adam(learningRate: 0.1), parameters: [0], gradients: [[1], [-1]])
        let expected = -0.1 - 0.1 * (-0.01 / 0.19) / (1 + 1e-8)
        XCTAssertEqual(Double(two[0]), expected, accuracy: 1e-6)
    }

    // MARK: Kernel source

    /// Where NVRTC is absent (CUDAKernelCompileTests then skip) the CUDA C is
    /// still parsed, by the toolchain's clang as C++ with a shim for the CUDA
    /// built-ins, with warnings on: a typo fails here, not on the GPU.
    func testKernelSourceParsesAsCUDAC() throws {
        let compiler = try KernelEmulator.clangPlusPlus()
        let shim = """
        #include <math.h>
        #define __global__
        #define __device__
        #define __forceinline__ inline
        #define __shared__ static
        struct uint4 { unsigned x, y, z, w; };
        struct uint2 { unsigned x, y; };
        struct float2 { float x, y; };
        static inline float2 make_float2(float a, float b) { return {a, b}; }
        static inline uint4 make_uint4(unsigned a, unsigned b, unsigned c, unsigned d) { return {a, b, c, d}; }
        static inline uint2 make_uint2(unsigned a, unsigned b) { return {a, b}; }
        struct Dimension { unsigned x, y, z; };
        static Dimension threadIdx, blockIdx, blockDim, gridDim;
        static inline float __shfl_xor_sync(unsigned, float v, int) { return v; }
        static inline int __shfl_xor_sync(unsigned, int v, int) { return v; }
        static inline void __syncthreads() {}
        static inline float __int_as_float(unsigned) { return 0; }
        static inline double atomicAdd(double* a, double v) { double old = *a; *a += v; return old; }
        static inline unsigned atomicAdd(unsigned* a, unsigned v) { unsigned old = *a; *a += v; return old; }
        static inline void __threadfence() {}
        static inline void __syncwarp() {}
        template <typename T> static inline T __ldcg(const T* a) { return *a; }

        """
        let directory = try scratchDirectory("tn-kernel-syntax")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("kernels.cpp")
        try (shim + KernelSource.source).write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: compiler)
        process.arguments = ["-fsyntax-only", "-std=c++14", "-Wall", "-Wno-unused-function", file.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, log)
        for name in KernelSource.kernelNames {
            XCTAssertTrue(KernelSource.source.contains("extern \"C\" __global__ void \(name)("), "kernel \(name) missing")
        }
    }
}

/// The kernels' parameter lists as read from their CUDA C, which every launch
/// (on the GPU and in the emulation) is checked against.
final class KernelSignatureTests: XCTestCase {
    func testEveryKernelHasASignatureAndTheListedKernelsAreAllThere() {
        // The module's kernels are the signatures parsed: one per definition, none missed.
        XCTAssertEqual(KernelSignatures.all.count, KernelSource.source.components(separatedBy: "extern \"C\" __global__ void ").count - 1)
        XCTAssertEqual(Set(KernelSource.kernelNames), [
            "gather_batch", "fill_rows_with_bias", "column_sums", "layer_norm_forward", "layer_norm_backward",
            "relu_dropout_forward", "relu_dropout_backward", "softmax_cross_entropy",
            "evaluate_rows", "gradient_square_sums", "sgd_update", "adam_update",
            "rmsprop_update", "adagrad_update", "adadelta_update", "adamax_update", "nadam_update", "radam_update",
            "row_first_forward", "row_hidden_forward", "row_head", "row_hidden_backward",
        ])
        let adam = KernelSignatures.all["adam_update"]!
        XCTAssertEqual(adam.map(\.name), ["parameters", "gradients", "state", "count", "scalars", "rateCount", "counters",
                                          "beta1", "beta2", "epsilon", "weightDecay", "decoupled", "amsgrad"])
        XCTAssertEqual(adam.map(\.kind), [.pointer, .pointer, .pointer, .int, .pointer, .int, .pointer,
                                          .double, .double, .float, .float, .int, .int])
        XCTAssertEqual(KernelSignatures.all["relu_dropout_forward"]!.map(\.kind),
                       [.pointer, .pointer, .int, .int, .float, .uint, .uint, .uint, .pointer])
        // `float (&share)[N]` in a device function is not a kernel parameter; the row kernels' own lists parse whole.
        XCTAssertEqual(KernelSignatures.all["row_first_forward"]!.map(\.name),
                       ["data", "labels", "order", "input", "label", "features", "weight", "outputs", "z", "counters"])
        XCTAssertEqual(KernelSignatures.all["row_head"]!.count, 33)
        XCTAssertEqual(KernelSignatures.all["row_hidden_backward"]!.count, 26)
    }

    func testEachDeviceOptimizersArgumentsFitItsKernel() throws {
        for optimizer in BackendSelfTest.optimizers {
            let common: [KernelArgument] = [.pointer(0), .pointer(0), .pointer(0), .int(1), .pointer(0), .int(1), .pointer(0)]
            XCTAssertNoThrow(try KernelSignatures.check(optimizer.kernelName, common + optimizer.kernelArguments), optimizer.description)
        }
    }

    func testAMisplacedOrMissingArgumentIsNamed() {
        XCTAssertThrowsError(try KernelSignatures.check("column_sums", [.pointer(0), .pointer(0), .int(3), .float(4)])) { error in
            XCTAssertTrue("\(error)".contains("argument 4 (columns) should be an int, got a float"), "\(error)")
        }
        XCTAssertThrowsError(try KernelSignatures.check("fill_rows_with_bias", [])) { error in
            XCTAssertTrue("\(error)".contains("0 arguments for 4 parameters (y, bias, rows, columns)"), "\(error)")
        }
    }
}
