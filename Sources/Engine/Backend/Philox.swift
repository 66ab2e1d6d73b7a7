// Philox-4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel Random Numbers: As
// Easy as 1, 2, 3", SC'11): a counter-based generator, the CPU twin of the
// one in the dropout kernels. Any element's random bits are a pure function
// of (counter, key), so GPU threads need no state and a mask can be
// recomputed in the backward pass instead of stored.

public enum Philox {
    public typealias Counter = (UInt32, UInt32, UInt32, UInt32)
    public typealias Key = (UInt32, UInt32)

    private static let multiplier0: UInt32 = 0xD251_1F53
    private static let multiplier1: UInt32 = 0xCD9E_8D57
    private static let weyl0: UInt32 = 0x9E37_79B9  // golden ratio
    private static let weyl1: UInt32 = 0xBB67_AE85  // √3 − 1

    @inline(__always)
    private static func round(_ c: Counter, _ k: Key) -> Counter {
        let product0 = UInt64(multiplier0) &* UInt64(c.0)
        let product1 = UInt64(multiplier1) &* UInt64(c.2)
        let high0 = UInt32(truncatingIfNeeded: product0 >> 32), low0 = UInt32(truncatingIfNeeded: product0)
        let high1 = UInt32(truncatingIfNeeded: product1 >> 32), low1 = UInt32(truncatingIfNeeded: product1)
        return (high1 ^ c.1 ^ k.0, low1, high0 ^ c.3 ^ k.1, low0)
    }

    /// Ten rounds; the key is bumped by the Weyl constants between rounds.
    public static func generate(counter: Counter, key: Key) -> Counter {
        var c = round(counter, key)
        var k = key
        for _ in 1..<10 {
            k = (k.0 &+ weyl0, k.1 &+ weyl1)
            c = round(c, k)
        }
        return c
    }

    /// Word `lane` (0…3) of a block, as the kernels' philox_word.
    @inline(__always)
    public static func word(_ bits: Counter, _ lane: Int) -> UInt32 {
        switch lane {
        case 0: return bits.0
        case 1: return bits.1
        case 2: return bits.2
        default: return bits.3
        }
    }

    /// The top 24 bits as a uniform Float in [0, 1), exactly representable.
    @inline(__always)
    public static func unitFloat(_ word: UInt32) -> Float {
        Float(word >> 8) * (1.0 / 16_777_216.0)
    }
}

/// Where one dropout layer's masks come from: a key from the model's seed,
/// a stream number per layer and the optimizer step counter.
public struct DropoutStream: Sendable, Equatable {
    public var key: (UInt32, UInt32)
    public var stream: UInt32

    public init(key: (UInt32, UInt32), stream: UInt32) {
        self.key = key
        self.stream = stream
    }

    /// The keep multiplier (0 or 1/(1 − p)) of element `index` at step `step`.
    @inline(__always)
    public func multiplier(index: Int, step: UInt32, probability: Float) -> Float {
        let bits = Philox.generate(counter: (UInt32(truncatingIfNeeded: index / 4), 0, stream, step), key: key)
        let uniform = Philox.unitFloat(Philox.word(bits, index % 4))
        return uniform >= probability ? 1 / (1 - probability) : 0
    }

    public static func == (a: DropoutStream, b: DropoutStream) -> Bool {
        a.key == b.key && a.stream == b.stream
    }
}
