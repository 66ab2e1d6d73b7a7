// Golden files: a few reference charts must render byte for byte as
// recorded. A change in output shows up as a diff to review; after an
// intended change, rerun with TN_UPDATE_GOLDEN=1 to record the new files.
import Foundation
import XCTest
@testable import Charts

final class GoldenTests: XCTestCase {
    private let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    private func assertGolden(_ chart: any Chart, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = folder.appendingPathComponent(name + ".svg")
        let svg = chart.svg()
        if ProcessInfo.processInfo.environment["TN_UPDATE_GOLDEN"] == "1" {
            try svg.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        if svg != expected {
            let actual = FileManager.default.temporaryDirectory.appendingPathComponent(name + ".actual.svg")
            try? svg.write(to: actual, atomically: true, encoding: .utf8)
            XCTFail("\(name).svg differs from its golden file; compare with \(actual.path)", file: file, line: line)
        }
    }

    func testLineChartGolden() throws {
        let chart = LineChart(
            title: "Loss", xLabel: "Epoch", yLabel: "Loss",
            series: [LineSeries(name: "Training Loss", y: [2.3, 1.1, 0.6, 0.35, 0.2011]),
                     LineSeries(name: "Validation Loss", y: [2.4, 1.3, 0.8, 0.5, 0.41], dash: .dashed)],
            yScale: .log, events: [ChartEvent(x: 3, label: "lr halved")], legendShowsFinalValue: true)
        try assertGolden(chart, "line-log")
    }

    func testBarChartGolden() throws {
        let chart = BarChart(title: "Training time", yLabel: "Seconds", categories: ["MLP", "CNN"],
                             series: [BarSeries(name: "1 core", values: [14.5, 1400]), BarSeries(name: "8 cores", values: [4.1, 260])],
                             yScale: .log, valueSuffix: " s")
        try assertGolden(chart, "bar-log")
    }

    func testNetworkDiagramGolden() throws {
        try assertGolden(NetworkDiagram(title: "784-512-10", sizes: [784, 512, 10]), "network")
    }

    func testHeatmapGolden() throws {
        try assertGolden(Heatmap(title: "Confusion", values: [[50, 2], [5, 43]], rowLabels: ["cat", "dog"], columnLabels: ["cat", "dog"],
                                 colorMap: .blues, showsValues: true), "heatmap")
    }
}
