// Bad data never breaks the SVG: NaN and infinite values, empty series, a
// single point, all-equal values and non-positive values on a log axis are
// skipped, and the chart says so.
import XCTest
@testable import Charts

final class BadDataTests: XCTestCase {
    /// Parses, and checks no geometry attribute holds "nan" or "inf".
    private func check(_ chart: any Chart, file: StaticString = #filePath, line: UInt = #line) -> SVGInspection {
        let svg = SVGInspection.parse(chart.svg(), file: file, line: line)
        XCTAssertEqual(svg.badNumbers, [], file: file, line: line)
        XCTAssertNotNil(svg.title, file: file, line: line)
        XCTAssertNotNil(svg.desc, file: file, line: line)
        return svg
    }

    func testNonFiniteValuesBreakTheLineAndAreMarked() {
        let chart = LineChart(title: "NaN", series: [LineSeries(name: "loss", y: [1, 0.5, .nan, .nan, 0.3, .infinity, 0.2])])
        let svg = check(chart)
        let line = svg.all("path").first { $0.attributes["class"] == "tn-line" && SVGInspection.pointCount($0.attributes["d"]!) > 1 }!
        // Runs: [1, 0.5] as a line; the lone 0.3 and 0.2 between bad values as dots.
        XCTAssertEqual(line.attributes["d"]!.filter { $0 == "M" }.count, 1)
        XCTAssertEqual(SVGInspection.pointCount(line.attributes["d"]!), 2)
        XCTAssertEqual(svg.all("circle").count, 2)
        XCTAssertEqual(svg.all("path").filter { $0.attributes["class"] == "tn-nonfinite" }.count, 2, "one mark per bad run")
        XCTAssertTrue(svg.texts.contains("Not shown: 3 non-finite values (×)"), "\(svg.texts)")
    }

    func testSeriesEndingInNaNSaysSoInTheLegend() {
        let chart = LineChart(title: "Diverged", series: [LineSeries(name: "lr = 5", y: [1, 3, .nan])], legendShowsFinalValue: true)
        XCTAssertTrue(check(chart).texts.contains("lr = 5: not finite"))
    }

    func testEmptySeriesAndEmptyChart() {
        let chart = LineChart(title: "Empty", series: [LineSeries(name: "a", y: []), LineSeries(name: "b", y: [1, 2])])
        XCTAssertTrue(check(chart).texts.contains("a (no values)"))
        let nothing = check(LineChart(title: "Nothing", series: []))
        XCTAssertTrue(nothing.texts.contains("No data to show"))
    }

    func testLegendSaysWhyASeriesHasNothingToDraw() {
        let chart = LineChart(title: "Nothing drawable", series: [
            LineSeries(name: "blew up", y: [.nan, .infinity]),
            LineSeries(name: "negative", y: [0, -1]),
            LineSeries(name: "fine", y: [1, 2]),
        ], yScale: .log)
        let texts = check(chart).texts
        XCTAssertTrue(texts.contains("blew up (no finite values)"), "\(texts)")
        XCTAssertTrue(texts.contains("negative (no values > 0)"), "\(texts)")
    }

    func testSinglePointIsDrawnAsADot() {
        let svg = check(LineChart(title: "One", series: [LineSeries(name: "a", x: [5], y: [0.3])]))
        XCTAssertEqual(svg.all("circle").count, 1)
    }

    func testAllEqualValuesSitInsideTheAxis() {
        let svg = check(LineChart(title: "Flat", series: [LineSeries(name: "a", y: [2, 2, 2])]))
        let line = svg.all("path").first { $0.attributes["class"] == "tn-line" }!
        let ys = Set(line.attributes["d"]!.split(whereSeparator: { "ML".contains($0) }).map { $0.split(separator: ",")[1] })
        XCTAssertEqual(ys.count, 1)
        XCTAssertTrue(svg.texts.contains("2"), "the value itself is a tick: \(svg.texts)")
        // Also on a log axis.
        _ = check(LineChart(title: "Flat log", series: [LineSeries(name: "a", y: [10, 10])], yScale: .log))
    }

    func testNonPositiveValuesOnALogAxisAreSkippedAndCounted() {
        let chart = LineChart(title: "Log", series: [LineSeries(name: "a", y: [1, 0, -2, 0.1])], yScale: .log)
        let svg = check(chart)
        XCTAssertTrue(svg.texts.contains("Not shown: 2 values ≤ 0 on a log axis"), "\(svg.texts)")
        let bars = BarChart(title: "Log bars", categories: ["a", "b", "c"], series: [BarSeries(name: "t", values: [10, 0, .nan])], yScale: .log)
        let barSVG = check(bars)
        XCTAssertEqual(barSVG.texts.filter { $0 == "n/a" }.count, 2)
        XCTAssertEqual(barSVG.all("title").filter { $0.ancestors.last == "rect" }.count, 1)
    }

    func testMismatchedLengthsUseThePairsThatExist() {
        let svg = check(LineChart(title: "Ragged", series: [LineSeries(name: "a", x: [1, 2, 3], y: [1, 2])]))
        XCTAssertTrue(svg.texts.contains("Not shown: 1 non-finite value (×)"))
    }

    func testHeatmapMarksBadAndMissingCells() {
        let svg = check(Heatmap(title: "Bad", values: [[1, .nan], [.infinity], []], showsValues: true))
        XCTAssertTrue(svg.texts.contains("Not shown: 5 missing or non-finite cells (×)"), "\(svg.texts)")
        _ = check(Heatmap(title: "Empty", values: []))
        _ = check(Heatmap(title: "Equal", values: [[3, 3], [3, 3]]))
    }

    func testContourAndSurfaceSurviveBadGrids() {
        let holes = ValueGrid(x: -1...1, y: -1...1, resolution: 15) { x, y in x > 0.5 ? .nan : x * x + y * y }
        let trajectory = ContourPath(name: "diverging", x: [0, 0.5, .infinity], y: [0, 0.5, 3])
        let contour = check(ContourChart(title: "Holes", grid: holes, trajectories: [trajectory]))
        XCTAssertTrue(contour.texts.contains { $0.contains("1 non-finite trajectory point") }, "\(contour.texts)")
        _ = check(ContourChart(title: "All NaN", grid: ValueGrid(x: 0...1, y: 0...1, resolution: 5) { _, _ in .nan }))
        _ = check(ContourChart(title: "Flat", grid: ValueGrid(x: 0...1, y: 0...1, resolution: 5) { _, _ in 1 }))
        _ = check(ContourChart(title: "Empty", grid: ValueGrid(xs: [], ys: [], values: [])))
        _ = check(AnimatedContourChart(ContourChart(title: "Empty path", grid: holes, trajectories: [ContourPath(name: "none", x: [], y: [])])))
        let surface = check(SurfaceChart(title: "Holes", grid: holes, heightScale: .log))
        XCTAssertTrue(surface.texts.contains { $0.hasPrefix("Not shown:") })
        _ = check(SurfaceChart(title: "Flat", grid: ValueGrid(x: 0...1, y: 0...1, resolution: 4) { _, _ in 0 }))
        _ = check(SurfaceChart(title: "Empty", grid: ValueGrid(xs: [], ys: [], values: [])))
    }

    func testImagesNetworksAndFiguresWithOddInput() {
        let short = GrayImage(width: 3, height: 3, pixels: [1, .nan, 0.5], label: "x")
        let svg = check(ImageGrid(title: "Odd", images: [short, GrayImage(width: 0, height: 0, pixels: [])]))
        XCTAssertTrue(svg.texts.contains("7 non-finite pixels shown grey"), "\(svg.texts)")
        _ = check(ImageGrid(title: "None", images: []))
        _ = check(NetworkDiagram(title: "Odd", layers: [NetworkLayer(size: 0, kind: .input), NetworkLayer(size: -3, kind: .dense)]))
        _ = check(NetworkDiagram(title: "Empty", layers: []))
        _ = check(Figure(title: "Empty figure", charts: []))
    }

    func testTextIsEscaped() {
        let svg = check(LineChart(title: "a < b & \"c\"", xLabel: "<x>", series: [LineSeries(name: "s&p", y: [1, 2])]))
        XCTAssertEqual(svg.title, "a < b & \"c\"")
        XCTAssertTrue(svg.texts.contains("<x>"))
    }
}
