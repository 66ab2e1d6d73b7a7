// `tn build --backend cuda` on a machine without a GPU, with TN_CUDA_EMULATE=1:
// the chapter's training runs go through the CUDA trainer (its graphs, its
// batch-1 row kernels), each kernel launch running its CPU twin, and the
// page says so. This is the path a GPU machine with Swift would take, short
// of the GPU itself. Needs the MNIST files (Tutorial.train takes MNIST), so
// it skips without them.
import Foundation
import XCTest

final class EmulatedCUDABuildTests: XCTestCase {
    func testABuildOnTheEmulatedCUDABackendTrainsThroughTheDeviceAndNamesIt() throws {
        guard let data = ProcessInfo.processInfo.environment["TN_DATA"],
              FileManager.default.fileExists(atPath: data + "/mnist") else {
            throw XCTSkip("the MNIST files are not here (set TN_DATA to the folder holding mnist/)")
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tn-emulated-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("chapters"), withIntermediateDirectories: true)
        try "# Book\n\n- [One](one.md)\n".write(to: root.appendingPathComponent("chapters/SUMMARY.md"), atomically: true, encoding: .utf8)
        try """
            # One

            ```swift run
            //| id: device-runs
            let data = try Tutorial.mnist(trainCount: 256, testCount: 64)
            let batched = Tutorial.train(on: data, batchSize: 64, epochs: 2, label: "batch 64")
            let single = Tutorial.train(on: data, batchSize: 1, epochs: 1, label: "batch 1")
            show(LineChart(title: "Test loss", xLabel: "epoch", yLabel: "loss",
                           series: [LineSeries(name: "batch 64", y: batched.result.testLosses)]))
            show(single.result.testLosses.last!, name: "batch 1 loss")
            ```

            """.write(to: root.appendingPathComponent("chapters/one.md"), atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["TN_CUDA_EMULATE"] = "1"
        let outcome = try BuiltExecutable.run(["build", "--backend", "cuda", "--quick"], in: root, environment: environment)
        XCTAssertEqual(outcome.status, 0, outcome.output + outcome.error)
        let log = outcome.output + outcome.error
        XCTAssertTrue(log.contains("note: TN_CUDA_EMULATE=1: the CUDA backend runs on the CPU emulation"), log)
        for label in ["batch 64", "batch 1"] {
            XCTAssertTrue(log.contains("[placement] gpu CPU emulation of the CUDA kernels (TN_CUDA_EMULATE=1) | \(label)"), log)
        }
        let page = try String(contentsOf: root.appendingPathComponent("output/one.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("cuda on CPU emulation of the CUDA kernels (TN_CUDA_EMULATE=1) ·"), page)
        XCTAssertTrue(page.contains("batch 1 loss"), page)
        let frozen = try String(contentsOf: root.appendingPathComponent("output/_freeze/one/device-runs.quick.json"), encoding: .utf8)
        XCTAssertTrue(frozen.contains("\"device\" : \"CPU emulation of the CUDA kernels (TN_CUDA_EMULATE=1)\""), frozen)

        // Without the emulation, the same request on this machine is a clear
        // error (or, on a machine with a GPU, a real run), never the emulation.
        environment["TN_CUDA_EMULATE"] = "0"
        let real = try BuiltExecutable.run(["train", "--backend", "cuda", "--epochs", "1"], in: root, environment: environment)
        XCTAssertFalse((real.output + real.error).contains("emulation"), real.output + real.error)
    }
}
