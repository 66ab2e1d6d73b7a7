// The optimizer interface: one small value per optimizer that owns its state
// and updates the model's flat parameter buffer in one pass.
//
// Every parameter of a model lives in one contiguous buffer and every gradient
// in another with the same layout (see ParameterStore), so an optimizer never
// needs to know about layers. The same value also drives the 2-D explorer,
// where the "model" is a two-element vector of Float or Double.

/// An optimizer over a flat buffer of `Scalar`s.
///
/// Conformers keep whatever state they need (momentum buffers, second-moment
/// estimates, the step count) and allocate it lazily on the first step, sized
/// to the buffer they are given; later steps must not allocate.
public protocol Optimizer<Scalar> {
    associatedtype Scalar: BinaryFloatingPoint

    /// The name used on the command line and in figure legends ("sgd", "adam").
    var name: String { get }

    /// The learning rate of the next step. Schedules change it between steps.
    var learningRate: Double { get set }

    /// Applies one update to `parameters` from `gradients` (same count).
    mutating func step(
        parameters: UnsafeMutableBufferPointer<Scalar>,
        gradients: UnsafeBufferPointer<Scalar>
    )

    /// Forgets all state, as if no step had been taken.
    mutating func reset()

    /// True when a step is exactly θ ← θ − η g with no state (plain gradient
    /// descent), so a trainer may fold it into the backward pass.
    var isPlainGradientDescent: Bool { get }
}

extension Optimizer {
    public var isPlainGradientDescent: Bool { false }
}
