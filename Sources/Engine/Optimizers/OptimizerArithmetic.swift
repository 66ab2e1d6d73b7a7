// Element-wise helpers shared by the optimizers, written to round exactly like
// the PyTorch CPU kernels they mirror, plus the lazily allocated state buffers.
//
// Matching PyTorch to 1e-6 over hundreds of steps needs more than the same
// formula: the same order of operations. PyTorch's `lerp_` switches formula at
// weight 0.5, `addcmul_` computes self + (value·t1)·t2 and `addcdiv_` computes
// self + (value·t1)/t2. The helpers below spell those out once.

/// PyTorch's `torch.lerp(start, end, weight)` for a scalar weight: the
/// formula used depends on the weight so that both ends are exact.
@inline(__always)
func torchLerp<Scalar: BinaryFloatingPoint>(
    _ start: Scalar, _ end: Scalar, weight: Scalar, weightIsSmall: Bool
) -> Scalar {
    weightIsSmall
        ? start + weight * (end - start)
        : end - (end - start) * (1 - weight)
}

/// Whether PyTorch takes the `start + weight·(end − start)` branch of lerp.
@inline(__always)
func lerpWeightIsSmall(_ weight: Double) -> Bool { abs(weight) < 0.5 }

extension Array where Element: BinaryFloatingPoint {
    /// Sizes an optimizer state buffer on the first step and leaves it alone
    /// afterwards, so that only the first step allocates.
    @inline(__always)
    mutating func ensureStateCount(_ count: Int, initialValue: Element = 0) {
        if self.count != count {
            self = [Element](repeating: initialValue, count: count)
        }
    }
}

/// Checks the one thing every optimizer needs from its caller.
@inline(__always)
func checkSameCount(_ name: String, _ parameters: Int, _ gradients: Int) {
    precondition(parameters == gradients,
                 "\(name): \(parameters) parameters but \(gradients) gradients")
}
