// Elementwise kernels written with explicit 8-wide SIMD.
//
// The compiler will not vectorise float reductions (it may not reorder the
// additions) nor ReLU's select when written as a branch, and these loops run
// for every activation of every step, so they are spelled out here once.
//
// Each loop runs its index up to `vectorEnd(count)` and steps it with
// wrapping adds: the index can never pass `count`, and a checked add would
// put an overflow test and two more instructions into every trip of loops a
// few instructions long (the batch-1 weight update spent a quarter of a
// step in one), which also made their speed hang on where the linker
// happened to place them.

public enum Vectorized {
    public typealias Vector = SIMD8<Float>
    public static let width = 8

    /// The end of the whole vectors in `count` elements.
    @inline(__always)
    static func vectorEnd(_ count: Int) -> Int { count - count % width }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ i: Int) -> Vector {
        UnsafeRawPointer(p + i).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: Vector.self)
    }

    /// Σ x[i].
    @inline(__always)
    public static func sum(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
        var accumulator = Vector()
        var i = 0
        let end = vectorEnd(count)
        while i < end { accumulator += load(x, i); i &+= width }
        var total = accumulator.sum()
        while i < count { total += x[i]; i &+= 1 }
        return total
    }

    /// Σ (x[i] − center)².
    @inline(__always)
    public static func sumOfSquaredDeviations(_ x: UnsafePointer<Float>, _ count: Int, from center: Float) -> Float {
        var accumulator = Vector()
        let c = Vector(repeating: center)
        var i = 0
        let end = vectorEnd(count)
        while i < end { let d = load(x, i) - c; accumulator += d * d; i &+= width }
        var total = accumulator.sum()
        while i < count { let d = x[i] - center; total += d * d; i &+= 1 }
        return total
    }

    /// y = max(x, 0).
    @inline(__always)
    public static func relu(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, _ count: Int) {
        // `replacing(with:where:)` compiles to one compare and blend; the
        // generic `pointwiseMax` stayed an out-of-line call.
        var i = 0
        let end = vectorEnd(count)
        while i < end {
            let v = load(x, i)
            store(v.replacing(with: 0, where: v .< 0), y, i)
            i &+= width
        }
        while i < count { y[i] = max(x[i], 0); i &+= 1 }
    }

    /// dx = dy where y > 0, else 0.
    @inline(__always)
    public static func reluBackward(output y: UnsafePointer<Float>, gradient dy: UnsafePointer<Float>,
                                    into dx: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        let end = vectorEnd(count)
        while i < end {
            store(load(dy, i).replacing(with: 0, where: load(y, i) .<= 0), dx, i)
            i &+= width
        }
        while i < count { dx[i] = y[i] > 0 ? dy[i] : 0; i &+= 1 }
    }

    /// c = a ⊙ b.
    @inline(__always)
    public static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                into c: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        let end = vectorEnd(count)
        while i < end { store(load(a, i) * load(b, i), c, i); i &+= width }
        while i < count { c[i] = a[i] * b[i]; i &+= 1 }
    }

    /// y += x.
    @inline(__always)
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        let end = vectorEnd(count)
        while i < end { store(load(y, i) + load(x, i), y, i); i &+= width }
        while i < count { y[i] += x[i]; i &+= 1 }
    }

    /// y += a·x.
    @inline(__always)
    public static func addScaled(_ x: UnsafePointer<Float>, by a: Float, into y: UnsafeMutablePointer<Float>, _ count: Int) {
        let scale = Vector(repeating: a)
        var i = 0
        let end = vectorEnd(count)
        while i < end { store(load(y, i) + scale * load(x, i), y, i); i &+= width }
        while i < count { y[i] += a * x[i]; i &+= 1 }
    }
}
