// Series legends: a box inside the plot in the corner that covers the least
// data, or, when every corner would hide data, a row above the plot.

struct LegendEntry {
    let text: String
    let color: String
    let dash: DashStyle
    /// Bars get a filled square; lines get a short stroke.
    let isSwatch: Bool
}

struct Legend {
    let entries: [LegendEntry]
    static let rowHeight = 18.0
    static let keyWidth = 24.0
    static let padding = 8.0

    var boxWidth: Double {
        (entries.map { Format.textWidth($0.text, fontSize: Theme.tickSize) }.max() ?? 0) + Legend.keyWidth + 6 + 2 * Legend.padding
    }
    var boxHeight: Double { Double(entries.count) * Legend.rowHeight + 2 * Legend.padding - 4 }

    /// Rows needed to lay the entries out left to right within `width`.
    func rows(width: Double) -> [[Int]] {
        var rows: [[Int]] = [[]]
        var used = 0.0
        for (index, entry) in entries.enumerated() {
            let needed = Legend.keyWidth + 6 + Format.textWidth(entry.text, fontSize: Theme.tickSize) + 18
            if used + needed > width, !rows[rows.count - 1].isEmpty {
                rows.append([])
                used = 0
            }
            rows[rows.count - 1].append(index)
            used += needed
        }
        return rows
    }

    /// Height of the band above the plot for the row layout.
    func bandHeight(width: Double) -> Double {
        Double(rows(width: width).count) * Legend.rowHeight + 6
    }

    /// Corner boxes in the plot, in order of preference, in unit
    /// coordinates of the plot area (y down).
    static func cornerCandidates(area: PlotArea, width: Double, height: Double) -> [(x: Double, y: Double)] {
        let inset = 8.0
        return [
            (area.right - inset - width, area.top + inset),
            (area.left + inset, area.top + inset),
            (area.right - inset - width, area.bottom - inset - height),
            (area.left + inset, area.bottom - inset - height),
        ]
    }

    /// The box drawn inside the plot at (x, y).
    func box(x: Double, y: Double) -> [String] {
        var lines: [String] = []
        lines.append(element("rect", [
            ("class", "tn-halo-fill"), ("x", Format.pixel(x)), ("y", Format.pixel(y)),
            ("width", Format.pixel(boxWidth)), ("height", Format.pixel(boxHeight)),
            ("rx", "3"), ("fill-opacity", "0.85"),
        ]))
        for (index, entry) in entries.enumerated() {
            let rowY = y + Legend.padding + Double(index) * Legend.rowHeight + 7
            lines.append(contentsOf: key(entry, x: x + Legend.padding, y: rowY))
        }
        return [element("g", [("class", "tn-legend")], content: "\n" + lines.joined(separator: "\n") + "\n")]
    }

    /// The legend as rows starting at (x, y), wrapped within `width`.
    func band(x: Double, y: Double, width: Double) -> [String] {
        var lines: [String] = []
        for (rowIndex, row) in rows(width: width).enumerated() {
            var cursor = x
            let rowY = y + Double(rowIndex) * Legend.rowHeight + 9
            for index in row {
                // An entry too long for a row of its own, in a narrow chart,
                // keeps to the row in a smaller type.
                let room = x + width - 18 - (cursor + Legend.keyWidth + 6)
                lines.append(contentsOf: key(entries[index], x: cursor, y: rowY, maxTextWidth: room))
                cursor += Legend.keyWidth + 6 + Format.textWidth(entries[index].text, fontSize: Theme.tickSize) + 18
            }
        }
        return [element("g", [("class", "tn-legend")], content: "\n" + lines.joined(separator: "\n") + "\n")]
    }

    private func key(_ entry: LegendEntry, x: Double, y: Double, maxTextWidth: Double = 0) -> [String] {
        var lines: [String] = []
        if entry.isSwatch {
            lines.append(element("rect", [
                ("x", Format.pixel(x + 6)), ("y", Format.pixel(y - 6)), ("width", "12"), ("height", "12"),
                ("rx", "2"), ("fill", entry.color),
            ]))
        } else {
            var attributes: [(String, String)] = [
                ("class", "tn-line"), ("d", "M\(Format.pixel(x)),\(Format.pixel(y))h\(Format.pixel(Legend.keyWidth))"),
                ("stroke", entry.color),
            ]
            if let dash = entry.dash.dashArray { attributes.append(("stroke-dasharray", dash)) }
            lines.append(element("path", attributes))
        }
        lines.append(fittedTextElement(entry.text, x: x + Legend.keyWidth + 6, y: y + 4, maxWidth: maxTextWidth,
                                       fontSize: Theme.tickSize))
        return lines
    }
}
