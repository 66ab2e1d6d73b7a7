// MNIST: finding, downloading, verifying and loading the four IDX files.
//
// Files are looked up in $TN_DATA/mnist, then in the per-user cache folder;
// a missing file is downloaded into the cache. Every file is checked against
// the SHA-256 of its *decompressed* bytes, so gzip files from any mirror pass.
import Foundation

/// How pixels (0–255 in the files) become inputs.
public enum PixelScaling: String, Sendable, CaseIterable {
    /// Raw 0–255 floats, as in the original experiments.
    case raw
    /// Divided by 255, into [0, 1].
    case unit
    /// (x/255 − 0.1307) / 0.3081, the training set's mean and deviation.
    case standardized
}

public struct MNIST {
    public let train: Dataset
    public let test: Dataset

    /// The four files and the SHA-256 of each file's decompressed bytes.
    public static let files: [(name: String, sha256: String)] = [
        ("train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        ("train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        ("t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        ("t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    ]

    /// Mirrors tried in order; `TN_MNIST_MIRRORS` (comma-separated base URLs) replaces them.
    public static let defaultMirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ]

    /// A fingerprint of the dataset for cache keys: the four checksums.
    public static var checksumFingerprint: String { SHA256.hash(files.map(\.sha256).joined(separator: ",")) }

    /// Loads the first `trainCount` training and `testCount` test examples.
    public static func load(
        trainCount: Int = 10_000, testCount: Int = 1_000,
        scaling: PixelScaling = .raw,
        location: DataLocation = .fromEnvironment(),
        checksums: [String: String]? = nil
    ) throws -> MNIST {
        let expected = checksums ?? Dictionary(uniqueKeysWithValues: files.map { ($0.name, $0.sha256) })
        func read(_ name: String) throws -> IDXArray {
            let path = try location.locate(file: name, sha256: expected[name])
            return try IDXArray(contentsOf: path)
        }
        let train = try dataset(images: read("train-images-idx3-ubyte"), labels: read("train-labels-idx1-ubyte"),
                                count: trainCount, scaling: scaling, location: location, split: "train")
        let test = try dataset(images: read("t10k-images-idx3-ubyte"), labels: read("t10k-labels-idx1-ubyte"),
                               count: testCount, scaling: scaling, location: location, split: "t10k")
        return MNIST(train: train, test: test)
    }

    static func dataset(images: IDXArray, labels: IDXArray, count: Int, scaling: PixelScaling,
                        location: DataLocation, split: String) throws -> Dataset {
        let imagePath = "\(split)-images-idx3-ubyte", labelPath = "\(split)-labels-idx1-ubyte"
        let fix = "use the original MNIST files (TN_DATA, or delete the cached copies to download them again)"
        guard images.dimensions.count == 3, labels.dimensions.count == 1 else {
            throw DataError(path: imagePath, problem: "expected images shaped [n, rows, columns] and labels shaped [n], got \(describeShape(images.dimensions)) and \(describeShape(labels.dimensions))", fix: fix)
        }
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw DataError(path: labelPath, problem: "\(labels.dimensions[0]) labels for \(images.dimensions[0]) images", fix: fix)
        }
        guard count >= 1, count <= images.dimensions[0] else {
            throw DataError(path: imagePath, problem: "asked for \(count) examples, the file has \(images.dimensions[0])", fix: "choose a count from 1 to \(images.dimensions[0])")
        }
        let features = images.dimensions[1] * images.dimensions[2]
        let inputs = Tensor(shape: [count, features])
        images.bytes.withUnsafeBufferPointer { pixels in
            for i in 0..<(count * features) {
                let x = Float(pixels[i])
                switch scaling {
                case .raw: inputs.data[i] = x
                case .unit: inputs.data[i] = x / 255
                case .standardized: inputs.data[i] = (x / 255 - 0.1307) / 0.3081
                }
            }
        }
        var classes: [Int32] = []
        classes.reserveCapacity(count)
        for i in 0..<count {
            let label = labels.bytes[i]
            guard label < 10 else {
                throw DataError(path: labelPath, problem: "label \(label) at index \(i) is not a digit 0–9", fix: fix)
            }
            classes.append(Int32(label))
        }
        return Dataset(inputs: inputs, labels: classes)
    }
}

/// Where dataset files are looked for and downloaded to.
public struct DataLocation {
    /// Folders searched in order, each holding an `mnist/` folder.
    public var searchRoots: [String]
    /// The folder downloads go to (its `mnist/` subfolder).
    public var cacheRoot: String
    public var mirrors: [String]
    public var allowDownload: Bool

    public init(searchRoots: [String], cacheRoot: String, mirrors: [String] = MNIST.defaultMirrors, allowDownload: Bool = true) {
        self.searchRoots = searchRoots
        self.cacheRoot = cacheRoot
        self.mirrors = mirrors
        self.allowDownload = allowDownload
    }

    /// `TN_DATA`, then `$XDG_CACHE_HOME/teaching-networks` (or ~/.cache/teaching-networks).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> DataLocation {
        let cache: String
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            cache = xdg + "/teaching-networks"
        } else {
            cache = (environment["HOME"] ?? NSHomeDirectory()) + "/.cache/teaching-networks"
        }
        var roots: [String] = []
        if let data = environment["TN_DATA"], !data.isEmpty { roots.append(data) }
        roots.append(cache)
        let mirrors = environment["TN_MNIST_MIRRORS"].map {
            $0.split(separator: ",").map { String($0).hasSuffix("/") ? String($0) : String($0) + "/" }
        } ?? MNIST.defaultMirrors
        return DataLocation(searchRoots: roots, cacheRoot: cache, mirrors: mirrors)
    }

    /// The path of a verified copy of `file` (gzip or raw), downloading it when absent.
    public func locate(file: String, sha256: String?) throws -> String {
        let fileManager = FileManager.default
        for root in searchRoots {
            for candidate in ["\(root)/mnist/\(file).gz", "\(root)/mnist/\(file)"] where fileManager.fileExists(atPath: candidate) {
                try verify(path: candidate, sha256: sha256)
                return candidate
            }
        }
        let destination = "\(cacheRoot)/mnist/\(file).gz"
        guard allowDownload else {
            throw DataError(path: destination, problem: "MNIST file \(file) not found in \(searchRoots.map { $0 + "/mnist" }.joined(separator: " or "))",
                            fix: "set TN_DATA to a folder containing mnist/\(file).gz, or allow the download")
        }
        try Downloader.download(file: "\(file).gz", mirrors: mirrors, to: destination) { path in
            try verify(path: path, sha256: sha256)
        }
        return destination
    }

    func verify(path: String, sha256: String?) throws {
        guard let sha256 else { return }
        let actual = SHA256.hash(try readPossiblyCompressed(path: path))
        guard actual == sha256 else {
            throw DataError(path: path, problem: "SHA-256 of the decompressed file is \(actual), expected \(sha256): the file is corrupt, truncated or not this MNIST file",
                            fix: "delete it; the next run downloads a fresh copy (or point TN_DATA at a good copy)")
        }
    }
}
