// Structure of each chart kind's SVG, parsed as XML: element counts, points
// in paths, tick labels, legend text, title and description.
import XCTest
@testable import Charts

final class StructureTests: XCTestCase {
    private func lossChart() -> LineChart {
        LineChart(
            title: "Loss", xLabel: "Epoch", yLabel: "Loss",
            series: [
                LineSeries(name: "Training Loss", y: [2.0, 1.0, 0.5, 0.2011]),
                LineSeries(name: "Validation Loss", y: [2.1, 1.2, 0.7, 0.31], dash: .dashed),
            ],
            legendShowsFinalValue: true)
    }

    func testLineChartHasOnePathPerSeriesWithEveryPoint() {
        let svg = SVGInspection.parse(lossChart().svg())
        // Legend keys are tn-line paths too, but with a single move-to.
        let lines = svg.all("path").filter { $0.attributes["class"] == "tn-line" }
        let dataLines = lines.filter { SVGInspection.pointCount($0.attributes["d"] ?? "") > 1 }
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(dataLines.count, 2)
        XCTAssertEqual(dataLines.map { SVGInspection.pointCount($0.attributes["d"]!) }, [4, 4])
        XCTAssertEqual(dataLines[1].attributes["stroke-dasharray"], DashStyle.dashed.dashArray)
        XCTAssertEqual(dataLines[0].attributes["stroke"], Palette.color(0))
    }

    func testLineChartShowsTicksLegendTitleAndDescription() {
        let svg = SVGInspection.parse(lossChart().svg())
        let texts = svg.texts
        // Legend values share three significant digits, trailing zeros kept.
        XCTAssertTrue(texts.contains("Training Loss: 0.201"), "\(texts)")
        XCTAssertTrue(texts.contains("Validation Loss: 0.310"), "\(texts)")
        for label in ["0.5", "1", "1.5", "2", "2.5"] { XCTAssertTrue(texts.contains(label), "y tick \(label) in \(texts)") }
        XCTAssertTrue(texts.contains("Epoch"))
        XCTAssertEqual(svg.title, "Loss")
        XCTAssertTrue(svg.desc?.contains("Training Loss: 4 points, final value 0.2011") ?? false, svg.desc ?? "")
        XCTAssertNotNil(svg.all("svg").first?.attributes["viewBox"])
    }

    func testLogAxisLabelsDecades() {
        let chart = LineChart(title: "Log", series: [LineSeries(name: "loss", y: [100, 10, 1, 0.05])], yScale: .log)
        let texts = SVGInspection.parse(chart.svg()).texts
        for label in ["0.01", "0.1", "1", "10", "100"] { XCTAssertTrue(texts.contains(label), label) }
    }

    func testLegendValuesKeepTheSameSignificantDigits() {
        let chart = LineChart(title: "Batch sizes", series: [
            LineSeries(name: "batch 32", y: [0.5, 0.16]),
            LineSeries(name: "batch 64", y: [0.5, 0.1764]),
            LineSeries(name: "Nesterov", y: [0.5, 0.0827]),
            LineSeries(name: "Momentum", y: [0.5, 0.08619]),
        ], legendShowsFinalValue: true)
        let texts = SVGInspection.parse(chart.svg()).texts
        for label in ["batch 32: 0.160", "batch 64: 0.176", "Nesterov: 0.0827", "Momentum: 0.0862"] {
            XCTAssertTrue(texts.contains(label), "\(label) in \(texts)")
        }
    }

    func testLegendAvoidsEventLabels() throws {
        // Data runs near the top and right edges, so only the bottom-left corner
        // is free of lines; the event's label sits exactly there.
        let chart = LineChart(title: "Crowded", series: [
            LineSeries(name: "flat along the top", x: [0, 10], y: [9.5, 9.5]),
            LineSeries(name: "down the right side", x: [9.5, 9.5], y: [10, 0]),
        ], events: [ChartEvent(x: 0.5, label: "diverged")])
        let svg = SVGInspection.parse(chart.svg())
        let label = try XCTUnwrap(svg.all("text").first { $0.text == "diverged" })
        let labelX = Double(label.attributes["x"]!)!, labelY = Double(label.attributes["y"]!)!
        let labelRight = labelX + Format.textWidth("diverged", fontSize: Theme.noteSize)
        let legendBoxes = svg.all("rect").filter { $0.attributes["class"] == "tn-halo-fill" && $0.ancestors.last == "g" }
        XCTAssertTrue(svg.texts.contains("flat along the top"))
        for box in legendBoxes {
            let x = Double(box.attributes["x"]!)!, y = Double(box.attributes["y"]!)!
            let width = Double(box.attributes["width"]!)!, height = Double(box.attributes["height"]!)!
            let overlaps = x < labelRight && x + width > labelX && y < labelY + 3 && y + height > labelY - Theme.noteSize
            XCTAssertFalse(overlaps, "legend box (\(x), \(y), \(width)×\(height)) covers the event label at (\(labelX), \(labelY))")
        }
    }

    func testASeriesNoteReplacesTheLegendSuffix() {
        let chart = LineChart(title: "Rates", series: [
            LineSeries(name: "η = 0.1", y: [2, 1, 0.5]),
            LineSeries(name: "η = 100", x: [], y: [], note: "diverged at step 2, nothing to draw"),
        ], legendShowsFinalValue: true)
        let texts = SVGInspection.parse(chart.svg()).texts
        XCTAssertTrue(texts.contains("η = 100: diverged at step 2, nothing to draw"), "\(texts)")
        XCTAssertTrue(texts.contains("η = 0.1: 0.500"), "\(texts)")
    }

    func testContourColourBarTakesAValueLabel() {
        let plane = ValueGrid(x: 0...1, y: 0...1, resolution: 11) { x, y in x + y }
        XCTAssertTrue(SVGInspection.parse(ContourChart(title: "Default", grid: plane).svg()).texts.contains("f(x, y)"))
        let labelled = ContourChart(title: "Landscape", grid: plane, xLabel: "α", yLabel: "β", valueLabel: "loss(α, β)")
        let texts = SVGInspection.parse(labelled.svg()).texts
        XCTAssertTrue(texts.contains("loss(α, β)"), "\(texts)")
        XCTAssertFalse(texts.contains("f(x, y)"))
        // A log colour scale measuring the height above a clear minimum says so.
        let bowl = ValueGrid(x: -1...1, y: -1...1, resolution: 21) { x, y in 1 + x * x + y * y }
        let offset = ContourChart(title: "Bowl", grid: bowl, levels: .logarithmic(count: 5), valueLabel: "loss")
        XCTAssertTrue(SVGInspection.parse(offset.svg()).texts.contains("loss − min"))
    }

    func testEventsDrawARuleLabelAndRingOnTheSeries() {
        var chart = lossChart()
        chart.events = [ChartEvent(x: 3, label: "diverged here", series: "Training Loss")]
        let svg = SVGInspection.parse(chart.svg())
        XCTAssertTrue(svg.texts.contains("diverged here"))
        XCTAssertEqual(svg.all("circle").filter { $0.attributes["class"] == "tn-event-marker" }.count, 1)
    }

    func testBarChartDrawsOneRectPerValueWithLabels() {
        let chart = BarChart(title: "Time", categories: ["A", "B", "C"],
                             series: [BarSeries(name: "1 core", values: [1, 20, 1400]), BarSeries(name: "8 cores", values: [0.5, 4, 300])],
                             yScale: .log, valueSuffix: " s")
        let svg = SVGInspection.parse(chart.svg())
        // Bars carry a <title> tooltip; legend swatches do not.
        XCTAssertEqual(svg.all("title").filter { $0.ancestors.last == "rect" }.count, 6)
        // The axis stays within 10⁴, so all its decades are plain numbers.
        for label in ["1400 s", "0.5 s", "A", "B", "C", "1 core", "8 cores", "1000"] {
            XCTAssertTrue(svg.texts.contains(label), "\(label) in \(svg.texts)")
        }
    }

    func testHeatmapHasACellPerValueAndAColourBar() {
        let chart = Heatmap(title: "Attention", values: [[0.1, 0.9], [0.5, 0.5], [1, 0]], rowLabels: ["a", "b", "c"], columnLabels: ["x", "y"], showsValues: true)
        let svg = SVGInspection.parse(chart.svg())
        XCTAssertEqual(svg.all("rect").filter { $0.ancestors.last == "g" }.count, 6)
        XCTAssertEqual(svg.all("linearGradient").count, 1)
        XCTAssertTrue(svg.texts.contains("0.9"))
        XCTAssertTrue(svg.texts.contains("c"))
    }

    func testContourDrawsLevelsTrajectoryAndMarkers() {
        let trajectory = ContourPath(name: "GD", x: [-1.5, -1, 0, 0.5], y: [2, 1, 0.2, 0.3])
        let chart = ContourChart(title: "Rosenbrock", x: -2...2, y: -1...3, resolution: 40,
                                 function: { x, y in (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x) },
                                 levels: .logarithmic(count: 8), trajectories: [trajectory], minimum: (1, 1))
        let svg = SVGInspection.parse(chart.svg())
        let levelPaths = svg.all("title").filter { $0.ancestors.last == "path" && $0.text.hasPrefix("f = ") }
        XCTAssertEqual(levelPaths.count, 8)
        let trajectoryPath = svg.all("path").first { $0.attributes["class"] == "tn-line" }
        XCTAssertEqual(SVGInspection.pointCount(trajectoryPath?.attributes["d"] ?? ""), 4)
        XCTAssertTrue(svg.elements.contains { $0.name == "title" && $0.text == "GD start" })
        XCTAssertTrue(svg.elements.contains { $0.name == "title" && $0.text == "GD end" })
        XCTAssertEqual(svg.all("image").count, 1, "shading raster")
        XCTAssertTrue(svg.desc?.contains("log-spaced") ?? false)
    }

    func testAnimatedContourAnimatesInCSSWithAReducedMotionFallback() {
        let base = ContourChart(title: "Bowl", x: -1...1, y: -1...1, resolution: 20, function: { $0 * $0 + $1 * $1 },
                                trajectories: [ContourPath(name: "A", x: [1, 0.5, 0], y: [1, 0.5, 0]),
                                               ContourPath(name: "B", x: [-1, 0], y: [1, 0])])
        let animated = AnimatedContourChart(base, duration: 4)
        let svg = animated.svg()
        XCTAssertFalse(svg.contains("<script"))
        XCTAssertTrue(svg.contains("@keyframes"))
        XCTAssertTrue(svg.contains("prefers-reduced-motion:no-preference"))
        XCTAssertFalse(animated.staticFallback.svg().contains("@keyframes"))
        let parsed = SVGInspection.parse(svg)
        XCTAssertEqual(parsed.all("path").filter { $0.attributes["stroke-dasharray"] != nil && $0.attributes["class"]?.contains("-t") == true }.count, 4,
                       "halo and line of both trajectories are revealed by dash offset")
    }

    func testSurfaceDrawsEveryCellOnce() {
        let grid = ValueGrid(x: -1...1, y: -1...1, resolution: 12) { $0 * $0 - $1 * $1 }
        let svg = SVGInspection.parse(SurfaceChart(title: "Saddle", grid: grid).svg())
        let cells = svg.all("path").filter { $0.ancestors.last == "g" && ($0.attributes["d"] ?? "").hasSuffix("Z") }
        XCTAssertEqual(cells.count, 11 * 11)
        XCTAssertTrue(svg.texts.contains("loss"))
    }

    /// The floor axes' labels at the corners keep clear of each other and of
    /// the height axis's foot: over −1…1 both floor axes label their ends,
    /// and one corner is shared by the two floor axes, another by a floor
    /// axis and the height axis (the background chapter's loss surface).
    func testSurfaceCornerLabelsKeepClearOfEachOther() {
        let grid = ValueGrid(x: -1...1, y: -1...1, resolution: 12) { $0 * $0 + $1 * $1 }
        let svg = SVGInspection.parse(SurfaceChart(title: "Bowl", grid: grid, xLabel: "α", yLabel: "β", zLabel: "loss").svg())
        let labels = svg.all("text").filter { $0.attributes["class"] == "tn-muted" }
            .compactMap { text -> (text: String, x: Double, y: Double)? in
                guard let x = Double(text.attributes["x"] ?? ""), let y = Double(text.attributes["y"] ?? "") else { return nil }
                return (text.text, x, y)
            }
        XCTAssertGreaterThanOrEqual(labels.count, 9, "ticks on three axes")
        for (i, a) in labels.enumerated() {
            for b in labels[(i + 1)...] {
                // Labels are about 8 px per character wide and 12 px tall; keep a character's gap.
                let apartX = abs(a.x - b.x) - 4.0 * Double(a.text.count + b.text.count) - 8, apartY = abs(a.y - b.y) - 12
                XCTAssertTrue(apartX > 0 || apartY > 0, "'\(a.text)' at (\(a.x), \(a.y)) and '\(b.text)' at (\(b.x), \(b.y)) crowd")
            }
        }
        // The height axis is the path of vertical moves with 5-px ticks; its foot is the first point.
        let heightAxis = svg.all("path").first { ($0.attributes["d"] ?? "").contains("h-5") }?.attributes["d"] ?? ""
        let foot = heightAxis.dropFirst().prefix { $0 != "L" }.split(separator: ",").compactMap { Double($0) }
        XCTAssertEqual(foot.count, 2, heightAxis)
        if foot.count == 2 {
            for label in labels where !label.text.isEmpty {
                let distance = hypot(label.x - foot[0], label.y - 4 - foot[1])
                XCTAssertGreaterThan(distance, 24, "'\(label.text)' sits at the height axis's foot")
            }
        }
    }

    func testImageGridHasAnImageAndLabelPerDigit() {
        let images = (0..<10).map { GrayImage(width: 28, height: 28, bytes: [UInt8](repeating: UInt8($0 * 20), count: 784), label: String($0)) }
        let chart = ImageGrid(title: "Digits", images: images, columns: 5)
        let svg = SVGInspection.parse(chart.svg())
        XCTAssertEqual(svg.all("image").count, 10)
        XCTAssertTrue(svg.all("image").allSatisfy { $0.attributes["href"]?.hasPrefix("data:image/png;base64,") == true })
        XCTAssertEqual(Set(svg.texts), Set((0..<10).map(String.init) + ["Digits"]))
        XCTAssertEqual(chart.height, 14 + Theme.titleSize + 14 + 2 * (56 + Theme.tickSize + 8 + 10) + 14, accuracy: 1e-9)
    }

    func testNetworkDiagramElidesLargeLayers() {
        let chart = NetworkDiagram(title: "MLP", sizes: [784, 512, 10])
        let svg = SVGInspection.parse(chart.svg())
        let neurons = svg.all("circle").filter { $0.attributes["class"] == "tn-halo" }
        // 784 and 512 show 9 neurons each plus an ellipsis; 10 fits whole.
        XCTAssertEqual(neurons.count, 9 + 9 + 10)
        XCTAssertEqual(svg.all("circle").count - neurons.count, 6, "two ellipses of three dots")
        for label in ["Input", "784", "Hidden 1", "512", "Output", "10", "softmax"] { XCTAssertTrue(svg.texts.contains(label), label) }
        XCTAssertEqual(NetworkDiagram(title: "", sizes: [2048]).csv(), "layer,name,kind,size,activation\n0,Input,input,2048,\n")
    }

    func testFigureNestsEachChartAndConcatenatesCSV() {
        let cells = (0..<4).map { Heatmap(title: "Head \($0)", values: [[Double($0), 1], [1, 0]], range: 0...3, width: 200, height: 180) }
        let figure = Figure(title: "Heads", charts: cells, columns: 2)
        let svg = SVGInspection.parse(figure.svg())
        let nested = svg.all("svg").dropFirst()
        XCTAssertEqual(nested.count, 4)
        XCTAssertEqual(Set(nested.map { "\($0.attributes["x"]!),\($0.attributes["y"]!)" }).count, 4, "each at its own place")
        XCTAssertEqual(svg.all("svg").first?.attributes["width"], "412")
        XCTAssertEqual(figure.csv().components(separatedBy: "# Head").count, 5)
    }

    func testFigurePanelsAreTheChartsAtTheirSizeInTheFigure() {
        let cells = (0..<3).map { Heatmap(title: "Head \($0)", values: [[Double($0), 1], [1, 0]], range: 0...3, width: 200, height: 180) }
        let (whole, panels) = Figure(title: "Heads", charts: cells, columns: 3, cellWidth: 100).render()
        XCTAssertEqual(panels.count, 3)
        for (index, panel) in panels.enumerated() {
            let root = SVGInspection.parse(panel).all("svg").first!
            XCTAssertEqual(root.attributes["width"], "100", "scaled to the cell width")
            XCTAssertEqual(root.attributes["height"], "90")
            XCTAssertEqual(root.attributes["viewBox"], "0 0 200 180", "the drawing itself unchanged")
            XCTAssertTrue(panel.contains("Head \(index)"))
        }
        // The whole figure nests the same panels, placed.
        let nested = SVGInspection.parse(whole).all("svg").dropFirst()
        XCTAssertEqual(nested.map { $0.attributes["width"] }, ["100", "100", "100"])
        XCTAssertEqual(nested.map { $0.attributes["x"] }, ["0", "112", "224"])
    }

    func testEveryChartKindGivesCSVWithAHeader() {
        for sample in ChartGallery.samples() {
            let csv = sample.chart.csv()
            XCTAssertTrue(csv.hasSuffix("\n"), sample.name)
            XCTAssertGreaterThan(csv.split(separator: "\n").count, 1, sample.name)
        }
        XCTAssertEqual(lossChart().csv().split(separator: "\n").prefix(2), ["series,x,y", "Training Loss,1,2"])
    }
}
