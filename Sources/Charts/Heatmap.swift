// Heatmaps: a grid of values as coloured cells with a colour scale, for
// attention weights and confusion matrices.
import Foundation

public struct Heatmap: Chart, Sendable {
    public var title: String
    /// Rows top to bottom, each the same length (short rows are padded as missing).
    public var values: [[Double]]
    public var rowLabels: [String]
    public var columnLabels: [String]
    public var xLabel: String
    public var yLabel: String
    public var colorMap: ColorMap
    /// Fixed colour range, so several heatmaps side by side compare; nil fits the data.
    public var range: ClosedRange<Double>?
    /// Writes each value in its cell (sensible up to about 15 × 15).
    public var showsValues: Bool
    public var width: Double
    public var height: Double

    public init(
        title: String, values: [[Double]], rowLabels: [String] = [], columnLabels: [String] = [],
        xLabel: String = "", yLabel: String = "", colorMap: ColorMap = .viridis,
        range: ClosedRange<Double>? = nil, showsValues: Bool = false,
        width: Double = 480, height: Double = 420
    ) {
        self.title = title
        self.values = values
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.colorMap = colorMap
        self.range = range
        self.showsValues = showsValues
        self.width = width
        self.height = height
    }

    private var columnCount: Int { values.map(\.count).max() ?? 0 }

    private func colorRange() -> (Double, Double) {
        if let range { return (range.lowerBound, range.upperBound) }
        let finite = values.joined().filter(\.isFinite)
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if low == high { low -= 0.5; high += 0.5 }
        return (low, high)
    }

    public func svg() -> String {
        let rows = values.count, columns = columnCount
        let (low, high) = colorRange()
        var document = SVGDocument(width: width, height: height, title: title, description: describe(low, high), identity: csv())

        let rowLabelWidth = (rowLabels.map { Format.textWidth($0, fontSize: Theme.tickSize) }.max() ?? 0)
        let left = 14 + (yLabel.isEmpty ? 0 : Theme.labelSize + 8) + rowLabelWidth + (rowLabels.isEmpty ? 0 : 8)
        let top = 14 + (title.isEmpty ? 0 : Theme.titleSize + 14) + 6
        let bottomReserve = 12 + (xLabel.isEmpty ? 0 : Theme.labelSize + 8) + (columnLabels.isEmpty ? 0 : Theme.tickSize + 10)
        let colorBarReserve = 70.0
        let availableWidth = width - left - colorBarReserve - 10
        let availableHeight = height - top - bottomReserve
        // Square cells read as a matrix; use the largest that fits.
        let cell = max(1, min(availableWidth / Double(max(1, columns)), availableHeight / Double(max(1, rows))))
        let area = PlotArea(left: left, top: top, right: left + cell * Double(columns), bottom: top + cell * Double(rows))

        var cells: [String] = []
        var texts: [String] = []
        var missing = 0
        let valueFontSize = min(Theme.noteSize, cell * 0.32)
        for (row, line) in values.enumerated() {
            for column in 0..<columns {
                let x = area.left + Double(column) * cell, y = area.top + Double(row) * cell
                let value = column < line.count ? line[column] : .nan
                guard value.isFinite else {
                    missing += 1
                    cells.append(element("rect", [("class", "tn-grid"), ("x", Format.pixel(x)), ("y", Format.pixel(y)),
                                                  ("width", Format.pixel(cell)), ("height", Format.pixel(cell)), ("fill", "none")]))
                    cells.append(element("path", [("d", "M\(Format.pixel(x + cell * 0.3)),\(Format.pixel(y + cell * 0.3))l\(Format.pixel(cell * 0.4)),\(Format.pixel(cell * 0.4))m-\(Format.pixel(cell * 0.4)),0l\(Format.pixel(cell * 0.4)),-\(Format.pixel(cell * 0.4))"),
                                                  ("stroke", "currentColor"), ("stroke-opacity", "0.5")]))
                    continue
                }
                let fraction = (value - low) / (high - low)
                // A hair of overlap hides the seams browsers draw between
                // abutting rectangles.
                cells.append(element("rect", [("x", Format.pixel(x)), ("y", Format.pixel(y)),
                                              ("width", Format.pixel(cell + 0.3)), ("height", Format.pixel(cell + 0.3)),
                                              ("fill", colorMap.color(fraction))]))
                if showsValues, valueFontSize >= 7 {
                    let fill = colorMap.prefersDarkText(fraction) ? "#1a1a1a" : "#ffffff"
                    texts.append(textElement(Format.readable(value, significantDigits: 2), x: x + cell / 2, y: y + cell / 2 + valueFontSize * 0.35,
                                             anchor: "middle", extra: [("style", "fill:\(fill)"), ("font-size", Format.pixel(valueFontSize))]))
                }
            }
        }
        document.add(element("g", [("class", "tn-cells")], content: "\n" + cells.joined(separator: "\n") + "\n"))
        document.add(contentsOf: texts)

        // Labels, thinned out when cells are too small for every one.
        let labelEvery = max(1, Int((Theme.tickSize * 1.2 / cell).rounded(.up)))
        for (index, label) in rowLabels.enumerated() where index < rows && index % labelEvery == 0 {
            document.add(textElement(label, x: area.left - 6, y: area.top + (Double(index) + 0.5) * cell + 4, anchor: "end", className: "tn-muted"))
        }
        let widest = columnLabels.map { Format.textWidth($0, fontSize: Theme.tickSize) }.max() ?? 0
        let columnEvery = max(1, Int(((widest + 4) / cell).rounded(.up)))
        for (index, label) in columnLabels.enumerated() where index < columns && index % columnEvery == 0 {
            document.add(textElement(label, x: area.left + (Double(index) + 0.5) * cell, y: area.bottom + 6 + Theme.tickSize,
                                     anchor: "middle", className: "tn-muted"))
        }
        document.add(contentsOf: chartTitles(title: title, xLabel: xLabel, yLabel: yLabel, width: width, height: height,
                                             area: PlotArea(left: area.left, top: area.top, right: area.right, bottom: area.bottom)))

        var scale = Scale(lower: low, upper: high, kind: .linear, targetTickCount: 7)
        let barTop = area.top + 14, barBottom = max(barTop + 40, area.bottom)
        scale.rangeStart = barBottom
        scale.rangeEnd = barTop
        document.add(contentsOf: colorMap.colorBar(x: area.right + 16, top: barTop, bottom: barBottom, scale: scale,
                                                   gradientID: document.id("scale"), label: ""))
        if rows == 0 || columns == 0 {
            document.add(textElement("No data to show", x: width / 2, y: height / 2, anchor: "middle", className: "tn-note tn-muted"))
        }
        if missing > 0 {
            document.add(textElement("Not shown: \(missing) missing or non-finite cell\(missing == 1 ? "" : "s") (×)",
                                     x: width - 8, y: height - 6, anchor: "end", className: "tn-note tn-muted"))
        }
        return document.render()
    }

    private func describe(_ low: Double, _ high: Double) -> String {
        "Heatmap of \(values.count) rows by \(columnCount) columns"
            + (yLabel.isEmpty && xLabel.isEmpty ? "" : " (\(yLabel.isEmpty ? "rows" : yLabel) by \(xLabel.isEmpty ? "columns" : xLabel))")
            + ", coloured with \(colorMap.rawValue) from \(Format.readable(low)) to \(Format.readable(high))."
    }

    public func csv() -> String {
        var table = CSVTable(header: ["row", "column", "value"])
        for (row, line) in values.enumerated() {
            for (column, value) in line.enumerated() {
                let rowName = row < rowLabels.count ? rowLabels[row] : String(row)
                let columnName = column < columnLabels.count ? columnLabels[column] : String(column)
                table.append([.text(rowName), .text(columnName), .number(value)])
            }
        }
        return table.text
    }
}
