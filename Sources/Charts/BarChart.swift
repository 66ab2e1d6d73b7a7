// Bar charts: grouped bars per category, linear or log value axis (training
// times span 1 s to 1,400 s), and value labels on the bars.
import Foundation

/// One set of bars, one value per category, sharing a colour.
public struct BarSeries: Sendable {
    public var name: String
    public var values: [Double]
    public var color: String?

    public init(name: String, values: [Double], color: String? = nil) {
        self.name = name
        self.values = values
        self.color = color
    }
}

public struct BarChart: Chart, Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var categories: [String]
    public var series: [BarSeries]
    public var yScale: AxisScale
    public var showsValues: Bool
    /// Appended to value labels, e.g. " s".
    public var valueSuffix: String
    public var width: Double
    public var height: Double

    public init(
        title: String, xLabel: String = "", yLabel: String = "", categories: [String], series: [BarSeries],
        yScale: AxisScale = .linear, showsValues: Bool = true, valueSuffix: String = "",
        width: Double = 640, height: Double = 400
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.categories = categories
        self.series = series
        self.yScale = yScale
        self.showsValues = showsValues
        self.valueSuffix = valueSuffix
        self.width = width
        self.height = height
    }

    private func value(_ seriesIndex: Int, _ category: Int) -> Double? {
        let values = series[seriesIndex].values
        return category < values.count ? values[category] : nil
    }

    public func svg() -> String {
        let probe = Scale(lower: 1, upper: 10, kind: yScale)
        let drawable = series.flatMap(\.values).filter { probe.canShow($0) }
        // Linear bars grow from zero; leave headroom above the tallest bar
        // for its label.
        let headroom = showsValues ? (yScale == .log ? 2.5 : 1.12) : 1
        let include: [Double] = yScale == .linear ? [0] + drawable.map { $0 * headroom } : drawable.map { $0 * headroom }
        var yAxis = Scale(fitting: drawable, kind: yScale, include: include, targetTickCount: 6)

        let legend = Legend(entries: series.enumerated().map {
            LegendEntry(text: $0.element.name, color: $0.element.color ?? Palette.color($0.offset), dash: .solid, isSwatch: true)
        })
        let showsLegend = series.count > 1
        let band = showsLegend ? legend.bandHeight(width: width - 40) : 0
        let longestCategory = categories.map { Format.textWidth($0, fontSize: Theme.tickSize) }.max() ?? 0
        let groupWidthGuess = (width - 100) / Double(max(1, categories.count))
        let rotate = longestCategory > groupWidthGuess - 6
        let area = CartesianLayout.plotArea(
            width: width, height: height, hasTitle: !title.isEmpty, topBand: band, xLabel: xLabel, yLabel: yLabel,
            yTickLabels: yAxis.ticks.filter(\.isMajor).map(\.label), xTicksRotated: rotate ? longestCategory * 0.6 : 0)
        yAxis.rangeStart = area.bottom
        yAxis.rangeEnd = area.top

        var document = SVGDocument(width: width, height: height, title: title, description: describe(), identity: csv())
        let axes = AxesDrawing(area: area, xScale: nil, yScale: yAxis, showsGrid: true)
        document.add(contentsOf: axes.grid())

        let groupWidth = area.width / Double(max(1, categories.count))
        let barWidth = groupWidth * 0.8 / Double(max(1, series.count))
        // Bars start at zero on a linear axis and at the bottom on a log one.
        let baseline = yScale == .linear ? (yAxis.position(0) ?? area.bottom) : area.bottom
        var bars: [String] = []
        var labels: [String] = []
        var missing = 0
        for category in categories.indices {
            for seriesIndex in series.indices {
                let x = area.left + groupWidth * (Double(category) + 0.1) + barWidth * Double(seriesIndex)
                let color = series[seriesIndex].color ?? Palette.color(seriesIndex)
                guard let value = value(seriesIndex, category), let top = yAxis.position(value) else {
                    missing += 1
                    // Say so where the bar would be, rather than draw nothing.
                    labels.append(textElement("n/a", x: x + barWidth / 2, y: baseline - 5, anchor: "middle", className: "tn-note tn-muted"))
                    continue
                }
                let inset = barWidth > 8 ? 1.0 : 0
                bars.append(element("rect", [
                    ("x", Format.pixel(x + inset)), ("y", Format.pixel(min(top, baseline))),
                    ("width", Format.pixel(barWidth - 2 * inset)), ("height", Format.pixel(max(0.5, abs(baseline - top)))),
                    ("fill", color),
                ], content: "<title>\(Format.escape("\(series[seriesIndex].name), \(categories[category]): \(Format.readable(value))\(valueSuffix)"))</title>"))
                guard showsValues else { continue }
                let text = Format.readable(value, significantDigits: 3) + valueSuffix
                let below = value < 0 && yScale == .linear
                if Format.textWidth(text, fontSize: Theme.noteSize) <= barWidth + groupWidth * 0.2 / Double(max(1, series.count)) {
                    labels.append(textElement(text, x: x + barWidth / 2, y: below ? top + 14 : top - 5, anchor: "middle", className: "tn-value"))
                } else {
                    // Narrow bars: the label runs upwards along the bar's top.
                    let cx = x + barWidth / 2 + 4, cy = top - 5
                    labels.append(textElement(text, x: cx, y: cy, className: "tn-value",
                                              extra: [("transform", "rotate(-90 \(Format.pixel(cx)) \(Format.pixel(cy)))")]))
                }
            }
        }
        document.extraStyle = ".tn-chart .tn-value{font-size:\(Format.pixel(Theme.noteSize))px}"
        document.add(element("g", [("class", "tn-bars")], content: "\n" + bars.joined(separator: "\n") + "\n"))
        document.add(contentsOf: labels)
        let categoryLabels = categories.enumerated().map { (area.left + groupWidth * (Double($0.offset) + 0.5), $0.element) }
        document.add(contentsOf: axes.axes(xCategoryLabels: categoryLabels, rotateXLabels: rotate))
        document.add(contentsOf: chartTitles(title: title, xLabel: xLabel, yLabel: yLabel, width: width, height: height, area: area))
        if showsLegend {
            document.add(contentsOf: legend.band(x: area.left, y: area.top - band - 2, width: width - 40))
        }
        if missing > 0 {
            let reason = yScale == .log ? "missing, non-finite or ≤ 0 on a log axis" : "missing or non-finite"
            document.add(textElement("Not shown: \(missing) value\(missing == 1 ? "" : "s") \(reason) (n/a)",
                                     x: width - 8, y: height - 6, anchor: "end", className: "tn-note tn-muted"))
        }
        return document.render()
    }

    private func describe() -> String {
        var text = "Bar chart of \(yLabel.isEmpty ? "values" : yLabel) for \(categories.count) categories"
        if series.count > 1 { text += " and \(series.count) series" }
        if yScale == .log { text += " on a log scale" }
        text += "."
        for line in series {
            let parts = categories.indices.map { index -> String in
                let value = index < line.values.count ? Format.readable(line.values[index]) : "missing"
                return "\(categories[index]) \(value)\(valueSuffix)"
            }
            text += " \(line.name): " + parts.joined(separator: ", ") + "."
        }
        return text
    }

    public func csv() -> String {
        var table = CSVTable(header: ["category"] + series.map(\.name))
        for (index, category) in categories.enumerated() {
            table.append([CSVField.text(category)] + series.map { line in
                index < line.values.count ? CSVField.number(line.values[index]) : .text("")
            })
        }
        return table.text
    }
}
