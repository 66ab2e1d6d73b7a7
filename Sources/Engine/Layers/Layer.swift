// The layer interface: a forward/backward pair with explicit sizes.
//
// A layer owns the activations it needs for its backward pass (sized once per
// batch capacity by `reserve`) and a view into the model's flat parameter and
// gradient buffers (given by `bind`). Backward *overwrites* its gradient view
// with this batch's gradient: every parameter is used once per forward pass,
// so no zeroing pass over the gradient buffer is needed between steps.

/// Whether dropout is active: training draws masks, evaluation is the identity.
public enum Mode: Sendable {
    case training
    case evaluation
}

public protocol Layer: AnyObject {
    /// A short description such as `Linear(784, 512)`.
    var description: String { get }
    var inputFeatures: Int { get }
    var outputFeatures: Int { get }
    /// How many Float parameters this layer owns in the flat buffer.
    var parameterCount: Int { get }

    /// Points the layer at its slices of the flat parameter and gradient buffers.
    func bind(parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>)
    /// Fills the parameters with their initial values.
    func initializeParameters(using generator: inout RandomGenerator)
    /// Allocates activation buffers for batches of up to `batchCapacity` rows.
    func reserve(batchCapacity: Int)
    /// Computes the output for `input` into the layer's own buffer.
    func forward(_ input: Matrix, mode: Mode) -> Matrix
    /// Given dLoss/dOutput for the last forward call, writes the parameter
    /// gradients and returns dLoss/dInput (nil when `needsInputGradient` is false,
    /// as for the first layer, whose input is data).
    func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix?
}

extension Layer {
    public var parameterCount: Int { 0 }
    public func bind(parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>) {}
    public func initializeParameters(using generator: inout RandomGenerator) {}
}

/// Activation storage that grows only when a larger batch arrives.
struct ActivationBuffer {
    private(set) var tensor: Tensor?
    let columns: Int

    init(columns: Int) { self.columns = columns }

    mutating func reserve(rows: Int) {
        if let tensor, tensor.rows >= rows { return }
        tensor = Tensor(shape: [rows, columns])
    }

    /// The first `rows` rows, growing the buffer if a larger batch arrives
    /// than was reserved (so a layer can also be used on its own).
    mutating func matrix(rows: Int) -> Matrix {
        reserve(rows: rows)
        return tensor!.matrix(rows: rows)
    }
}
