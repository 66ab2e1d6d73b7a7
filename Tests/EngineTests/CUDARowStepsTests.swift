// The persistent batch-1 kernel's host side (CUDANetwork.rowStageTable,
// prepareRowTrainingSteps, the trainer's use of it) on the CPU emulation of
// the device, and its stage dispatcher's reads held to the row kernels'
// signatures. Its CUDA C runs on the kernel emulator in
// CUDARowStepsEmulatorTests.
import Foundation
import XCTest
@testable import Engine

final class CUDARowStepsTests: XCTestCase {
    func dataset(rows: Int, seed: UInt64) throws -> Dataset {
        let (inputs, labels) = BackendSelfTest.randomBatch(rows: rows, features: 24, classes: 10, seed: seed)
        return Dataset(inputs: try Tensor(shape: [rows, 24], values: inputs), labels: labels)
    }

    /// run_row_stage reads slot i + 1 of a stage as argument i of its row
    /// kernel: each case's SLOT_* reads, in order, must be the kernel's
    /// parameters' kinds, at slots 1, 2, 3, …, and the ROW_STAGE_* kinds
    /// must number the kernels as rowStageKernels does.
    func testTheStageDispatcherReadsEachSlotAsItsKernelsParameter() throws {
        let source = KernelSource.rowStepsKernel
        let names = ["FIRST_FORWARD", "HIDDEN_FORWARD", "HEAD", "HIDDEN_BACKWARD"]
        for (kind, name) in names.enumerated() {
            XCTAssertTrue(source.contains("#define ROW_STAGE_\(name) \(kind)\n"), "ROW_STAGE_\(name) is \(kind)")
            let kernel = KernelSource.rowStageKernels[kind]
            guard let start = source.range(of: "case ROW_STAGE_\(name):"),
                  let end = source[start.upperBound...].range(of: "break;") else {
                XCTFail("no case for ROW_STAGE_\(name)")
                continue
            }
            let body = source[start.upperBound..<end.lowerBound]
            XCTAssertTrue(body.contains("\(kernel)_stage("), "ROW_STAGE_\(name) runs \(kernel)'s stage")
            let reads = body.matches(of: #/SLOT_(POINTER|INT|UINT|FLOAT|DOUBLE)\((?:[^,()]+, )?(\d+)\)/#)
            let kinds: [KernelParameterKind] = reads.map {
                switch $0.1 {
                case "POINTER": return .pointer
                case "INT": return .int
                case "UINT": return .uint
                case "FLOAT": return .float
                default: return .double
                }
            }
            let parameters = try XCTUnwrap(KernelSignatures.all[kernel])
            XCTAssertEqual(kinds, parameters.map(\.kind), "\(kernel)'s parameters, read from its stage's slots")
            XCTAssertEqual(reads.map { Int($0.2)! }, Array(1...parameters.count), "\(kernel): slots 1 to \(parameters.count) in order")
            XCTAssertLessThan(parameters.count, KernelSource.rowStageSlots, "\(kernel)'s arguments fit a stage's slots")
        }
        XCTAssertEqual(KernelSignatures.all["row_training_steps"]?.map(\.kind), [.pointer, .int, .int, .pointer])
    }

    /// The table holds each stage's kind and arguments, one slot each
    /// (addresses whole, 32-bit values in the low half), and reads back
    /// into the same arguments with the kernel's signature.
    func testTheStageTablePacksEachArgumentInASlotAndReadsBack() throws {
        XCTAssertEqual(KernelArgument.int(-2).slot, 0xFFFF_FFFE)
        XCTAssertEqual(KernelArgument.uint(7).slot, 7)
        XCTAssertEqual(KernelArgument.float(1.5).slot, UInt64(Float(1.5).bitPattern))
        XCTAssertEqual(KernelArgument.double(-0.25).slot, (-0.25).bitPattern)
        XCTAssertEqual(KernelArgument.pointer(0x7F00_1234_5678).slot, 0x7F00_1234_5678)

        let device = EmulatedDevice()
        let network = try CUDANetwork(context: device, plan: try NetworkPlan(.tutorialNetwork()), optimizer: .sgd(learningRate: 0.1),
                                      batchCapacity: 1)
        let stages = network.rowStages(data: 0x1000, labels: 0x2000, order: 0x3000, fused: true)
        XCTAssertEqual(stages.map(\.kernel), ["row_first_forward", "row_hidden_forward", "row_hidden_forward", "row_head",
                                              "row_hidden_backward", "row_hidden_backward"])
        let table = CUDANetwork.rowStageTable(stages)
        XCTAssertEqual(table.count, stages.count * KernelSource.rowStageSlots)
        for (k, stage) in stages.enumerated() {
            let row = Array(table[(k * KernelSource.rowStageSlots)..<((k + 1) * KernelSource.rowStageSlots)])
            XCTAssertEqual(row[0], UInt64(KernelSource.rowStageKernels.firstIndex(of: stage.kernel)!))
            let parameters = try XCTUnwrap(KernelSignatures.all[stage.kernel])
            let decoded = parameters.enumerated().map { KernelArgument(slot: row[1 + $0.offset], kind: $0.element.kind) }
            XCTAssertEqual(decoded.map(\.slot), stage.arguments.map(\.slot), "stage \(k) (\(stage.kernel))")
            XCTAssertNoThrow(try KernelSignatures.check(stage.kernel, decoded))
            XCTAssertTrue(row[(1 + parameters.count)...].allSatisfy { $0 == 0 }, "stage \(k): unused slots are 0")
        }
        // The example comes from the data, labels and order given.
        XCTAssertEqual(Array(table[1...3]), [0x1000, 0x2000, 0x3000])
    }

    /// TN_CUDA_PERSISTENT_BLOCKS sets the persistent kernel's grid, which
    /// must fit on the device at once; unset, a block per multiprocessor.
    func testThePersistentGridIsABlockPerMultiprocessorOrTheSetting() throws {
        XCTAssertNil(try CUDANetwork.persistentBlocksSetting(environment: [:]))
        XCTAssertEqual(try CUDANetwork.persistentBlocksSetting(environment: ["TN_CUDA_PERSISTENT_BLOCKS": " 33"]), 33)
        for bad in ["0", "-4", "half", ""] {
            XCTAssertThrowsError(try CUDANetwork.persistentBlocksSetting(environment: ["TN_CUDA_PERSISTENT_BLOCKS": bad])) { error in
                XCTAssertEqual("\(error)", "TN_CUDA_PERSISTENT_BLOCKS=\(bad): must be a whole number of at least 1 (blocks of the "
                               + "persistent batch-1 kernel); unset it for a block per multiprocessor")
            }
        }
        let device = EmulatedDevice()
        let network = try CUDANetwork(context: device, plan: try NetworkPlan(.tutorialNetwork()), optimizer: .sgd(learningRate: 0.1),
                                      batchCapacity: 1)
        let limit = try device.cooperativeBlockLimit("row_training_steps", threads: KernelSource.blockSize)
        let byDefault = try XCTUnwrap(try network.prepareRowTrainingSteps(data: 0x1000, labels: 0x2000, order: 0x3000))
        XCTAssertEqual(byDefault.blocks, min(max(1, device.device.multiprocessors), limit))
        let seven = try XCTUnwrap(try network.prepareRowTrainingSteps(data: 0x1000, labels: 0x2000, order: 0x3000, blocks: 7))
        XCTAssertEqual(seven.blocks, 7)
        XCTAssertThrowsError(try network.prepareRowTrainingSteps(data: 0x1000, labels: 0x2000, order: 0x3000, blocks: limit + 1)) { error in
            XCTAssertTrue("\(error)".hasPrefix("TN_CUDA_PERSISTENT_BLOCKS=\(limit + 1): at most \(limit) blocks of the persistent "
                                              + "batch-1 kernel fit on"), "\(error)")
        }
    }

    /// With TN_CUDA_PERSISTENT on, a batch-1 run with plain SGD makes one
    /// cooperative launch per epoch and ends where the row kernels' graphs
    /// end, bit for bit (the same kernels' twins in the same order); with
    /// Adam (an update kernel between steps) the graphs run instead.
    func testPersistentStepsTrainAsTheRowKernelsGraphsDo() throws {
        XCTAssertFalse(try CUDANetwork.persistentRowStepsSetting(environment: [:]), "off until a GPU has timed it")
        XCTAssertTrue(try CUDANetwork.persistentRowStepsSetting(environment: ["TN_CUDA_PERSISTENT": "1"]))
        XCTAssertFalse(try CUDANetwork.persistentRowStepsSetting(environment: ["TN_CUDA_PERSISTENT": "0"]))
        XCTAssertThrowsError(try CUDANetwork.persistentRowStepsSetting(environment: ["TN_CUDA_PERSISTENT": "on"])) { error in
            XCTAssertEqual("\(error)", "TN_CUDA_PERSISTENT=on: must be 1 (an epoch's batch-1 steps run in one persistent launch) "
                           + "or 0 (each step is its own launches, the default)")
        }

        let train = try dataset(rows: 45, seed: 3), test = try dataset(rows: 20, seed: 4)
        let configuration = TrainingConfiguration(batchSize: 1, epochs: 3, seed: 2, evaluationBatchSize: 8,
                                                  learningRateSchedule: StepDecay(stepSize: 30, gamma: 0.5), scale: .full)
        for optimizer in [DeviceOptimizer.sgd(learningRate: 0.05), .adam(learningRate: 1e-3)] {
            var runs: [(parameters: [Float], losses: [Double], launches: [String: Int], cooperative: Int)] = []
            for persistent in [true, false] {
                let device = EmulatedDevice()
                let model = Sequential.perceptron(sizes: [24, 40, 32, 10], dropout: [0.3, 0.1], seed: 6)
                var steps = 0
                let trainer = try CUDATrainer(model: model, optimizer: optimizer,
                                              options: CUDATrainingOptions(stepsPerGraph: 8, persistentRowSteps: persistent),
                                              device: device)
                let result = try trainer.fit(train: train, test: test, configuration: configuration) { event in
                    if case .step = event { steps += 1 }
                }
                XCTAssertEqual(steps, 3 * 45, "\(optimizer.name): every step's loss reported")
                XCTAssertEqual(trainer.ranPersistentSteps, persistent && optimizer.kernelName == "sgd_update",
                               "\(optimizer.name): whether the persistent kernel ran (tn bench reports it)")
                runs.append((model.parameterSnapshot(), result.trainLosses + result.testLosses, device.launchesByKernel,
                             device.cooperativeLaunches))
            }
            let (persistent, graphs) = (runs[0], runs[1])
            XCTAssertEqual(persistent.parameters, graphs.parameters, optimizer.name)
            XCTAssertEqual(persistent.losses, graphs.losses, optimizer.name)
            if optimizer.kernelName == "sgd_update" {
                XCTAssertEqual(persistent.cooperative, 3, "one launch an epoch")
                XCTAssertEqual(persistent.launches["row_training_steps"], 3)
                XCTAssertNil(persistent.launches["row_head"], "no step launched on its own")
            } else {
                XCTAssertEqual(persistent.cooperative, 0, "Adam's update kernel runs between steps: no persistent launch")
                XCTAssertGreaterThan(persistent.launches["adam_update", default: 0], 0)
            }
            XCTAssertEqual(graphs.cooperative, 0)
        }
    }
}
