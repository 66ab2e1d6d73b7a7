// Cartesian plot furniture shared by line and bar charts: the layout of the
// plot area inside the canvas, grid lines, axes with tick marks and labels,
// axis titles and the chart title.
import Foundation

/// The rectangle data is drawn in, in canvas pixels.
struct PlotArea {
    var left: Double
    var top: Double
    var right: Double
    var bottom: Double
    var width: Double { right - left }
    var height: Double { bottom - top }

    func contains(x: Double, y: Double) -> Bool {
        x >= left && x <= right && y >= top && y <= bottom
    }
}

/// Margins worked out from what must fit around the plot.
enum CartesianLayout {
    /// The plot area for a canvas, leaving room for the title, an optional
    /// band above the plot (a legend), axis titles and the widest y tick label.
    static func plotArea(
        width: Double, height: Double, hasTitle: Bool, topBand: Double,
        xLabel: String, yLabel: String, yTickLabels: [String], xTicksRotated: Double = 0
    ) -> PlotArea {
        let widestTick = yTickLabels.map { Format.textWidth($0, fontSize: Theme.tickSize) }.max() ?? 0
        let left = 14 + (yLabel.isEmpty ? 0 : Theme.labelSize + 8) + widestTick + 8
        let top = 14 + (hasTitle ? Theme.titleSize + 14 : 0) + topBand
        let bottom = height - 12 - (xLabel.isEmpty ? 0 : Theme.labelSize + 8) - Theme.tickSize - 10 - xTicksRotated
        // Room on the right for the last x tick label, which is centred on
        // the plot's edge and would otherwise be clipped.
        let right = width - 22
        return PlotArea(left: left, top: top, right: right, bottom: max(top + 20, bottom))
    }
}

/// Draws axes for a pair of scales already mapped onto `area`.
struct AxesDrawing {
    let area: PlotArea
    let xScale: Scale?
    let yScale: Scale
    let showsGrid: Bool

    /// Grid lines go first so data is drawn over them.
    func grid() -> [String] {
        guard showsGrid else { return [] }
        var majorPath = ""
        var minorPath = ""
        for tick in yScale.ticks {
            guard let y = yScale.position(tick.value), y >= area.top - 0.5, y <= area.bottom + 0.5 else { continue }
            let segment = "M\(Format.pixel(area.left)),\(Format.pixel(y))H\(Format.pixel(area.right))"
            if tick.isMajor { majorPath += segment } else { minorPath += segment }
        }
        if let xScale {
            for tick in xScale.ticks {
                guard let x = xScale.position(tick.value), x >= area.left - 0.5, x <= area.right + 0.5 else { continue }
                let segment = "M\(Format.pixel(x)),\(Format.pixel(area.top))V\(Format.pixel(area.bottom))"
                if tick.isMajor { majorPath += segment } else { minorPath += segment }
            }
        }
        var lines: [String] = []
        if !minorPath.isEmpty {
            lines.append(element("path", [("class", "tn-grid"), ("d", minorPath), ("stroke-width", "0.5"), ("stroke-opacity", "0.6")]))
        }
        if !majorPath.isEmpty {
            lines.append(element("path", [("class", "tn-grid"), ("d", majorPath), ("stroke-width", "1")]))
        }
        return lines
    }

    /// Axis lines, ticks and tick labels. `xLabels` replaces numeric x ticks
    /// (bar charts put category names there instead).
    func axes(xCategoryLabels: [(position: Double, text: String)] = [], rotateXLabels: Bool = false) -> [String] {
        var lines: [String] = []
        var tickPath = "M\(Format.pixel(area.left)),\(Format.pixel(area.top))V\(Format.pixel(area.bottom))H\(Format.pixel(area.right))"
        var labels: [String] = []
        for tick in yScale.ticks {
            guard let y = yScale.position(tick.value), y >= area.top - 0.5, y <= area.bottom + 0.5 else { continue }
            let length = tick.isMajor ? 5.0 : 3.0
            tickPath += "M\(Format.pixel(area.left)),\(Format.pixel(y))h-\(Format.pixel(length))"
            if tick.isMajor {
                labels.append(textElement(tick.label, x: area.left - 8, y: y + 4, anchor: "end", className: "tn-muted"))
            }
        }
        if let xScale {
            let visible = xScale.ticks.compactMap { tick -> (Tick, Double)? in
                guard let x = xScale.position(tick.value), x >= area.left - 0.5, x <= area.right + 0.5 else { return nil }
                return (tick, x)
            }
            // Thin labels out until neighbours no longer overlap.
            let majors = visible.filter { $0.0.isMajor }
            var every = 1
            while every < majors.count {
                let kept = majors.enumerated().filter { $0.offset % every == 0 }.map(\.element)
                let crowded = zip(kept, kept.dropFirst()).contains { left, right in
                    let needed = (Format.textWidth(left.0.label, fontSize: Theme.tickSize)
                        + Format.textWidth(right.0.label, fontSize: Theme.tickSize)) / 2 + 8
                    return right.1 - left.1 < needed
                }
                if !crowded { break }
                every += 1
            }
            var majorIndex = 0
            for (tick, x) in visible {
                let length = tick.isMajor ? 5.0 : 3.0
                tickPath += "M\(Format.pixel(x)),\(Format.pixel(area.bottom))v\(Format.pixel(length))"
                if tick.isMajor {
                    if majorIndex % every == 0 {
                        labels.append(textElement(tick.label, x: x, y: area.bottom + 8 + Theme.tickSize, anchor: "middle", className: "tn-muted"))
                    }
                    majorIndex += 1
                }
            }
        }
        for category in xCategoryLabels {
            tickPath += "M\(Format.pixel(category.position)),\(Format.pixel(area.bottom))v4"
            if rotateXLabels {
                let y = area.bottom + 10
                labels.append(textElement(category.text, x: category.position, y: y + 4, anchor: "end", className: "tn-muted",
                                          extra: [("transform", "rotate(-35 \(Format.pixel(category.position)) \(Format.pixel(y)))")]))
            } else {
                labels.append(textElement(category.text, x: category.position, y: area.bottom + 8 + Theme.tickSize, anchor: "middle", className: "tn-muted"))
            }
        }
        lines.append(element("path", [("class", "tn-axis"), ("d", tickPath), ("fill", "none"), ("stroke", "currentColor"), ("stroke-width", "1")]))
        lines.append(element("g", [("class", "tn-ticks")], content: "\n" + labels.joined(separator: "\n") + "\n"))
        return lines
    }
}

/// Chart title and axis titles, placed against the canvas edges.
func chartTitles(title: String, xLabel: String, yLabel: String, width: Double, height: Double, area: PlotArea) -> [String] {
    var lines: [String] = []
    if !title.isEmpty {
        // Over the plot, or from the canvas's edge when it is too long for
        // that, in a smaller type if it is too long even then.
        let x = fittedTextWidth(title, fontSize: Theme.titleSize, bold: true) <= width - 10 - area.left ? area.left : 14
        lines.append(fittedTextElement(title, x: x, y: 14 + Theme.titleSize, maxWidth: width - 10 - x,
                                       fontSize: Theme.titleSize, bold: true, className: "tn-title"))
    }
    if !xLabel.isEmpty {
        lines.append(textElement(xLabel, x: (area.left + area.right) / 2, y: height - 12, anchor: "middle", className: "tn-label"))
    }
    if !yLabel.isEmpty {
        let x = 14 + Theme.labelSize - 2
        let y = (area.top + area.bottom) / 2
        lines.append(fittedTextElement(yLabel, x: x, y: y, maxWidth: area.height + 20, fontSize: Theme.labelSize,
                                       anchor: "middle", className: "tn-label",
                                 extra: [("transform", "rotate(-90 \(Format.pixel(x)) \(Format.pixel(y)))")]))
    }
    return lines
}

/// The stroke-dasharray for a dash style, scaled to a 2 px line.
public enum DashStyle: String, CaseIterable, Sendable {
    case solid, dashed, dotted, dashDot

    var dashArray: String? {
        switch self {
        case .solid: return nil
        case .dashed: return "7 4"
        case .dotted: return "1.5 3.5"
        case .dashDot: return "8 3 1.5 3"
        }
    }
}
