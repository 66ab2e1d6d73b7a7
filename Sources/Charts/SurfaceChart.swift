// A shaded 3-D surface for loss landscapes: the grid projected at an angle,
// cells drawn back to front (painter's algorithm), coloured by height with a
// perceptual colour map and lit gently so the shape reads.
import Foundation

public struct SurfaceChart: Chart, Sendable {
    public var title: String
    public var grid: ValueGrid
    public var xLabel: String
    public var yLabel: String
    public var zLabel: String
    /// `.log` plots log10 of the height above the minimum: steep walls
    /// (Rosenbrock) no longer flatten the valley.
    public var heightScale: AxisScale
    /// Degrees turned about the vertical axis.
    public var azimuth: Double
    /// Degrees the viewer looks down from the horizontal.
    public var elevation: Double
    public var colorMap: ColorMap
    public var width: Double
    public var height: Double

    public init(
        title: String, grid: ValueGrid, xLabel: String = "x", yLabel: String = "y", zLabel: String = "loss",
        heightScale: AxisScale = .linear, azimuth: Double = -50, elevation: Double = 32,
        colorMap: ColorMap = .viridis, width: Double = 600, height: Double = 460
    ) {
        self.title = title
        self.grid = grid
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.zLabel = zLabel
        self.heightScale = heightScale
        self.azimuth = azimuth
        self.elevation = elevation
        self.colorMap = colorMap
        self.width = width
        self.height = height
    }

    /// More than ~40 × 40 cells adds bytes, not detail, at chart size.
    private func sampled() -> ValueGrid {
        let stride = max(1, Int((Double(max(grid.rows, grid.columns)) / 40).rounded(.up)))
        guard stride > 1 else { return grid }
        let rows = Array(Swift.stride(from: 0, to: grid.rows, by: stride))
        let columns = Array(Swift.stride(from: 0, to: grid.columns, by: stride))
        return ValueGrid(xs: columns.map { grid.xs[$0] }, ys: rows.map { grid.ys[$0] },
                         values: rows.map { row in columns.map { grid.value(row: row, column: $0) } })
    }

    public func svg() -> String {
        let surface = sampled()
        let finite = surface.finiteValues
        let low = finite.min() ?? 0, high = max(finite.max() ?? 1, (finite.min() ?? 0) + 1e-12)
        let floor = (high - low) * 1e-4
        // Heights mapped to 0...1 before projection.
        func level(_ value: Double) -> Double {
            guard value.isFinite else { return .nan }
            if heightScale == .log {
                return (log10(max(value - low, floor)) - log10(floor)) / (log10(high - low) - log10(floor))
            }
            return (value - low) / (high - low)
        }
        let xLow = surface.xs.first ?? 0, xHigh = max(surface.xs.last ?? 1, xLow + 1e-12)
        let yLow = surface.ys.first ?? 0, yHigh = max(surface.ys.last ?? 1, yLow + 1e-12)
        let turn = azimuth * .pi / 180, tilt = elevation * .pi / 180
        // World coordinates: x, y in -1...1, z in 0...0.9.
        func project(_ x: Double, _ y: Double, _ z: Double) -> (x: Double, y: Double, depth: Double) {
            let u = 2 * (x - xLow) / (xHigh - xLow) - 1, v = 2 * (y - yLow) / (yHigh - yLow) - 1, w = z * 0.9
            let across = u * cos(turn) - v * sin(turn)
            let away = u * sin(turn) + v * cos(turn)
            return (across, w * cos(tilt) + away * sin(tilt), away * cos(tilt) - w * sin(tilt))
        }
        // Fit the projected box (corners of the floor and ceiling) to the canvas.
        let corners = [(xLow, yLow), (xHigh, yLow), (xHigh, yHigh), (xLow, yHigh)]
        let boxPoints = corners.flatMap { [project($0.0, $0.1, 0), project($0.0, $0.1, 1)] }
        let minX = boxPoints.map(\.x).min()!, maxX = boxPoints.map(\.x).max()!
        let minY = boxPoints.map(\.y).min()!, maxY = boxPoints.map(\.y).max()!
        let top = 14 + (title.isEmpty ? 0 : Theme.titleSize + 14) + 10
        let available = (width: width - 130 - 50, height: height - top - 50)
        let unit = min(available.width / (maxX - minX), available.height / (maxY - minY))
        let originX = 60 + (available.width - unit * (maxX - minX)) / 2
        func screen(_ point: (x: Double, y: Double, depth: Double)) -> (x: Double, y: Double) {
            (originX + (point.x - minX) * unit, top + (maxY - point.y) * unit)
        }

        var document = SVGDocument(width: width, height: height, title: title, description: describe(low: low, high: high), identity: csv())
        // The floor outline goes under the surface.
        let floorCorners = corners.map { screen(project($0.0, $0.1, 0)) }
        document.add(element("path", [("d", polylinePath(floorCorners) + "Z"), ("fill", "none"), ("class", "tn-grid"), ("stroke-width", "1")]))

        struct Cell { let depth: Double; let path: String; let color: String }
        var cells: [Cell] = []
        var skipped = 0
        let lightDirection = (x: -0.4, y: 0.5, z: 0.77)
        for row in 0..<max(0, surface.rows - 1) {
            for column in 0..<max(0, surface.columns - 1) {
                let indices = [(row, column), (row, column + 1), (row + 1, column + 1), (row + 1, column)]
                let heights = indices.map { level(surface.value(row: $0.0, column: $0.1)) }
                guard heights.allSatisfy(\.isFinite) else { skipped += 1; continue }
                let projected = zip(indices, heights).map { project(surface.xs[$0.0.1], surface.ys[$0.0.0], $0.1) }
                let depth = projected.map(\.depth).reduce(0, +) / 4
                // Lambert shading from the cell's normal keeps ridges legible
                // where the colour alone changes slowly.
                let dx = 2 / Double(max(1, surface.columns - 1)), dy = 2 / Double(max(1, surface.rows - 1))
                let slopeX = ((heights[1] + heights[2]) - (heights[0] + heights[3])) / 2 * 0.9 / dx
                let slopeY = ((heights[2] + heights[3]) - (heights[0] + heights[1])) / 2 * 0.9 / dy
                let length = sqrt(slopeX * slopeX + slopeY * slopeY + 1)
                let lambert = max(0, (-slopeX * lightDirection.x - slopeY * lightDirection.y + lightDirection.z) / length)
                let shade = 0.72 + 0.28 * lambert
                let (red, green, blue) = colorMap.rgb(heights.reduce(0, +) / 4)
                let color = ColorMap.hex(Int(Double(red) * shade), Int(Double(green) * shade), Int(Double(blue) * shade))
                cells.append(Cell(depth: depth, path: polylinePath(projected.map(screen), decimals: 1) + "Z", color: color))
            }
        }
        // Painter's algorithm: farthest first. Ties keep grid order (the
        // sort is stable on depth then path), so output stays deterministic.
        cells.sort { $0.depth != $1.depth ? $0.depth > $1.depth : $0.path < $1.path }
        let body = cells.map { "<path d=\"\($0.path)\" fill=\"\($0.color)\"/>" }.joined(separator: "\n")
        document.add(element("g", [("stroke", "#000000"), ("stroke-opacity", "0.18"), ("stroke-width", "0.4"), ("stroke-linejoin", "round")],
                             content: "\n" + body + "\n"))

        // Axes along the front floor edges, and a height axis at the left corner.
        let xEdgeY = project(0.5 * (xLow + xHigh), yLow, 0).depth < project(0.5 * (xLow + xHigh), yHigh, 0).depth ? yLow : yHigh
        let yEdgeX = project(xLow, 0.5 * (yLow + yHigh), 0).depth < project(xHigh, 0.5 * (yLow + yHigh), 0).depth ? xLow : xHigh
        // The height axis stands on the floor corner farthest left; a floor
        // axis's label at that corner would read as the height axis's, so
        // there it keeps its tick mark and drops its label.
        let leftCorner = corners.min { screen(project($0.0, $0.1, 0)).x < screen(project($1.0, $1.1, 0)).x }!
        document.add(contentsOf: edgeAxis(ticks: Scale(lower: xLow, upper: xHigh, kind: .linear, targetTickCount: 5).ticks, label: xLabel,
                                     from: xLow, to: xHigh, unlabelled: leftCorner.1 == xEdgeY ? leftCorner.0 : nil) {
            screen(project($0, xEdgeY, 0))
        } outward: { screen(project($0, xEdgeY + (xEdgeY == yLow ? -1 : 1) * (yHigh - yLow) * 0.12, 0)) })
        document.add(contentsOf: edgeAxis(ticks: Scale(lower: yLow, upper: yHigh, kind: .linear, targetTickCount: 5).ticks, label: yLabel,
                                     from: yLow, to: yHigh, unlabelled: leftCorner.0 == yEdgeX ? leftCorner.1 : nil) {
            screen(project(yEdgeX, $0, 0))
        } outward: { screen(project(yEdgeX + (yEdgeX == xLow ? -1 : 1) * (xHigh - xLow) * 0.12, $0, 0)) })
        let zTicks = heightScale == .log
            ? Scale(lower: floor, upper: high - low, kind: .log).ticks.filter(\.isMajor)
            : Scale(lower: low, upper: high, kind: .linear, targetTickCount: 5).ticks
        var zPath = "", zLabels: [String] = []
        let base = screen(project(leftCorner.0, leftCorner.1, 0)), peak = screen(project(leftCorner.0, leftCorner.1, 1))
        zPath += "M\(Format.pixel(base.x)),\(Format.pixel(base.y))L\(Format.pixel(peak.x)),\(Format.pixel(peak.y))"
        for tick in zTicks {
            let fraction = heightScale == .log ? level(low + tick.value) : level(tick.value)
            guard fraction.isFinite, fraction >= -1e-9, fraction <= 1 + 1e-9 else { continue }
            let point = screen(project(leftCorner.0, leftCorner.1, fraction))
            zPath += "M\(Format.pixel(point.x)),\(Format.pixel(point.y))h-5"
            zLabels.append(textElement(tick.label, x: point.x - 8, y: point.y + 4, anchor: "end", className: "tn-muted"))
        }
        document.add(element("path", [("d", zPath), ("stroke", "currentColor"), ("fill", "none")]))
        document.add(contentsOf: zLabels)
        document.add(textElement(zLabel + (heightScale == .log ? (abs(low) >= floor ? " − min (log)" : " (log)") : ""),
                                 x: peak.x, y: peak.y - 10, anchor: "middle", className: "tn-label"))
        if !title.isEmpty {
            document.add(canvasTitle(title, width: width))
        }
        var barScale = heightScale == .log
            ? Scale(lower: floor, upper: high - low, kind: .log)
            : Scale(lower: low, upper: high, kind: .linear)
        barScale.rangeStart = height - 60
        barScale.rangeEnd = top + 20
        document.add(contentsOf: colorMap.colorBar(x: width - 80, top: top + 20, bottom: height - 60, scale: barScale,
                                                   gradientID: document.id("scale"), label: ""))
        if finite.isEmpty {
            document.add(textElement("No finite values to draw", x: width / 2, y: height / 2, anchor: "middle", className: "tn-note tn-muted"))
        }
        if skipped > 0 {
            document.add(textElement("Not shown: \(skipped) cell\(skipped == 1 ? "" : "s") with non-finite values",
                                     x: width - 8, y: height - 6, anchor: "end", className: "tn-note tn-muted"))
        }
        return document.render()
    }

    /// Tick marks and labels along one floor edge, from `low` to `high`. A
    /// label at either end moves 10 px along the edge, inwards, away from the
    /// other floor axis's label at the corner they share; the tick at
    /// `unlabelled`, if any, has no label.
    private func edgeAxis(ticks: [Tick], label: String, from low: Double, to high: Double, unlabelled: Double? = nil,
                          at position: (Double) -> (x: Double, y: Double),
                          outward: (Double) -> (x: Double, y: Double)) -> [String] {
        var lines: [String] = []
        var path = ""
        let middle = position((low + high) / 2), tolerance = 1e-9 * max(1, abs(high - low))
        for tick in ticks {
            let from = position(tick.value), away = outward(tick.value)
            let dx = away.x - from.x, dy = away.y - from.y
            let length = max(1e-9, hypot(dx, dy))
            path += "M\(Format.pixel(from.x)),\(Format.pixel(from.y))l\(Format.pixel(dx / length * 5)),\(Format.pixel(dy / length * 5))"
            var labelX = from.x + dx / length * 16, labelY = from.y + dy / length * 16 + 4
            if abs(tick.value - low) <= tolerance || abs(tick.value - high) <= tolerance {
                let inX = middle.x - from.x, inY = middle.y - from.y, inLength = max(1e-9, hypot(inX, inY))
                labelX += inX / inLength * 10
                labelY += inY / inLength * 10
            }
            if let unlabelled, abs(tick.value - unlabelled) <= tolerance { continue }
            lines.append(textElement(tick.label, x: labelX, y: labelY, anchor: "middle", className: "tn-muted"))
        }
        if let first = ticks.first?.value, let last = ticks.last?.value {
            let middle = outward((first + last) / 2), edge = position((first + last) / 2)
            let dx = middle.x - edge.x, dy = middle.y - edge.y
            let length = max(1e-9, hypot(dx, dy))
            lines.append(textElement(label, x: edge.x + dx / length * 36, y: edge.y + dy / length * 36 + 4, anchor: "middle", className: "tn-label"))
        }
        lines.insert(element("path", [("d", path), ("stroke", "currentColor"), ("fill", "none")]), at: 0)
        return lines
    }

    private func describe(low: Double, high: Double) -> String {
        "Surface of \(zLabel) over \(xLabel) from \(Format.readable(grid.xs.first ?? 0)) to \(Format.readable(grid.xs.last ?? 0)) and \(yLabel) from \(Format.readable(grid.ys.first ?? 0)) to \(Format.readable(grid.ys.last ?? 0)); heights from \(Format.readable(low)) to \(Format.readable(high))\(heightScale == .log ? ", on a log scale" : "")."
    }

    public func csv() -> String {
        var table = CSVTable(header: ["x", "y", zLabel])
        for (row, y) in grid.ys.enumerated() {
            for (column, x) in grid.xs.enumerated() {
                table.append([.number(x), .number(y), .number(grid.value(row: row, column: column))])
            }
        }
        return table.text
    }
}
