// The narrow layout a page shows on a phone: each chart drawn again about a
// phone's column wide, with its type at (or near) its size, and text too long
// for the narrow canvas made smaller instead of running off it.
import XCTest
@testable import Charts

final class NarrowLayoutTests: XCTestCase {
    private func declared(_ svg: String) -> (width: Double, height: Double) { Figure.size(of: svg) }

    private func lossChart(title: String = "Loss", width: Double = 640, height: Double = 400) -> LineChart {
        var chart = LineChart(title: title, xLabel: "epoch", yLabel: "loss",
                              series: [LineSeries(name: "training", y: (0..<50).map { 2 / Double($0 + 1) }),
                                       LineSeries(name: "test", y: (0..<50).map { 2.2 / Double($0 + 1) + 0.1 }, dash: .dashed)])
        chart.width = width
        chart.height = height
        return chart
    }

    func testAWideChartIsDrawnAgainNarrowWithTheSameData() throws {
        let chart = lossChart()
        let narrow = try XCTUnwrap(NarrowLayout.svg(of: chart))
        XCTAssertEqual(declared(narrow).width, NarrowLayout.width)
        // 400 × 380/640 × 1.35 = 320.6: less tall by less than less wide.
        XCTAssertEqual(declared(narrow).height, 321)
        let wide = SVGInspection.parse(chart.svg()), small = SVGInspection.parse(narrow)
        let lines = { (svg: SVGInspection) in
            svg.all("path").filter { $0.attributes["class"] == "tn-line" && SVGInspection.pointCount($0.attributes["d"] ?? "") > 1 }
        }
        XCTAssertEqual(lines(small).map { SVGInspection.pointCount($0.attributes["d"]!) }, [50, 50])
        XCTAssertEqual(lines(wide).map { SVGInspection.pointCount($0.attributes["d"]!) }, [50, 50])
        XCTAssertEqual(small.title, wide.title)
        XCTAssertTrue(small.texts.contains("epoch") && small.texts.contains("loss"))
        // Ticks at their own size: the narrow drawing's stylesheet is the same.
        XCTAssertTrue(narrow.contains(".tn-chart{font-family:") && narrow.contains("font-size:11.5px"))
        // Both are inlined in one page: no id may be shared.
        let ids = { (svg: SVGInspection) in Set(svg.elements.compactMap { $0.attributes["id"] }) }
        XCTAssertFalse(ids(wide).isEmpty)
        XCTAssertTrue(ids(wide).isDisjoint(with: ids(small)), "\(ids(wide)) against \(ids(small))")
    }

    func testOnlyChartsMuchWiderThanAPhoneAreDrawnAgain() {
        XCTAssertNil(NarrowLayout.svg(of: lossChart(width: 420)), "within 15% of the narrow width already")
        XCTAssertNotNil(NarrowLayout.svg(of: lossChart(width: 440)))
        let diagram = NetworkDiagram(title: "MLP", layers: [NetworkLayer(size: 784, kind: .input), NetworkLayer(size: 10, kind: .dense)])
        XCTAssertNil(NarrowLayout.svg(of: diagram), "a diagram keeps its one drawing")
    }

    /// Six entries too long to share a narrow row make a band of six rows
    /// above the plot: the narrow drawing grows taller to keep the plot.
    func testALegendOfManyRowsKeepsThePlotTall() throws {
        let names = ["SGD", "Momentum", "Nesterov", "RMSprop", "Adam", "AdamW"]
        let chart = LineChart(title: "Every optimizer", xLabel: "epoch", yLabel: "loss",
                              series: names.map { LineSeries(name: "\($0), η = 0.001, λ = 0.01", y: [2, 1, 0.5, 0.3]) },
                              legendShowsFinalValue: true)
        let narrow = try XCTUnwrap(NarrowLayout.svg(of: chart))
        XCTAssertGreaterThan(declared(narrow).height, (chart.height * NarrowLayout.width / chart.width * 1.35).rounded())
        let plot = try XCTUnwrap(SVGInspection.parse(narrow).all("rect").first { $0.ancestors.last == "clipPath" })
        XCTAssertGreaterThanOrEqual(Double(plot.attributes["height"] ?? "") ?? 0, 165)
    }

    func testAHeatmapKeepsItsCellsSquareAndAnAnimationStaysAnimated() throws {
        let heatmap = Heatmap(title: "attention", values: [[0.1, 0.9], [0.7, 0.3]], rowLabels: ["a", "b"], columnLabels: ["c", "d"])
        let narrow = try XCTUnwrap(NarrowLayout.svg(of: heatmap))
        XCTAssertEqual(declared(narrow).height, (heatmap.height * NarrowLayout.width / heatmap.width).rounded())
        let contour = ContourChart(title: "bowl", x: -2...2, y: -2...2, resolution: 20, function: { $0 * $0 + 4 * $1 * $1 },
                                   trajectories: [ContourPath(name: "SGD", x: [-1.5, -0.5, 0], y: [1.5, -0.5, 0])])
        let animated = try XCTUnwrap(NarrowLayout.svg(of: AnimatedContourChart(contour)))
        XCTAssertEqual(declared(animated).width, NarrowLayout.width)
        XCTAssertTrue(animated.contains("@keyframes"), "the narrow drawing animates as the wide one does")
    }

    func testAFiguresPanelsAreDrawnAgainOneByOne() throws {
        let figure = Figure(title: "two", charts: [lossChart(), lossChart(width: 360)], columns: 2)
        let panels = try XCTUnwrap(figure.narrowPanels())
        XCTAssertEqual(panels.count, 2)
        XCTAssertEqual(panels[0].map(declared)?.width, NarrowLayout.width)
        XCTAssertNil(panels[1], "a panel narrow already keeps its drawing")
        XCTAssertNil(Figure(title: "small", charts: [lossChart(width: 360)]).narrowPanels())
    }

    /// A title or legend entry too long for the narrow canvas is set smaller
    /// (never below 60%), and starts at the canvas's edge rather than over the
    /// plot; one that fits keeps its size and place.
    func testTextTooLongForTheCanvasIsSetSmallerNotCut() throws {
        let long = "Mini-batch gradient descent on MNIST, every epoch of it"
        var chart = lossChart(title: long)
        chart.series[0].name = "η = 100 (much too large): diverged at step 2, nothing to draw"
        let narrow = SVGInspection.parse(try XCTUnwrap(NarrowLayout.svg(of: chart)))
        let title = try XCTUnwrap(narrow.all("text").first { $0.text == long })
        XCTAssertEqual(title.attributes["x"], "14")
        let size = try XCTUnwrap(title.attributes["style"].flatMap { Double($0.dropFirst("font-size:".count).dropLast(2)) })
        XCTAssertLessThan(size, Theme.titleSize)
        XCTAssertGreaterThanOrEqual(size, 0.6 * Theme.titleSize)
        // The smaller type's estimated width fits between the edge and the canvas's right side.
        XCTAssertLessThanOrEqual(fittedTextWidth(long, fontSize: size, bold: true), NarrowLayout.width - 10 - 14 + 0.5)
        let entry = try XCTUnwrap(narrow.all("text").first { $0.text.hasPrefix("η = 100") })
        XCTAssertNotNil(entry.attributes["style"], "the long legend entry is set smaller")

        let fitting = SVGInspection.parse(lossChart(title: "Loss").svg())
        let short = try XCTUnwrap(fitting.all("text").first { $0.text == "Loss" })
        XCTAssertNil(short.attributes["style"])
        XCTAssertNotEqual(short.attributes["x"], "14", "a title that fits starts over the plot")
    }
}
