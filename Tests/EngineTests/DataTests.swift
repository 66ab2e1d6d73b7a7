// IDX parsing, gzip, SHA-256, MNIST loading and the download path.
import Foundation
import XCTest
@testable import Engine

final class DataTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "tn-data-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/mnist", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    /// An IDX file of unsigned bytes with the given dimensions.
    static func idx(_ dimensions: [Int], _ values: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for d in dimensions { bytes += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
        return bytes + values
    }

    func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let path = folder + "/gzip-input-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-n", "-f", path]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + ".gz")))
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = folder + "/mnist/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    // MARK: SHA-256

    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testSHA256StreamingMatchesOneShot() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var hasher = SHA256()
        hasher.update(bytes[0..<7])
        bytes[7..<200].withUnsafeBytes { hasher.update($0) }
        hasher.update(bytes[200...])
        XCTAssertEqual(SHA256.hex(hasher.finalize()), SHA256.hash(bytes))
    }

    // MARK: IDX

    func testIDXRawAndGzipRoundTrip() throws {
        let values = (0..<24).map { UInt8($0 * 10) }
        let raw = Self.idx([2, 3, 4], values)
        let fromRaw = try IDXArray(contentsOf: try write(raw, "raw-idx"))
        XCTAssertEqual(fromRaw.dimensions, [2, 3, 4])
        XCTAssertEqual(fromRaw.bytes, values)
        let fromGzip = try IDXArray(contentsOf: try write(try gzip(raw), "compressed-idx.gz"))
        XCTAssertEqual(fromGzip.dimensions, [2, 3, 4])
        XCTAssertEqual(fromGzip.bytes, values)
    }

    func assertDataError(_ bytes: [UInt8], mentions words: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try IDXArray(parsing: bytes, path: "some/file-idx"), file: file, line: line) { error in
            let message = String(describing: error)
            XCTAssertTrue(error is DataError, file: file, line: line)
            XCTAssertTrue(message.contains("some/file-idx"), "no path in: \(message)", file: file, line: line)
            XCTAssertTrue(message.contains("fix:"), "no fix in: \(message)", file: file, line: line)
            for word in words { XCTAssertTrue(message.contains(word), "'\(word)' not in: \(message)", file: file, line: line) }
        }
    }

    func testIDXRejectsMalformedFiles() {
        assertDataError([0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 1, 7], mentions: ["magic"])
        assertDataError([0, 0, 0x0D, 1, 0, 0, 0, 1, 7], mentions: ["element type"])
        assertDataError([0, 0, 8], mentions: ["too short"])
        assertDataError([0, 0, 8, 3, 0, 0, 0, 2], mentions: ["header"])
        assertDataError([0, 0, 8, 0], mentions: ["dimensions"])
        assertDataError(Self.idx([2, 3], [1, 2, 3]), mentions: ["truncated", "[2, 3]"])
        assertDataError(Self.idx([2], [1, 2, 3]), mentions: ["longer"])
    }

    func testTruncatedGzipIsAnError() throws {
        let compressed = try gzip(Self.idx([100], Array(repeating: 7, count: 100)))
        let path = try write(Array(compressed.prefix(compressed.count - 12)), "cut.gz")
        XCTAssertThrowsError(try IDXArray(contentsOf: path)) { error in
            XCTAssertTrue(String(describing: error).contains("cut.gz"))
        }
    }

    // MARK: MNIST from files

    /// Writes a tiny MNIST-shaped set (n images of 2×2) and returns its checksums.
    func writeTinyMNIST(trainCount: Int = 6, testCount: Int = 4, compress: Bool = true) throws -> [String: String] {
        var sums: [String: String] = [:]
        for (split, n) in [("train", trainCount), ("t10k", testCount)] {
            let images = Self.idx([n, 2, 2], (0..<(n * 4)).map { UInt8($0 % 256) })
            let labels = Self.idx([n], (0..<n).map { UInt8($0 % 10) })
            for (kind, bytes) in [("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)] {
                let name = "\(split)-\(kind)"
                sums[name] = SHA256.hash(bytes)
                _ = try write(compress ? try gzip(bytes) : bytes, compress ? name + ".gz" : name)
            }
        }
        return sums
    }

    func testLoadsFirstNWithEachScaling() throws {
        let sums = try writeTinyMNIST()
        let location = DataLocation(searchRoots: [folder], cacheRoot: folder + "/cache", allowDownload: false)
        let raw = try MNIST.load(trainCount: 3, testCount: 2, scaling: .raw, location: location, checksums: sums)
        XCTAssertEqual(raw.train.count, 3)
        XCTAssertEqual(raw.test.count, 2)
        XCTAssertEqual(raw.train.features, 4)
        XCTAssertEqual(raw.train.example(1), [4, 5, 6, 7])
        XCTAssertEqual(raw.train.labels, [0, 1, 2])
        let unit = try MNIST.load(trainCount: 3, testCount: 2, scaling: .unit, location: location, checksums: sums)
        XCTAssertEqual(unit.train.example(1)[3], 7 / 255, accuracy: 1e-7)
        let standardized = try MNIST.load(trainCount: 3, testCount: 2, scaling: .standardized, location: location, checksums: sums)
        XCTAssertEqual(standardized.train.example(1)[3], (7 / 255 - 0.1307) / 0.3081, accuracy: 1e-6)
    }

    func testChecksumMismatchNamesTheFileAndTheFix() throws {
        var sums = try writeTinyMNIST(compress: false)
        sums["train-labels-idx1-ubyte"] = String(repeating: "0", count: 64)
        let location = DataLocation(searchRoots: [folder], cacheRoot: folder + "/cache", allowDownload: false)
        XCTAssertThrowsError(try MNIST.load(trainCount: 3, testCount: 2, location: location, checksums: sums)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("train-labels-idx1-ubyte"), message)
            XCTAssertTrue(message.contains("SHA-256"), message)
            XCTAssertTrue(message.contains("delete it"), message)
        }
    }

    func testAskingForMoreExamplesThanTheFileHoldsIsAnError() throws {
        let sums = try writeTinyMNIST()
        let location = DataLocation(searchRoots: [folder], cacheRoot: folder + "/cache", allowDownload: false)
        XCTAssertThrowsError(try MNIST.load(trainCount: 7, testCount: 2, location: location, checksums: sums)) { error in
            XCTAssertTrue(String(describing: error).contains("asked for 7 examples, the file has 6"))
        }
    }

    func testMissingFileWithoutDownloadSaysWhereItLooked() {
        let location = DataLocation(searchRoots: [folder], cacheRoot: folder + "/cache", allowDownload: false)
        XCTAssertThrowsError(try MNIST.load(location: location)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("not found in \(folder!)/mnist"), message)
            XCTAssertTrue(message.contains("TN_DATA"), message)
        }
    }

    // MARK: Download, against a server on 127.0.0.1

    func testDownloadFallsBackToTheNextMirrorAndVerifies() throws {
        let images = Self.idx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])
        let server = try LocalHTTPServer(routes: ["/good/train-images-idx3-ubyte.gz": try gzip(images)])
        defer { server.stop() }
        let location = DataLocation(searchRoots: [folder + "/empty"], cacheRoot: folder + "/cache",
                                    mirrors: [server.baseURL + "missing/", server.baseURL + "good/"])
        let path = try location.locate(file: "train-images-idx3-ubyte", sha256: SHA256.hash(images))
        XCTAssertEqual(path, folder + "/cache/mnist/train-images-idx3-ubyte.gz")
        XCTAssertEqual(try IDXArray(contentsOf: path).bytes, [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(server.requestedPaths, ["/missing/train-images-idx3-ubyte.gz", "/good/train-images-idx3-ubyte.gz"])
    }

    func testCorruptDownloadLeavesNothingBehind() throws {
        let images = Self.idx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])
        var tampered = images
        tampered[tampered.count - 1] = 99
        let server = try LocalHTTPServer(routes: ["/train-images-idx3-ubyte.gz": try gzip(tampered)])
        defer { server.stop() }
        let location = DataLocation(searchRoots: [folder + "/empty"], cacheRoot: folder + "/cache", mirrors: [server.baseURL])
        XCTAssertThrowsError(try location.locate(file: "train-images-idx3-ubyte", sha256: SHA256.hash(images))) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("SHA-256"), message)
            XCTAssertTrue(message.contains("TN_DATA"), message)
        }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/cache/mnist")) ?? []
        XCTAssertEqual(left, [])
    }

    // MARK: The real dataset, when it is here

    func testRealMNISTMatchesItsKnownStatistics() throws {
        var location = DataLocation.fromEnvironment()
        location.allowDownload = false
        guard let mnist = try? MNIST.load(trainCount: 60_000, testCount: 10_000, scaling: .unit, location: location) else {
            throw XCTSkip("the MNIST files are not here (set TN_DATA to the folder holding mnist/)")
        }
        var counts = [Int](repeating: 0, count: 10)
        for label in mnist.train.labels { counts[Int(label)] += 1 }
        XCTAssertEqual(counts, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
        var testCounts = [Int](repeating: 0, count: 10)
        for label in mnist.test.labels { testCounts[Int(label)] += 1 }
        XCTAssertEqual(testCounts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        var sum = 0.0, squares = 0.0
        for x in mnist.train.inputs.buffer { sum += Double(x); squares += Double(x) * Double(x) }
        let n = Double(mnist.train.inputs.count)
        let mean = sum / n
        XCTAssertEqual(mean, 0.1307, accuracy: 5e-5)
        XCTAssertEqual((squares / n - mean * mean).squareRoot(), 0.3081, accuracy: 5e-5)
    }
}
