// Gradient clipping by global norm, with the semantics of PyTorch's
// torch.nn.utils.clip_grad_norm_: the gradient is scaled by
// min(1, maxNorm / (‖g‖ + 1e-6)), and the norm before clipping is returned.
//
// The sum of squares is accumulated in Double with eight partial sums, so it
// neither loses precision over a million Floats nor waits on one long chain
// of dependent additions.

/// Scales `gradients` in place so that their Euclidean norm is at most
/// `maxNorm`, and returns the norm they had before. A non-finite norm is
/// returned as is, and (as in PyTorch without error_if_nonfinite) the
/// gradient is then multiplied by a NaN coefficient; the caller decides.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
@discardableResult
public func clipGlobalNorm<Scalar: BinaryFloatingPoint>(
    _ gradients: UnsafeMutableBufferPointer<Scalar>, maxNorm: Double
) -> Double {
    precondition(maxNorm >= 0, "clipGlobalNorm: max norm must be >= 0, got \(maxNorm)")
    let norm = globalNorm(UnsafeBufferPointer(gradients))
    let coefficient = min(maxNorm / (norm + 1e-6), 1.0)
    // PyTorch clamps a NaN coefficient to NaN, not to 1; `min` would pick 1.
    let scale = Scalar(norm.isNaN ? Double.nan : coefficient)
    if coefficient < 1 || norm.isNaN, let g = gradients.baseAddress {
        for i in 0..<gradients.count { g[i] = g[i] * scale }
    }
    return norm
}

/// The Euclidean norm of `values`, accumulated in Double.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func globalNorm<Scalar: BinaryFloatingPoint>(_ values: UnsafeBufferPointer<Scalar>) -> Double {
    guard let v = values.baseAddress else { return 0 }
    let count = values.count
    var partial = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    var i = 0
    while i + 8 <= count {
        let a0 = Double(v[i]), a1 = Double(v[i + 1]), a2 = Double(v[i + 2]), a3 = Double(v[i + 3])
        let a4 = Double(v[i + 4]), a5 = Double(v[i + 5]), a6 = Double(v[i + 6]), a7 = Double(v[i + 7])
        partial.0 += a0 * a0; partial.1 += a1 * a1; partial.2 += a2 * a2; partial.3 += a3 * a3
        partial.4 += a4 * a4; partial.5 += a5 * a5; partial.6 += a6 * a6; partial.7 += a7 * a7
        i += 8
    }
    var sum = ((partial.0 + partial.1) + (partial.2 + partial.3))
        + ((partial.4 + partial.5) + (partial.6 + partial.7))
    while i < count {
        let a = Double(v[i])
        sum += a * a
        i += 1
    }
    return sum.squareRoot()
}
