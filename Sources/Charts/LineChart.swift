// Line charts: several series with colours and dash styles, linear or log
// axes, a legend that can show final values, event markers ("diverged
// here"), and visible marks where bad values had to be left out.
import Foundation

/// One line: y against x, with its look.
public struct LineSeries: Sendable {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var dash: DashStyle
    /// Any CSS colour; nil takes the next Okabe–Ito colour.
    public var color: String?
    /// What the legend says after the name, as "name: note", in place of
    /// the final value or the reason nothing is drawn; for example why a
    /// run has no points ("diverged at step 2, nothing to draw").
    public var note: String?

    public init(name: String, x: [Double], y: [Double], dash: DashStyle = .solid, color: String? = nil, note: String? = nil) {
        self.name = name
        self.x = x
        self.y = y
        self.dash = dash
        self.color = color
        self.note = note
    }

    /// A series over 1, 2, 3, … (epochs, steps).
    public init(name: String, y: [Double], dash: DashStyle = .solid, color: String? = nil, note: String? = nil) {
        self.init(name: name, x: y.indices.map { Double($0 + 1) }, y: y, dash: dash, color: color, note: note)
    }
}

/// Something that happened at an x value, drawn as a labelled vertical rule.
public struct ChartEvent: Sendable {
    public var x: Double
    public var label: String
    /// When set, the named series also gets a ring at its last drawable
    /// point at or before `x` (where it "diverged").
    public var series: String?

    public init(x: Double, label: String, series: String? = nil) {
        self.x = x
        self.label = label
        self.series = series
    }
}

public struct LineChart: Chart, Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [LineSeries]
    public var xScale: AxisScale
    public var yScale: AxisScale
    public var events: [ChartEvent]
    /// Legend entries read "Training Loss: 0.201" (three significant
    /// digits, trailing zeros kept, so neighbouring entries line up).
    public var legendShowsFinalValue: Bool
    public var showsGrid: Bool
    public var width: Double
    public var height: Double

    public init(
        title: String, xLabel: String = "", yLabel: String = "", series: [LineSeries],
        xScale: AxisScale = .linear, yScale: AxisScale = .linear, events: [ChartEvent] = [],
        legendShowsFinalValue: Bool = false, showsGrid: Bool = true,
        width: Double = 640, height: Double = 400
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xScale = xScale
        self.yScale = yScale
        self.events = events
        self.legendShowsFinalValue = legendShowsFinalValue
        self.showsGrid = showsGrid
        self.width = width
        self.height = height
    }

    /// A series after checking every point against the scales.
    private struct Prepared {
        let series: LineSeries
        let color: String
        /// Runs of drawable points; a bad value ends a run.
        var runs: [[(x: Double, y: Double)]] = []
        /// x positions where a run of non-finite y values starts.
        var nonFiniteAt: [Double] = []
        var nonFiniteCount = 0
        var nonPositiveCount = 0
        var finalValue: Double?
    }

    private func prepare() -> [Prepared] {
        let probeX = Scale(lower: 1, upper: 10, kind: xScale)
        let probeY = Scale(lower: 1, upper: 10, kind: yScale)
        return series.enumerated().map { index, line in
            var prepared = Prepared(series: line, color: line.color ?? Palette.color(index))
            var run: [(x: Double, y: Double)] = []
            var previousWasNonFinite = false
            for (x, y) in zip(line.x, line.y) {
                let nonFinite = !x.isFinite || !y.isFinite
                if nonFinite {
                    prepared.nonFiniteCount += 1
                    if !previousWasNonFinite, x.isFinite { prepared.nonFiniteAt.append(x) }
                } else if !probeX.canShow(x) || !probeY.canShow(y) {
                    prepared.nonPositiveCount += 1
                } else {
                    run.append((x, y))
                    prepared.finalValue = y
                    previousWasNonFinite = false
                    continue
                }
                previousWasNonFinite = nonFinite
                if !run.isEmpty { prepared.runs.append(run); run = [] }
            }
            if !run.isEmpty { prepared.runs.append(run) }
            // Extra values in the longer array have no partner to plot against.
            prepared.nonFiniteCount += abs(line.x.count - line.y.count)
            return prepared
        }
    }

    private func legendText(_ prepared: Prepared) -> String {
        let name = prepared.series.name
        if let note = prepared.series.note { return name + ": " + note }
        if prepared.runs.isEmpty {
            // Say why nothing is drawn, in the fewest words.
            if prepared.nonPositiveCount > 0 { return name + " (no values > 0)" }
            if prepared.nonFiniteCount > 0 { return name + " (no finite values)" }
            return name + " (no values)"
        }
        // A series that ends on NaN or ∞ has no final value worth quoting.
        if legendShowsFinalValue, let last = prepared.series.y.last, !last.isFinite {
            return name + ": not finite"
        }
        if legendShowsFinalValue, let value = prepared.finalValue {
            return name + ": " + Format.significant(value, digits: 3)
        }
        return name
    }

    /// Where an event's label is drawn: its anchor point and text anchor.
    private func eventLabelPlacement(_ event: ChartEvent, x: Double, area: PlotArea) -> (x: Double, y: Double, anchor: String) {
        let nearRight = x > area.right - Format.textWidth(event.label, fontSize: Theme.noteSize) - 8
        return (nearRight ? x - 4 : x + 4, area.bottom - 6, nearRight ? "end" : "start")
    }

    private func legend(_ prepared: [Prepared]) -> Legend {
        Legend(entries: prepared.map { LegendEntry(text: legendText($0), color: $0.color, dash: $0.series.dash, isSwatch: false) })
    }

    public func svg() -> String {
        let prepared = prepare()
        let allX = prepared.flatMap { $0.runs.flatMap { $0.map(\.x) } } + events.map(\.x)
        let allY = prepared.flatMap { $0.runs.flatMap { $0.map(\.y) } }
        var xAxis = Scale(fitting: allX, kind: xScale, targetTickCount: 8)
        var yAxis = Scale(fitting: allY, kind: yScale, targetTickCount: 6)

        let legend = legend(prepared)
        let showsLegend = series.count > 1 || legendShowsFinalValue
        let yTickLabels = yAxis.ticks.filter(\.isMajor).map(\.label)

        // First try the legend inside the plot; if every corner covers data,
        // give it a band above the plot instead.
        var area = CartesianLayout.plotArea(width: width, height: height, hasTitle: !title.isEmpty, topBand: 0,
                                            xLabel: xLabel, yLabel: yLabel, yTickLabels: yTickLabels)
        var legendOrigin: (x: Double, y: Double)?
        var legendInBand = false
        func map(_ area: PlotArea) {
            xAxis.rangeStart = area.left; xAxis.rangeEnd = area.right
            yAxis.rangeStart = area.bottom; yAxis.rangeEnd = area.top
        }
        map(area)
        if showsLegend {
            let pixels = prepared.flatMap { $0.runs.flatMap { run in densified(run, x: xAxis, y: yAxis) } }
            // Event labels are text: a corner that would hide one is out.
            let labelBoxes = events.compactMap { event -> (left: Double, top: Double, right: Double, bottom: Double)? in
                guard let x = xAxis.position(event.x) else { return nil }
                let place = eventLabelPlacement(event, x: x, area: area)
                let textWidth = Format.textWidth(event.label, fontSize: Theme.noteSize)
                let left = place.anchor == "end" ? place.x - textWidth : place.x
                return (left, place.y - Theme.noteSize, left + textWidth, place.y + 3)
            }
            var best: (origin: (x: Double, y: Double), covered: Int)?
            for candidate in Legend.cornerCandidates(area: area, width: legend.boxWidth, height: legend.boxHeight) {
                let left = candidate.x - 4, right = candidate.x + legend.boxWidth + 4
                let top = candidate.y - 4, bottom = candidate.y + legend.boxHeight + 4
                var covered = pixels.filter { $0.x >= left && $0.x <= right && $0.y >= top && $0.y <= bottom }.count
                covered += 1000 * labelBoxes.filter { $0.left < right && $0.right > left && $0.top < bottom && $0.bottom > top }.count
                if best == nil || covered < best!.covered { best = (candidate, covered) }
            }
            let fits = legend.boxWidth < area.width * 0.6 && legend.boxHeight < area.height * 0.6
            if let best, best.covered == 0, fits {
                legendOrigin = best.origin
            } else {
                legendInBand = true
                area = CartesianLayout.plotArea(width: width, height: height, hasTitle: !title.isEmpty,
                                                topBand: legend.bandHeight(width: width - 40),
                                                xLabel: xLabel, yLabel: yLabel, yTickLabels: yTickLabels)
                map(area)
            }
        }

        var document = SVGDocument(width: width, height: height, title: title, description: describe(prepared), identity: csv())
        let axes = AxesDrawing(area: area, xScale: xAxis, yScale: yAxis, showsGrid: showsGrid)
        document.add(contentsOf: axes.grid())
        let clipID = document.id("plot")
        document.add(element("clipPath", [("id", clipID)], content: element("rect", [
            ("x", Format.pixel(area.left - 3)), ("y", Format.pixel(area.top - 3)),
            ("width", Format.pixel(area.width + 6)), ("height", Format.pixel(area.height + 6)),
        ])))

        // Events under the data, so lines stay readable across the rule.
        for event in events {
            guard let x = xAxis.position(event.x) else { continue }
            document.add(element("path", [
                ("d", "M\(Format.pixel(x)),\(Format.pixel(area.top))V\(Format.pixel(area.bottom))"),
                ("stroke", "currentColor"), ("stroke-opacity", "0.55"), ("stroke-dasharray", "4 3"), ("fill", "none"),
            ]))
            let place = eventLabelPlacement(event, x: x, area: area)
            document.add(textElement(event.label, x: place.x, y: place.y, anchor: place.anchor, className: "tn-note tn-halo"))
        }

        var dataLines: [String] = []
        for item in prepared {
            let color = item.color
            var path = ""
            for run in item.runs where run.count > 1 {
                path += polylinePath(run.map { (xAxis.position($0.x)!, yAxis.position($0.y)!) })
            }
            if !path.isEmpty {
                var attributes: [(String, String)] = [("class", "tn-line"), ("d", path), ("stroke", color)]
                if let dash = item.series.dash.dashArray { attributes.append(("stroke-dasharray", dash)) }
                dataLines.append(element("path", attributes, content: "<title>\(Format.escape(item.series.name))</title>"))
            }
            // A lone point has no line through it; show it as a dot.
            for run in item.runs where run.count == 1 {
                dataLines.append(element("circle", [
                    ("cx", Format.pixel(xAxis.position(run[0].x)!)), ("cy", Format.pixel(yAxis.position(run[0].y)!)),
                    ("r", "3.5"), ("fill", color),
                ]))
            }
            for x in item.nonFiniteAt {
                guard let px = xAxis.position(x) else { continue }
                let py = area.top + 6
                dataLines.append(element("path", [
                    ("class", "tn-nonfinite"),
                    ("d", "M\(Format.pixel(px - 4)),\(Format.pixel(py - 4))l8,8m-8,0l8,-8"),
                    ("stroke", color), ("stroke-width", "2"),
                ], content: "<title>\(Format.escape(item.series.name)): not a finite number from x = \(Format.readable(x))</title>"))
            }
        }
        for event in events {
            guard let name = event.series, let item = prepared.first(where: { $0.series.name == name }) else { continue }
            guard let point = item.runs.joined().last(where: { $0.x <= event.x }) ?? item.runs.first?.first,
                  let px = xAxis.position(point.x), let py = yAxis.position(point.y) else { continue }
            dataLines.append(element("circle", [
                ("class", "tn-event-marker"), ("cx", Format.pixel(px)), ("cy", Format.pixel(py)), ("r", "6"),
                ("fill", "none"), ("stroke", item.color), ("stroke-width", "2"),
            ]))
        }
        document.add(element("g", [("clip-path", "url(#\(clipID))")], content: "\n" + dataLines.joined(separator: "\n") + "\n"))

        document.add(contentsOf: axes.axes())
        document.add(contentsOf: chartTitles(title: title, xLabel: xLabel, yLabel: yLabel, width: width, height: height, area: area))
        if allY.isEmpty {
            document.add(textElement("No data to show", x: (area.left + area.right) / 2, y: (area.top + area.bottom) / 2,
                                     anchor: "middle", className: "tn-note tn-muted"))
        }
        if showsLegend {
            if let origin = legendOrigin {
                document.add(contentsOf: legend.box(x: origin.x, y: origin.y))
            } else if legendInBand {
                document.add(contentsOf: legend.band(x: area.left, y: area.top - legend.bandHeight(width: width - 40) - 2, width: width - 40))
            }
        }
        if let note = skippedNote(prepared) {
            document.add(textElement(note, x: width - 8, y: height - 6, anchor: "end", className: "tn-note tn-muted"))
        }
        return document.render()
    }

    /// Points along each run, at most ~6 px apart, so legend placement also
    /// notices long straight segments crossing a corner.
    private func densified(_ run: [(x: Double, y: Double)], x: Scale, y: Scale) -> [(x: Double, y: Double)] {
        let pixels = run.map { (x: x.position($0.x)!, y: y.position($0.y)!) }
        var result = pixels
        for (a, b) in zip(pixels, pixels.dropFirst()) {
            let steps = Int(min(200, hypot(b.x - a.x, b.y - a.y) / 6))
            if steps > 1 {
                for step in 1..<steps {
                    let t = Double(step) / Double(steps)
                    result.append((a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t))
                }
            }
        }
        return result
    }

    private func skippedNote(_ prepared: [Prepared]) -> String? {
        let nonFinite = prepared.reduce(0) { $0 + $1.nonFiniteCount }
        let nonPositive = prepared.reduce(0) { $0 + $1.nonPositiveCount }
        var parts: [String] = []
        if nonFinite > 0 { parts.append("\(nonFinite) non-finite value\(nonFinite == 1 ? "" : "s") (×)") }
        if nonPositive > 0 { parts.append("\(nonPositive) value\(nonPositive == 1 ? "" : "s") ≤ 0 on a log axis") }
        return parts.isEmpty ? nil : "Not shown: " + parts.joined(separator: ", ")
    }

    private func describe(_ prepared: [Prepared]) -> String {
        var text = "Line chart with \(series.count) series"
        if !xLabel.isEmpty || !yLabel.isEmpty { text += " of \(yLabel.isEmpty ? "y" : yLabel) against \(xLabel.isEmpty ? "x" : xLabel)" }
        if yScale == .log { text += " on a log scale" }
        text += "."
        for item in prepared {
            let points = item.runs.reduce(0) { $0 + $1.count }
            text += " \(item.series.name): \(points) point\(points == 1 ? "" : "s")"
            if let value = item.finalValue { text += ", final value \(Format.readable(value))" }
            text += "."
        }
        if let note = skippedNote(prepared) { text += " " + note + "." }
        for event in events { text += " Event at x = \(Format.readable(event.x)): \(event.label)." }
        return text
    }

    public func csv() -> String {
        var table = CSVTable(header: ["series", "x", "y"])
        for line in series {
            for (x, y) in zip(line.x, line.y) {
                table.append([.text(line.name), .number(x), .number(y)])
            }
        }
        return table.text
    }
}

extension LineChart: ResizableChart {
    /// As any chart, and tall enough for a legend that needs a band of
    /// several rows above the plot at the narrow width (six optimizers'
    /// entries take six), with about 170 pixels of plot below it.
    public func narrowHeight(width narrow: Double) -> Double {
        let base = NarrowLayout.height(height, from: width, to: narrow)
        guard series.count > 1 || legendShowsFinalValue else { return base }
        let band = legend(prepare()).bandHeight(width: narrow - 40)
        let titleHeight: Double = title.isEmpty ? 0 : Theme.titleSize + 14
        let bottom: Double = 12 + (xLabel.isEmpty ? 0 : Theme.labelSize + 8) + Theme.tickSize + 10
        let needed: Double = 14 + titleHeight + band + 170 + bottom
        return max(base, needed.rounded(.up))
    }
}
