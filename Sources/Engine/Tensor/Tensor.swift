// Contiguous Float32 buffers with a shape, and the row-major matrix views the
// layers compute on.
//
// A Tensor owns its memory and is allocated once; layers keep tensors sized for
// the largest batch they will see and compute on `Matrix` views of the first
// `rows` rows, so a short last batch reuses the same memory.
import Foundation

/// A shape mismatch or other misuse of buffers, naming both shapes.
public struct ShapeError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Formats a shape the way the error messages show it: `[512, 784]`.
public func describeShape(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}

/// An owned, 64-byte-aligned buffer of Float32 values with a shape.
public final class Tensor {
    /// Bytes held by all live tensors: what the engine really allocates, which
    /// the memory chapter measures per batch size.
    public static var liveBytes: Int {
        accountingLock.lock(); defer { accountingLock.unlock() }
        return allocatedBytes
    }
    nonisolated(unsafe) private static var allocatedBytes = 0
    private static let accountingLock = NSLock()

    public let shape: [Int]
    public let count: Int
    public let data: UnsafeMutablePointer<Float>

    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(describeShape(shape))")
        self.shape = shape
        self.count = shape.reduce(1, *)
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        self.data = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        data.initialize(repeating: value, count: max(count, 1))
        Self.accountingLock.lock()
        Self.allocatedBytes += max(count, 1) * MemoryLayout<Float>.stride
        Self.accountingLock.unlock()
    }

    public convenience init(shape: [Int], values: [Float]) throws {
        let expected = shape.reduce(1, *)
        guard values.count == expected else {
            throw ShapeError("Tensor: \(values.count) values do not fill shape \(describeShape(shape)) (\(expected) elements)")
        }
        self.init(shape: shape)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: expected) }
    }

    deinit {
        UnsafeMutableRawPointer(data).deallocate()
        Self.accountingLock.lock()
        Self.allocatedBytes -= max(count, 1) * MemoryLayout<Float>.stride
        Self.accountingLock.unlock()
    }

    /// Rows when read as a matrix: the first dimension.
    public var rows: Int { shape.first ?? 1 }
    /// Columns when read as a matrix: the product of the other dimensions.
    public var columns: Int { rows == 0 ? 0 : count / rows }

    public subscript(index: Int) -> Float {
        get { data[index] }
        set { data[index] = newValue }
    }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }
    public var array: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    public func fill(_ value: Float) { data.update(repeating: value, count: count) }

    /// The first `rows` rows as a matrix view.
    public func matrix(rows: Int? = nil) -> Matrix {
        let used = rows ?? self.rows
        precondition(used <= self.rows, "Tensor: asked for \(used) rows of a tensor shaped \(describeShape(shape))")
        return Matrix(data: data, rows: used, columns: columns)
    }
}

/// A row-major view of `rows × columns` floats that someone else owns.
/// A view does not keep its tensor alive: the owner must outlive it.
public struct Matrix {
    public let data: UnsafeMutablePointer<Float>
    public let rows: Int
    public let columns: Int

    public init(data: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        self.data = data
        self.rows = rows
        self.columns = columns
    }

    public var count: Int { rows * columns }
    public var shape: [Int] { [rows, columns] }
    public func row(_ index: Int) -> UnsafeMutablePointer<Float> { data + index * columns }
    public var array: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// Stops with a message naming both shapes when `columns` is not `expected`.
    @inline(__always)
    public func requireColumns(_ expected: Int, _ context: @autoclosure () -> String) {
        if columns != expected {
            preconditionFailure("\(context()): expected input shaped [\(rows), \(expected)], got \(describeShape(shape))")
        }
    }
}
