// Principal directions of an optimizer's path through parameter space: the
// plane that best explains how the parameters moved, so that a 2-D contour of
// the loss can show the actual path (Li et al., 2018, section 7).

public struct TrajectoryProjection: Sendable {
    /// The two principal directions, unit length, each over all parameters.
    public var directions: ([Float], [Float])
    /// Share of the path's variance that each direction explains.
    public var explainedVariance: (Double, Double)
    /// Each snapshot's coordinates in the plane, relative to the last snapshot.
    public var coordinates: [(x: Double, y: Double)]
}

public enum TrajectoryPCA {
    /// PCA of the snapshots' offsets from the final parameters. With n
    /// snapshots of d parameters (n ≪ d) it decomposes the n×n Gram matrix
    /// instead of the d×d covariance.
    public static func project(snapshots: [[Float]]) -> TrajectoryProjection {
        precondition(snapshots.count >= 3, "TrajectoryPCA: need at least 3 snapshots, got \(snapshots.count)")
        let final = snapshots[snapshots.count - 1]
        let d = final.count
        let offsets = snapshots.dropLast().map { snapshot -> [Float] in
            precondition(snapshot.count == d, "TrajectoryPCA: snapshots differ in size")
            return (0..<d).map { snapshot[$0] - final[$0] }
        }
        let n = offsets.count
        var gram = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in i..<n {
                var dot = 0.0
                offsets[i].withUnsafeBufferPointer { a in
                    offsets[j].withUnsafeBufferPointer { b in
                        for k in 0..<d { dot += Double(a[k]) * Double(b[k]) }
                    }
                }
                gram[i][j] = dot
                gram[j][i] = dot
            }
        }
        let (values, vectors) = SymmetricEigen.decompose(gram)
        let total = values.reduce(0) { $0 + max($1, 0) }
        func direction(_ k: Int) -> [Float] {
            var v = [Double](repeating: 0, count: d)
            for i in 0..<n where vectors[i][k] != 0 {
                let weight = vectors[i][k]
                offsets[i].withUnsafeBufferPointer { row in
                    for j in 0..<d { v[j] += weight * Double(row[j]) }
                }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { Float($0 / max(norm, 1e-30)) }
        }
        let first = direction(0), second = direction(1)
        var coordinates: [(x: Double, y: Double)] = offsets.map { offset in
            var x = 0.0, y = 0.0
            for j in 0..<d { x += Double(offset[j]) * Double(first[j]); y += Double(offset[j]) * Double(second[j]) }
            return (x, y)
        }
        coordinates.append((0, 0))
        return TrajectoryProjection(directions: (first, second),
                                    explainedVariance: (max(values[0], 0) / max(total, 1e-300), max(values[1], 0) / max(total, 1e-300)),
                                    coordinates: coordinates)
    }
}

/// Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations.
public enum SymmetricEigen {
    /// Eigenvalues in decreasing order, and eigenvectors as columns
    /// (`vectors[i][k]` is component i of eigenvector k).
    public static func decompose(_ matrix: [[Double]]) -> (values: [Double], vectors: [[Double]]) {
        let n = matrix.count
        var a = matrix
        var v = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        for _ in 0..<100 {
            var offDiagonal = 0.0
            for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { offDiagonal += a[i][j] * a[i][j] } }
            if offDiagonal < 1e-22 * max(1, (0..<n).reduce(0) { $0 + a[$1][$1] * a[$1][$1] }) { break }
            for p in 0..<n {
                for q in (p + 1)..<max(n, p + 1) where abs(a[p][q]) > 1e-300 {
                    // The rotation that zeroes a[p][q].
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k][p], akq = a[k][q]
                        a[k][p] = c * akp - s * akq
                        a[k][q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p][k], aqk = a[q][k]
                        a[p][k] = c * apk - s * aqk
                        a[q][k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k][p], vkq = v[k][q]
                        v[k][p] = c * vkp - s * vkq
                        v[k][q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0][$0] > a[$1][$1] }
        return (order.map { a[$0][$0] }, (0..<n).map { i in order.map { v[i][$0] } })
    }
}
