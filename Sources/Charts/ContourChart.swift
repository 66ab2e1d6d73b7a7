// Contour plots of a 2-D function (marching squares over smooth shading),
// with optimizer trajectories drawn over them, each with start and end
// markers. AnimatedContourChart draws the same chart with the paths growing
// step by step, in CSS only.
import Foundation

/// A path through the (x, y) plane: one optimizer run, one point per step.
public struct ContourPath: Sendable {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var color: String?

    public init(name: String, x: [Double], y: [Double], color: String? = nil) {
        self.name = name
        self.x = x
        self.y = y
        self.color = color
    }

    public init(name: String, points: [(x: Double, y: Double)], color: String? = nil) {
        self.init(name: name, x: points.map(\.x), y: points.map(\.y), color: color)
    }
}

/// Which values get a contour line.
public enum ContourLevels: Sendable {
    /// Log-spaced when the function spans several orders of magnitude above
    /// its minimum (Rosenbrock), otherwise evenly spaced.
    case automatic
    case linear(count: Int)
    /// Levels at min + geometric steps, so the floor of a valley gets lines too.
    case logarithmic(count: Int)
    case values([Double])
}

public struct ContourChart: Chart, Sendable {
    public var title: String
    public var grid: ValueGrid
    public var levels: ContourLevels
    public var trajectories: [ContourPath]
    public var xLabel: String
    public var yLabel: String
    /// The function's minimum, drawn as a star.
    public var minimum: (x: Double, y: Double)?
    /// Smooth colour under the lines; off gives plain contour lines.
    public var showsShading: Bool
    /// The colour bar's title: what the colours measure, such as
    /// "loss(α, β)". Nil keeps "f(x, y)". On a log scale that measures the
    /// height above the minimum, " − min" is added ("f − min" by default).
    public var valueLabel: String?
    public var width: Double
    public var height: Double

    public init(
        title: String, grid: ValueGrid, levels: ContourLevels = .automatic, trajectories: [ContourPath] = [],
        xLabel: String = "x", yLabel: String = "y", minimum: (x: Double, y: Double)? = nil,
        showsShading: Bool = true, valueLabel: String? = nil, width: Double = 600, height: Double = 500
    ) {
        self.title = title
        self.grid = grid
        self.levels = levels
        self.trajectories = trajectories
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.minimum = minimum
        self.showsShading = showsShading
        self.valueLabel = valueLabel
        self.width = width
        self.height = height
    }

    /// Samples `function` on a grid first.
    public init(
        title: String, x: ClosedRange<Double>, y: ClosedRange<Double>, resolution: Int = 80,
        function: (Double, Double) -> Double, levels: ContourLevels = .automatic, trajectories: [ContourPath] = [],
        minimum: (x: Double, y: Double)? = nil
    ) {
        self.init(title: title, grid: ValueGrid(x: x, y: y, resolution: resolution, function: function),
                  levels: levels, trajectories: trajectories, minimum: minimum)
    }

    public func svg() -> String { render(animation: nil) }

    /// How values map to colours: linear, or log of the height above the minimum.
    struct ValueScale {
        let low: Double
        let high: Double
        let logarithmic: Bool
        /// Smallest height above `low` the log scale resolves.
        let floor: Double

        func fraction(_ value: Double) -> Double {
            guard value.isFinite else { return .nan }
            if !logarithmic { return (value - low) / (high - low) }
            let height = max(value - low, floor)
            return (Foundation.log10(height) - Foundation.log10(floor)) / (Foundation.log10(high - low) - Foundation.log10(floor))
        }
    }

    func valueScale() -> ValueScale {
        let finite = grid.finiteValues
        let low = finite.min() ?? 0
        var high = finite.max() ?? 1
        if high <= low { high = low + 1 }
        let sorted = finite.sorted()
        let median = sorted.isEmpty ? high : sorted[sorted.count / 2]
        let logarithmic: Bool
        switch levels {
        case .logarithmic: logarithmic = true
        case .linear: logarithmic = false
        case .values(let values):
            logarithmic = values.count > 2 && values.allSatisfy { $0 > low } && (values.max()! - low) / (values.min()! - low) > 100
        case .automatic:
            // Most of the area far below the maximum: a log scale shows it.
            logarithmic = (high - low) / max(median - low, 1e-300) > 8
        }
        return ValueScale(low: low, high: high, logarithmic: logarithmic, floor: (high - low) * 1e-4)
    }

    func levelValues(_ scale: ValueScale) -> [Double] {
        switch levels {
        case .values(let values): return values.filter(\.isFinite).sorted()
        case .linear(let count): return linearLevels(scale, count: count)
        case .logarithmic(let count): return logLevels(scale, count: count)
        case .automatic: return scale.logarithmic ? logLevels(scale, count: 14) : linearLevels(scale, count: 10)
        }
    }

    private func linearLevels(_ scale: ValueScale, count: Int) -> [Double] {
        let n = max(1, count)
        return (1...n).map { scale.low + (scale.high - scale.low) * Double($0) / Double(n + 1) }
    }

    private func logLevels(_ scale: ValueScale, count: Int) -> [Double] {
        let n = max(1, count)
        let first = Foundation.log10(scale.floor * 3), last = Foundation.log10((scale.high - scale.low) * 0.9)
        return (0..<n).map { scale.low + pow(10, first + (last - first) * Double($0) / Double(max(1, n - 1))) }
    }

    func render(animation: (duration: Double, hold: Double)?) -> String {
        let scale = valueScale()
        let levelList = levelValues(scale)
        let finiteGrid = !grid.finiteValues.isEmpty && grid.xs.count >= 2 && grid.ys.count >= 2
        let xLow = grid.xs.first ?? 0, xHigh = max(grid.xs.last ?? 1, (grid.xs.first ?? 0) + 1e-9)
        let yLow = grid.ys.first ?? 0, yHigh = max(grid.ys.last ?? 1, (grid.ys.first ?? 0) + 1e-9)

        let legend = Legend(entries: trajectories.enumerated().map {
            LegendEntry(text: $0.element.name, color: $0.element.color ?? Palette.color($0.offset), dash: .solid, isSwatch: false)
        })
        let band = trajectories.isEmpty ? 0 : legend.bandHeight(width: width - 200) + 4
        var xAxis = Scale(lower: xLow, upper: xHigh, kind: .linear, targetTickCount: 6)
        var yAxis = Scale(lower: yLow, upper: yHigh, kind: .linear, targetTickCount: 6)
        let outer = CartesianLayout.plotArea(width: width - 70, height: height, hasTitle: !title.isEmpty, topBand: band,
                                             xLabel: xLabel, yLabel: yLabel, yTickLabels: yAxis.ticks.map(\.label))
        // Equal units on both axes, so shapes (and step lengths) are true.
        let unit = min(outer.width / (xHigh - xLow), outer.height / (yHigh - yLow))
        let plotWidth = unit * (xHigh - xLow), plotHeight = unit * (yHigh - yLow)
        let area = PlotArea(left: outer.left, top: outer.top, right: outer.left + plotWidth, bottom: outer.top + plotHeight)
        xAxis.rangeStart = area.left; xAxis.rangeEnd = area.right
        yAxis.rangeStart = area.bottom; yAxis.rangeEnd = area.top
        // A wide domain leaves the plot shorter than the space given to it:
        // the chart ends under its x axis instead of keeping the gap.
        let height = self.height - (outer.height - plotHeight)

        var document = SVGDocument(width: width, height: height, title: title, description: describe(levelList, scale), identity: csv())
        let clipID = document.id("plot")
        document.add(element("clipPath", [("id", clipID)], content: element("rect", [
            ("x", Format.pixel(area.left)), ("y", Format.pixel(area.top)),
            ("width", Format.pixel(area.width)), ("height", Format.pixel(area.height)),
        ])))
        var inside: [String] = []
        if showsShading, finiteGrid {
            inside.append(shadingImage(scale: scale, area: area))
        }
        // Contour lines: one path per level.
        let lineColor = showsShading ? "#ffffff" : "currentColor"
        for level in levelList {
            let path = MarchingSquares.lines(grid, level: level)
                .filter { $0.count > 1 }
                .map { line in polylinePath(line.map { (xAxis.position($0.x)!, yAxis.position($0.y)!) }, decimals: 1) }
                .joined()
            guard !path.isEmpty else { continue }
            let stroke = showsShading ? lineColor : ColorMap.viridis.color(scale.fraction(level) * 0.85)
            inside.append(element("path", [("d", path), ("fill", "none"), ("stroke", stroke),
                                           ("stroke-opacity", showsShading ? "0.55" : "0.9"), ("stroke-width", "0.8")],
                                  content: "<title>f = \(Format.readable(level))</title>"))
        }

        var keyframes = ""
        var nonFinite = 0
        let maxSteps = trajectories.map { min($0.x.count, $0.y.count) }.max() ?? 0
        for (index, trajectory) in trajectories.enumerated() {
            let color = trajectory.color ?? Palette.color(index)
            var runs: [[(x: Double, y: Double)]] = [[]]
            var stepOfPoint: [Int] = []
            for (step, (x, y)) in zip(trajectory.x, trajectory.y).enumerated() {
                guard x.isFinite, y.isFinite, let px = xAxis.position(x), let py = yAxis.position(y) else {
                    nonFinite += 1
                    if !runs[runs.count - 1].isEmpty { runs.append([]) }
                    continue
                }
                runs[runs.count - 1].append((px, py))
                stepOfPoint.append(step)
            }
            runs = runs.filter { !$0.isEmpty }
            let path = runs.filter { $0.count > 1 }.map { polylinePath($0) }.joined()
            let className = document.id("t\(index)")
            var pathAttributes: [(String, String)] = []
            if let animation, !path.isEmpty {
                let frames = drawFrames(runs: runs, steps: stepOfPoint, maxSteps: maxSteps, animation: animation)
                pathAttributes = [("class", className), ("stroke-dasharray", "\(Format.pixel(frames.total + 1)) \(Format.pixel(frames.total + 1))")]
                keyframes += "@keyframes \(className){\(frames.css)}\n"
                keyframes += "@keyframes \(className)-end{0%{opacity:0}\(Format.fixed(frames.endPercent, decimals: 2))%{opacity:0}\(Format.fixed(min(100, frames.endPercent + 0.01), decimals: 2))%{opacity:1}100%{opacity:1}}\n"
            }
            if !path.isEmpty {
                inside.append(element("path", [("d", path), ("fill", "none"), ("stroke", "#ffffff"), ("stroke-opacity", "0.85"),
                                               ("stroke-width", "5"), ("stroke-linejoin", "round"), ("stroke-linecap", "round")] + pathAttributes))
                // One class attribute: the animation class joins tn-line.
                let lineAttributes = pathAttributes.isEmpty ? [("class", "tn-line")]
                    : [("class", "tn-line " + className), pathAttributes[1]]
                inside.append(element("path", [("d", path), ("stroke", color)] + lineAttributes,
                                      content: "<title>\(Format.escape(trajectory.name)): \(stepOfPoint.count) steps</title>"))
            }
            if let first = runs.first?.first {
                inside.append(element("circle", [("cx", Format.pixel(first.x)), ("cy", Format.pixel(first.y)), ("r", "5"),
                                                 ("fill", "#ffffff"), ("stroke", color), ("stroke-width", "2")],
                                      content: "<title>\(Format.escape(trajectory.name)) start</title>"))
            }
            if let last = runs.last?.last {
                var attributes: [(String, String)] = [("cx", Format.pixel(last.x)), ("cy", Format.pixel(last.y)), ("r", "5"),
                                                      ("fill", color), ("stroke", "#ffffff"), ("stroke-width", "1.5")]
                if animation != nil { attributes.append(("class", className + "-end")) }
                inside.append(element("circle", attributes, content: "<title>\(Format.escape(trajectory.name)) end</title>"))
            }
        }
        if let minimum, let px = xAxis.position(minimum.x), let py = yAxis.position(minimum.y) {
            inside.append(element("path", [("d", starPath(x: px, y: py, radius: 8)), ("fill", "#ffffff"), ("stroke", "#222222"), ("stroke-width", "1")],
                                  content: "<title>minimum</title>"))
        }
        document.add(element("g", [("clip-path", "url(#\(clipID))")], content: "\n" + inside.joined(separator: "\n") + "\n"))
        if let animation, !keyframes.isEmpty {
            let cycle = Format.fixed(animation.duration + animation.hold, decimals: 2)
            var rules = keyframes
            // Only readers who have not asked for reduced motion see the
            // animation; everyone else, and every renderer without CSS
            // animation, sees the finished paths.
            rules += "@media (prefers-reduced-motion:no-preference){"
            for index in trajectories.indices {
                let name = document.id("t\(index)")
                rules += ".tn-chart .\(name){animation:\(name) \(cycle)s linear infinite}"
                rules += ".tn-chart .\(name)-end{animation:\(name)-end \(cycle)s linear infinite}"
            }
            rules += "}"
            document.extraStyle = rules
        }

        let axes = AxesDrawing(area: area, xScale: xAxis, yScale: yAxis, showsGrid: false)
        document.add(contentsOf: axes.axes())
        document.add(contentsOf: chartTitles(title: title, xLabel: xLabel, yLabel: yLabel, width: width, height: height, area: area))
        if !trajectories.isEmpty {
            document.add(contentsOf: legend.band(x: area.left, y: area.top - band, width: width - 200))
            // Explain the markers once, at the end of the legend band.
            let keyX = width - 150, keyY = area.top - band + 9
            document.add(element("circle", [("cx", Format.pixel(keyX)), ("cy", Format.pixel(keyY)), ("r", "4.5"), ("class", "tn-halo-fill"),
                                            ("stroke", "currentColor"), ("stroke-width", "1.5")]))
            document.add(textElement("start", x: keyX + 9, y: keyY + 4, className: "tn-muted"))
            document.add(element("circle", [("cx", Format.pixel(keyX + 60)), ("cy", Format.pixel(keyY)), ("r", "4.5"), ("fill", "currentColor")]))
            document.add(textElement("end", x: keyX + 69, y: keyY + 4, className: "tn-muted"))
        }
        if showsShading, finiteGrid {
            var barScale = scale.logarithmic
                ? Scale(lower: scale.floor, upper: scale.high - scale.low, kind: .log)
                : Scale(lower: scale.low, upper: scale.high, kind: .linear)
            let barTop = area.top + 16
            barScale.rangeStart = area.bottom
            barScale.rangeEnd = barTop
            // Below the log floor the offset is invisible; call it f.
            let offset = scale.logarithmic && abs(scale.low) >= scale.floor
            let label = valueLabel.map { offset ? $0 + " − min" : $0 } ?? (offset ? "f − min" : "f(x, y)")
            document.add(contentsOf: ColorMap.viridis.colorBar(x: area.right + 18, top: barTop, bottom: area.bottom, scale: barScale,
                                                               gradientID: document.id("scale"), label: label))
        }
        if !finiteGrid {
            document.add(textElement("No finite values to contour", x: (area.left + area.right) / 2, y: (area.top + area.bottom) / 2,
                                     anchor: "middle", className: "tn-note tn-muted"))
        }
        let badCells = grid.values.joined().filter { !$0.isFinite }.count
        var notes: [String] = []
        if badCells > 0 { notes.append("\(badCells) non-finite grid value\(badCells == 1 ? "" : "s") (grey)") }
        if nonFinite > 0 { notes.append("\(nonFinite) non-finite trajectory point\(nonFinite == 1 ? "" : "s")") }
        if !notes.isEmpty {
            document.add(textElement("Not shown: " + notes.joined(separator: ", "), x: width - 8, y: height - 6, anchor: "end", className: "tn-note tn-muted"))
        }
        return document.render()
    }

    /// The grid as an embedded raster, smoothed by the browser when scaled.
    private func shadingImage(scale: ContourChart.ValueScale, area: PlotArea) -> String {
        let rows = grid.rows, columns = grid.columns
        var palette = (0..<255).map { ColorMap.viridis.rgb(Double($0) / 254) }
        palette.append((136, 136, 136)) // index 255: non-finite
        var indices = [UInt8](repeating: 255, count: rows * columns)
        for row in 0..<rows {
            for column in 0..<columns {
                let fraction = scale.fraction(grid.value(row: row, column: column))
                // The image's top row is the grid's last row (largest y).
                let target = (rows - 1 - row) * columns + column
                indices[target] = fraction.isFinite ? UInt8((min(1, max(0, fraction)) * 254).rounded()) : 255
            }
        }
        let png = PNGImage.indexed(width: columns, height: rows, indices: indices, palette: palette)
        return element("image", [("x", Format.pixel(area.left)), ("y", Format.pixel(area.top)),
                                 ("width", Format.pixel(area.width)), ("height", Format.pixel(area.height)),
                                 ("preserveAspectRatio", "none"), ("href", PNGImage.dataURI(png))])
    }

    /// CSS keyframes revealing a path step by step: every trajectory's step k
    /// appears at the same moment, so faster optimizers visibly finish first.
    private func drawFrames(runs: [[(x: Double, y: Double)]], steps: [Int], maxSteps: Int,
                            animation: (duration: Double, hold: Double)) -> (css: String, total: Double, endPercent: Double) {
        var lengths: [Double] = []
        var total = 0.0
        for run in runs {
            for (offset, point) in run.enumerated() {
                if offset > 0 { total += hypot(point.x - run[offset - 1].x, point.y - run[offset - 1].y) }
                lengths.append(total)
            }
        }
        let drawShare = animation.duration / (animation.duration + animation.hold) * 100
        func percent(_ step: Int) -> Double { maxSteps > 1 ? Double(step) / Double(maxSteps - 1) * drawShare : 0 }
        // At most ~60 keyframes per path keeps long runs small.
        let stride = max(1, lengths.count / 60)
        var css = "0%{stroke-dashoffset:\(Format.pixel(total + 1))}"
        var lastPercent = 0.0
        for index in Swift.stride(from: 0, to: lengths.count, by: stride) + (lengths.count - 1 > 0 && (lengths.count - 1) % stride != 0 ? [lengths.count - 1] : []) {
            let at = percent(steps[index])
            guard at > lastPercent else { continue }
            css += "\(Format.fixed(at, decimals: 2))%{stroke-dashoffset:\(Format.pixel(total + 1 - lengths[index]))}"
            lastPercent = at
        }
        css += "100%{stroke-dashoffset:1}"
        return (css, total, percent(steps.last ?? 0))
    }

    private func describe(_ levels: [Double], _ scale: ValueScale) -> String {
        var text = "Contour plot of a function of \(xLabel) and \(yLabel) over \(Format.readable(grid.xs.first ?? 0)) to \(Format.readable(grid.xs.last ?? 0)) by \(Format.readable(grid.ys.first ?? 0)) to \(Format.readable(grid.ys.last ?? 0)), with \(levels.count) \(scale.logarithmic ? "log-spaced" : "evenly spaced") levels."
        for trajectory in trajectories {
            let count = min(trajectory.x.count, trajectory.y.count)
            text += " \(trajectory.name): \(count) steps"
            if let x = trajectory.x.last, let y = trajectory.y.last {
                text += " ending at (\(Format.readable(x)), \(Format.readable(y)))"
            }
            text += "."
        }
        return text
    }

    public func csv() -> String {
        var table = CSVTable(header: ["kind", "name", "step", "x", "y", "value"])
        for (row, y) in grid.ys.enumerated() {
            for (column, x) in grid.xs.enumerated() {
                table.append([.text("grid"), .text(""), .text(""), .number(x), .number(y), .number(grid.value(row: row, column: column))])
            }
        }
        for trajectory in trajectories {
            for (step, (x, y)) in zip(trajectory.x, trajectory.y).enumerated() {
                table.append([.text("trajectory"), .text(trajectory.name), .integer(step), .number(x), .number(y), .text("")])
            }
        }
        return table.text
    }
}

/// A five-pointed star centred on (x, y).
func starPath(x: Double, y: Double, radius: Double) -> String {
    var points: [(x: Double, y: Double)] = []
    for index in 0..<10 {
        let angle = Double.pi * Double(index) / 5 - Double.pi / 2
        let r = index % 2 == 0 ? radius : radius * 0.45
        points.append((x + r * cos(angle), y + r * sin(angle)))
    }
    return polylinePath(points) + "Z"
}

/// The contour chart with its trajectories drawn step by step, looping, in
/// CSS animation only (no script). Renderers without CSS animation, and
/// readers who ask for reduced motion, see the finished chart.
public struct AnimatedContourChart: Chart, Sendable {
    public var contour: ContourChart
    /// Seconds to draw the longest trajectory.
    public var duration: Double
    /// Seconds the finished picture stays before the loop restarts.
    public var hold: Double

    public init(_ contour: ContourChart, duration: Double = 6, hold: Double = 2) {
        self.contour = contour
        self.duration = max(0.1, duration)
        self.hold = max(0, hold)
    }

    public var title: String { contour.title }
    /// The same chart, not animated, for print and for pages that want it.
    public var staticFallback: ContourChart { contour }
    public func svg() -> String { contour.render(animation: (duration, hold)) }
    public func csv() -> String { contour.csv() }
}
