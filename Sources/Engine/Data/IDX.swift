// The IDX file format of the MNIST files (big-endian header, unsigned bytes),
// read from raw or gzip-compressed files.
import Foundation
import CZlib

/// A bad, missing or unreadable data file, with the file's path and the fix.
public struct DataError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public let fix: String
    public init(path: String, problem: String, fix: String) {
        self.path = path; self.problem = problem; self.fix = fix
    }
    public var description: String { "\(path): \(problem)\n  ---> fix: \(fix)" }
}

/// An IDX array of unsigned bytes: its dimensions and its values.
public struct IDXArray {
    public let dimensions: [Int]
    public let bytes: [UInt8]

    /// Parses IDX bytes (already decompressed). `path` only labels errors.
    public init(parsing data: [UInt8], path: String) throws {
        let fix = "delete the file so that it is downloaded again, or point TN_DATA at a folder with the original MNIST files"
        guard data.count >= 4 else {
            throw DataError(path: path, problem: "file is \(data.count) bytes, too short for an IDX header", fix: fix)
        }
        guard data[0] == 0, data[1] == 0 else {
            throw DataError(path: path, problem: String(format: "bad magic number 0x%02X%02X%02X%02X (an IDX file starts with two zero bytes)", data[0], data[1], data[2], data[3]), fix: fix)
        }
        guard data[2] == 0x08 else {
            throw DataError(path: path, problem: String(format: "element type 0x%02X is not unsigned byte (0x08), the only type MNIST uses", data[2]), fix: fix)
        }
        let rank = Int(data[3])
        guard (1...4).contains(rank) else {
            throw DataError(path: path, problem: "\(rank) dimensions; MNIST files have 1 (labels) or 3 (images)", fix: fix)
        }
        let headerLength = 4 + 4 * rank
        guard data.count >= headerLength else {
            throw DataError(path: path, problem: "file ends inside the header (\(data.count) bytes, header needs \(headerLength))", fix: fix)
        }
        var dimensions: [Int] = []
        for d in 0..<rank {
            let o = 4 + 4 * d
            dimensions.append(Int(data[o]) << 24 | Int(data[o + 1]) << 16 | Int(data[o + 2]) << 8 | Int(data[o + 3]))
        }
        let expected = dimensions.reduce(1, *)
        let actual = data.count - headerLength
        guard actual == expected else {
            let what = actual < expected ? "truncated" : "longer than its header says"
            throw DataError(path: path, problem: "\(what): header \(describeShape(dimensions)) needs \(expected) bytes of data, file has \(actual)", fix: fix)
        }
        self.dimensions = dimensions
        self.bytes = Array(data[headerLength...])
    }

    /// Reads and parses an IDX file, decompressing it when it is gzip.
    public init(contentsOf path: String) throws {
        try self.init(parsing: try readPossiblyCompressed(path: path), path: path)
    }
}

/// The file's bytes, gunzipped when they start with the gzip magic number.
public func readPossiblyCompressed(path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw DataError(path: path, problem: "cannot read the file", fix: "check that it exists and is readable")
    }
    let bytes = [UInt8](data)
    guard bytes.count >= 2, bytes[0] == 0x1f, bytes[1] == 0x8b else { return bytes }
    return try gunzip(bytes, path: path)
}

/// Decompresses a whole gzip stream with zlib.
public func gunzip(_ compressed: [UInt8], path: String) throws -> [UInt8] {
    var stream = z_stream()
    // 15 window bits + 16 selects the gzip wrapper.
    guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw DataError(path: path, problem: "zlib could not start", fix: "reinstall zlib (Debian: zlib1g)")
    }
    defer { inflateEnd(&stream) }
    var output = [UInt8]()
    output.reserveCapacity(compressed.count * 4)
    let chunk = 1 << 20
    var buffer = [UInt8](repeating: 0, count: chunk)
    var status: Int32 = Z_OK
    try compressed.withUnsafeBufferPointer { input in
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.avail_in = uInt(input.count)
        repeat {
            try buffer.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(chunk)
                status = inflate(&stream, Z_NO_FLUSH)
                guard status == Z_OK || status == Z_STREAM_END else {
                    let reason = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    throw DataError(path: path, problem: "corrupt gzip data (\(reason))", fix: "delete the file so that it is downloaded again")
                }
                output.append(contentsOf: out[0..<(chunk - Int(stream.avail_out))])
            }
        } while status != Z_STREAM_END && (stream.avail_in > 0 || stream.avail_out == 0)
    }
    guard status == Z_STREAM_END else {
        throw DataError(path: path, problem: "gzip stream is truncated", fix: "delete the file so that it is downloaded again")
    }
    return output
}
