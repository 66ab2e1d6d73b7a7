// Under `tn build --backend cuda` a figure's provenance line names the device
// its training runs really used: Tutorial.train reports each run's placement
// on stderr, and the block executor turns those lines into the provenance.
import XCTest
import Engine
@testable import Notebook

final class ProvenanceTests: XCTestCase {
    let cpu = "Intel Xeon, 2 cores", gpu = "NVIDIA H100 80GB HBM3, sm_90"

    func testPlacementLinesRoundTripAndOtherLinesAreIgnored() {
        XCTAssertEqual(RunPlacement.parse("[placement] gpu NVIDIA H100 80GB HBM3 | batch size 512"), .gpu(device: "NVIDIA H100 80GB HBM3"))
        XCTAssertEqual(RunPlacement.parse("[placement] cpu no kernel for 'x' | a | label with bars"), .cpu(reason: "no kernel for 'x'"))
        XCTAssertNil(RunPlacement.parse("[progress] epoch 3/100"))
        XCTAssertNil(RunPlacement.parse("gpu NVIDIA H100"))
        XCTAssertEqual(RunPlacement.parse(RunPlacement.prefix + RunPlacement.cpu(reason: "why").line + " | run"), .cpu(reason: "why"))
    }

    func testCPUBackendNamesTheCPU() {
        let (backend, device) = BlockExecutor.provenance(backend: "cpu", cpu: cpu, gpu: nil, placements: [])
        XCTAssertEqual(backend, "cpu")
        XCTAssertEqual(device, cpu)
    }

    func testEveryRunOnTheGPUNamesTheGPU() {
        let (backend, device) = BlockExecutor.provenance(backend: "cuda", cpu: cpu, gpu: gpu,
                                                        placements: [.gpu(device: "H100"), .gpu(device: "H100")])
        XCTAssertEqual(backend, "cuda")
        XCTAssertEqual(device, gpu)
    }

    func testABlockThatTrainsNothingOnTheGPUSaysCPU() {
        // The 2-D optimizer experiments, or a block that drives Trainer itself.
        XCTAssertEqual(BlockExecutor.provenance(backend: "cuda", cpu: cpu, gpu: gpu, placements: []).backend, "cpu")
        let (backend, device) = BlockExecutor.provenance(backend: "cuda", cpu: cpu, gpu: gpu,
                                                        placements: [.cpu(reason: "no update kernel for 'recording'")])
        XCTAssertEqual(backend, "cpu")
        XCTAssertEqual(device, "\(cpu) (no update kernel for 'recording')")
    }

    func testMixedBlocksCountTheRunsLeftOnTheCPU() {
        let (backend, device) = BlockExecutor.provenance(
            backend: "cuda", cpu: cpu, gpu: gpu,
            placements: [.gpu(device: "H100"), .cpu(reason: "no update kernel for 'recording'"), .gpu(device: "H100")])
        XCTAssertEqual(backend, "cuda")
        XCTAssertEqual(device, "\(gpu); 1 of its 3 runs on \(cpu): no update kernel for 'recording'")
    }
}
