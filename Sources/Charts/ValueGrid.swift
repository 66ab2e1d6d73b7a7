// A 2-D function sampled on a rectangular grid, and marching squares to
// trace its contour lines. Contour and surface charts both start from here.
import Foundation

/// Values of f(x, y) at every (xs[column], ys[row]).
public struct ValueGrid: Sendable {
    /// Column coordinates, increasing.
    public let xs: [Double]
    /// Row coordinates, increasing (row 0 is drawn at the bottom).
    public let ys: [Double]
    /// values[row][column].
    public let values: [[Double]]

    public init(xs: [Double], ys: [Double], values: [[Double]]) {
        self.xs = xs
        self.ys = ys
        self.values = values
    }

    /// Samples `function` on `resolution` × `resolution` points spanning the ranges.
    public init(x: ClosedRange<Double>, y: ClosedRange<Double>, resolution: Int = 80, function: (Double, Double) -> Double) {
        let count = max(2, resolution)
        func samples(_ range: ClosedRange<Double>) -> [Double] {
            (0..<count).map { range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / Double(count - 1) }
        }
        let xs = samples(x), ys = samples(y)
        self.init(xs: xs, ys: ys, values: ys.map { yValue in xs.map { function($0, yValue) } })
    }

    var rows: Int { values.count }
    var columns: Int { values.first?.count ?? 0 }

    func value(row: Int, column: Int) -> Double {
        row < values.count && column < values[row].count ? values[row][column] : .nan
    }

    var finiteValues: [Double] { values.joined().filter(\.isFinite) }
}

/// Contour lines by marching squares, joined into polylines.
enum MarchingSquares {
    /// The contour lines of `grid` at `level`, in data coordinates. Closed
    /// loops repeat their first point at the end.
    static func lines(_ grid: ValueGrid, level: Double) -> [[(x: Double, y: Double)]] {
        let rows = grid.rows, columns = grid.columns
        guard rows >= 2, columns >= 2, grid.xs.count >= columns, grid.ys.count >= rows else { return [] }
        // Each crossing lies on a grid edge; naming edges with integers lets
        // neighbouring cells' segments meet exactly, with no float matching.
        func horizontal(_ row: Int, _ column: Int) -> Int { (row * columns + column) * 2 }
        func vertical(_ row: Int, _ column: Int) -> Int { (row * columns + column) * 2 + 1 }

        var crossings: [Int: (x: Double, y: Double)] = [:]
        func crossing(_ edge: Int) -> (x: Double, y: Double) {
            if let point = crossings[edge] { return point }
            let cellIndex = edge / 2
            let row = cellIndex / columns, column = cellIndex % columns
            let (row2, column2) = edge % 2 == 0 ? (row, column + 1) : (row + 1, column)
            let a = grid.value(row: row, column: column), b = grid.value(row: row2, column: column2)
            let t = a == b ? 0.5 : min(1, max(0, (level - a) / (b - a)))
            let point = (x: grid.xs[column] + (grid.xs[column2] - grid.xs[column]) * t,
                         y: grid.ys[row] + (grid.ys[row2] - grid.ys[row]) * t)
            crossings[edge] = point
            return point
        }

        var segments: [(Int, Int)] = []
        for row in 0..<(rows - 1) {
            for column in 0..<(columns - 1) {
                let v0 = grid.value(row: row, column: column), v1 = grid.value(row: row, column: column + 1)
                let v2 = grid.value(row: row + 1, column: column + 1), v3 = grid.value(row: row + 1, column: column)
                // A cell touching a bad value has no trustworthy crossing.
                guard v0.isFinite, v1.isFinite, v2.isFinite, v3.isFinite else { continue }
                let bottom = horizontal(row, column), right = vertical(row, column + 1)
                let top = horizontal(row + 1, column), left = vertical(row, column)
                let index = (v0 >= level ? 1 : 0) | (v1 >= level ? 2 : 0) | (v2 >= level ? 4 : 0) | (v3 >= level ? 8 : 0)
                let centreAbove = (v0 + v1 + v2 + v3) / 4 >= level
                switch index {
                case 1, 14: segments.append((left, bottom))
                case 2, 13: segments.append((bottom, right))
                case 3, 12: segments.append((left, right))
                case 4, 11: segments.append((right, top))
                case 6, 9: segments.append((bottom, top))
                case 7, 8: segments.append((left, top))
                case 5:
                    // Saddle: the centre decides which corners connect.
                    if centreAbove { segments += [(bottom, right), (top, left)] } else { segments += [(left, bottom), (right, top)] }
                case 10:
                    if centreAbove { segments += [(left, bottom), (right, top)] } else { segments += [(bottom, right), (top, left)] }
                default: break
                }
            }
        }

        var byEdge: [Int: [Int]] = [:]
        for (index, segment) in segments.enumerated() {
            byEdge[segment.0, default: []].append(index)
            byEdge[segment.1, default: []].append(index)
        }
        var used = [Bool](repeating: false, count: segments.count)
        var lines: [[(x: Double, y: Double)]] = []
        // Extends a chain from `edge` through unused segments.
        func walk(from edge: Int) -> [Int] {
            var chain: [Int] = []
            var current = edge
            while let next = byEdge[current]?.first(where: { !used[$0] }) {
                used[next] = true
                current = segments[next].0 == current ? segments[next].1 : segments[next].0
                chain.append(current)
            }
            return chain
        }
        for index in segments.indices where !used[index] {
            used[index] = true
            let (start, end) = segments[index]
            let forward = walk(from: end)
            let backward = walk(from: start)
            let edges = backward.reversed() + [start, end] + forward
            lines.append(edges.map(crossing))
        }
        return lines
    }
}
