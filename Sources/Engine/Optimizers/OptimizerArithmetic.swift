// Element-wise helpers shared by the optimizers, written to round exactly like
// the PyTorch CPU kernels they mirror, plus the lazily allocated state buffers.
//
// Matching PyTorch to 1e-6 over hundreds of steps needs more than the same
// formula: the same order of operations. PyTorch's `lerp_` switches formula at
// weight 0.5, `addcmul_` computes self + (value·t1)·t2 and `addcdiv_` computes
// self + (value·t1)/t2. And PyTorch's CPU build contracts the multiply-adds
// of `add_(x, alpha=)`, `addcmul_` and `lerp_` into fused multiply-adds (one
// rounding), while `addcdiv_` rounds the quotient first; we checked each of
// those against torch 2.15 on random inputs. The helpers below spell it out.

/// a·b + c with a single rounding, as PyTorch's fused kernels compute it.
///
/// For Float the product of two Floats is exact in Double, so the Double sum
/// rounded back to Float equals the fused result except in rare double-rounding
/// ties; unlike a call to `fmaf` it vectorises on any x86-64, which keeps the
/// network's optimizer step memory-bound. Other types use the true fma.
///
/// Where the build targets CPUs with FMA instructions (TN_NATIVE_FMA, set by
/// Package.swift for x86-64 release builds; always on arm64) the hardware
/// instruction does it directly, at three times the speed.
@inline(__always)
func multiplyAdd<Scalar: BinaryFloatingPoint>(_ a: Scalar, _ b: Scalar, _ c: Scalar) -> Scalar {
    #if TN_NATIVE_FMA || arch(arm64)
    return c.addingProduct(a, b)
    #else
    if Scalar.self == Float.self {
        let x = unsafeBitCast(a, to: Float.self)
        let y = unsafeBitCast(b, to: Float.self)
        let z = unsafeBitCast(c, to: Float.self)
        return unsafeBitCast(Float(Double(x) * Double(y) + Double(z)), to: Scalar.self)
    }
    return c.addingProduct(a, b)
    #endif
}

/// The correctly rounded square root, NaN for negative input, as sqrt is.
///
/// Swift lowers `squareRoot()` on Linux to a call of libm's sqrtf/sqrt, which
/// may set errno for a negative argument, and that call stops the loop from
/// vectorising. Mapping negative input to NaN first (what sqrt returns for
/// it anyway) lets LLVM prove errno untouched and use sqrtps/sqrtpd.
@inline(__always)
func squareRoot<Scalar: BinaryFloatingPoint>(_ x: Scalar) -> Scalar {
    (x < 0 ? Scalar.nan : x).squareRoot()
}

/// PyTorch's `torch.lerp(start, end, weight)` for a scalar weight: the
/// formula used depends on the weight so that both ends are exact.
@inline(__always)
func torchLerp<Scalar: BinaryFloatingPoint>(
    _ start: Scalar, _ end: Scalar, weight: Scalar, weightIsSmall: Bool
) -> Scalar {
    weightIsSmall
        ? multiplyAdd(weight, end - start, start)
        : multiplyAdd(-(end - start), 1 - weight, end)
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

/// The checks every Adam-family optimizer makes on its hyperparameters.
func requireAdamHyperparameters(_ name: String, learningRate: Double, beta1: Double, beta2: Double,
                                epsilon: Double, weightDecay: Double) {
    precondition(learningRate >= 0, "\(name): learning rate must be >= 0, got \(learningRate)")
    precondition((0..<1).contains(beta1), "\(name): beta1 must be in [0, 1), got \(beta1)")
    precondition((0..<1).contains(beta2), "\(name): beta2 must be in [0, 1), got \(beta2)")
    precondition(epsilon >= 0, "\(name): eps must be >= 0, got \(epsilon)")
    precondition(weightDecay >= 0, "\(name): weight decay must be >= 0, got \(weightDecay)")
}
