// Synthetic sequence-to-sequence tasks whose right attention pattern is known,
// generated in code: the model sees a sequence of tokens and must output, at
// every position, the token the task asks for there.
//
// Training and held-out sequences are disjoint by construction: a hash of the
// tokens puts every possible sequence on exactly one side.

public struct SequenceTask: Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Output position i is input position T−1−i: the anti-diagonal.
        case reversal
        /// Output position i is input position i−1 (position 0 copies itself,
        /// having no predecessor): the diagonal just below the main one.
        case previousToken
        /// Output position i is the i-th smallest input token: where to look
        /// depends on the tokens' values, not only on positions.
        case sort
    }

    public let kind: Kind
    public let length: Int
    public let alphabet: Int
    /// One held-out sequence in `heldOutFraction`, chosen by hash.
    public let heldOutFraction: Int

    public init(kind: Kind, length: Int, alphabet: Int, heldOutFraction: Int = 8) {
        precondition(length >= 2 && alphabet >= 2, "SequenceTask: needs length ≥ 2 and alphabet ≥ 2")
        precondition(heldOutFraction >= 2, "SequenceTask: heldOutFraction must be ≥ 2")
        self.kind = kind
        self.length = length
        self.alphabet = alphabet
        self.heldOutFraction = heldOutFraction
    }

    public static func reversal(length: Int = 8, alphabet: Int = 10) -> SequenceTask {
        SequenceTask(kind: .reversal, length: length, alphabet: alphabet)
    }
    public static func previousToken(length: Int = 8, alphabet: Int = 10) -> SequenceTask {
        SequenceTask(kind: .previousToken, length: length, alphabet: alphabet)
    }
    public static func sort(length: Int = 8, alphabet: Int = 10) -> SequenceTask {
        SequenceTask(kind: .sort, length: length, alphabet: alphabet)
    }

    public var description: String { "\(kind.rawValue) of \(length) tokens over \(alphabet)" }
    /// Inputs and outputs share one alphabet, so the model's vocabulary is it.
    public var vocabulary: Int { alphabet }
    /// Previous-token is the task a causal model can do (it only looks back).
    public var suggestsCausalMask: Bool { kind == .previousToken }

    /// The right output sequence for `input`.
    public func target(for input: [Int32]) -> [Int32] {
        precondition(input.count == length, "\(description): input has \(input.count) tokens")
        switch kind {
        case .reversal: return input.reversed()
        case .previousToken: return [input[0]] + input.dropLast()
        case .sort: return input.sorted()
        }
    }

    /// The input position the output at each position should read from.
    /// For sort with repeated tokens, equal tokens are taken left to right.
    public func sourcePositions(for input: [Int32]) -> [Int] {
        switch kind {
        case .reversal: return (0..<length).map { length - 1 - $0 }
        case .previousToken: return (0..<length).map { max($0 - 1, 0) }
        case .sort: return input.indices.sorted { (input[$0], $0) < (input[$1], $1) }
        }
    }

    /// For every output position, the input positions holding the token it
    /// needs: one position for reversal and previous-token; for sort, every
    /// position holding the i-th smallest value (equal tokens are interchangeable).
    public func answerPositions(for input: [Int32]) -> [[Int]] {
        let target = target(for: input)
        switch kind {
        case .reversal, .previousToken: return sourcePositions(for: input).map { [$0] }
        case .sort: return target.map { value in input.indices.filter { input[$0] == value } }
        }
    }

    /// The known answer as an attention pattern: row i spreads its mass evenly
    /// over the positions output i can read from.
    public func expectedAttention(for input: [Int32]) -> [[Float]] {
        answerPositions(for: input).map { positions in
            (0..<length).map { positions.contains($0) ? 1 / Float(positions.count) : 0 }
        }
    }

    /// How much of a head's attention falls on the right positions, averaged
    /// over query positions: 1 for a head that looks exactly where the task
    /// says, about (positions per answer)/length for a uniform one.
    public func attentionMassOnAnswer(_ attention: [[Float]], for input: [Int32]) -> Double {
        let answers = answerPositions(for: input)
        precondition(attention.count == length, "attentionMassOnAnswer: map has \(attention.count) rows, task has \(length) positions")
        var total = 0.0
        for (row, positions) in zip(attention, answers) {
            total += positions.reduce(0.0) { $0 + Double(row[$1]) }
        }
        return total / Double(length)
    }

    /// Whether `input` belongs to the held-out side of the split.
    public func isHeldOut(_ input: [Int32]) -> Bool {
        // FNV-1a over the tokens: cheap and well spread for short sequences.
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for token in input {
            hash ^= UInt64(UInt32(bitPattern: token))
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash % UInt64(heldOutFraction) == 0
    }

    /// A uniformly random sequence from the training or the held-out side.
    public func sample(heldOut: Bool, using generator: inout RandomGenerator) -> [Int32] {
        // Rejection sampling; a tiny task (say 2 tokens over 2) can have an
        // empty side, which must stop with a message rather than spin.
        for _ in 0..<100_000 {
            let input = (0..<length).map { _ in Int32(generator.next() % UInt64(alphabet)) }
            if isHeldOut(input) == heldOut { return input }
        }
        preconditionFailure("\(description): found no \(heldOut ? "held-out" : "training") sequence; the task is too small to split")
    }

    /// `count` sequences laid end to end, with their targets likewise.
    public func batch(count: Int, heldOut: Bool, using generator: inout RandomGenerator) -> (inputs: [Int32], targets: [Int32]) {
        var inputs: [Int32] = [], targets: [Int32] = []
        inputs.reserveCapacity(count * length)
        targets.reserveCapacity(count * length)
        for _ in 0..<count {
            let input = sample(heldOut: heldOut, using: &generator)
            inputs += input
            targets += target(for: input)
        }
        return (inputs, targets)
    }
}
