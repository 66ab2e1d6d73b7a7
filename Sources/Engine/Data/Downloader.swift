// Downloads a dataset file from the first mirror that serves it, with a
// progress bar on a terminal, verifying it before it replaces anything.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

public enum Downloader {
    /// Fetches `file` from each mirror in turn into `destination`. The bytes go
    /// to a temporary file beside it, `verify` checks that file, and only then
    /// is it renamed into place, so an interrupted download leaves nothing.
    public static func download(file: String, mirrors: [String], to destination: String,
                                verify: (String) throws -> Void) throws {
        let folder = (destination as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var failures: [String] = []
        for mirror in mirrors {
            guard let url = URL(string: mirror + file) else { failures.append("\(mirror): not a URL"); continue }
            let temporary = destination + ".part-\(getpid())"
            defer { try? FileManager.default.removeItem(atPath: temporary) }
            do {
                let data = try fetch(url, label: file)
                try data.write(to: URL(fileURLWithPath: temporary))
                try verify(temporary)
                if rename(temporary, destination) != 0 {
                    throw DataError(path: destination, problem: "cannot move the download into place (errno \(errno))", fix: "check that the folder is writable")
                }
                return
            } catch {
                failures.append("\(url.absoluteString): \(describe(error))")
            }
        }
        throw DataError(path: destination,
                        problem: "could not download \(file):\n    " + failures.joined(separator: "\n    "),
                        fix: "check the network, or download the MNIST files yourself and set TN_DATA to the folder holding mnist/")
    }

    /// A one-line reason: Foundation's own description of network errors is
    /// a dump of its user-info dictionary.
    static func describe(_ error: Error) -> String {
        if error is DataError { return String(describing: error) }
        let nsError = error as NSError
        return (nsError.userInfo[NSLocalizedDescriptionKey] as? String) ?? nsError.localizedDescription
    }

    /// GETs a URL, drawing a progress bar on stderr when it is a terminal.
    static func fetch(_ url: URL, label: String) throws -> Data {
        let delegate = ProgressDelegate(label: label, showBar: isatty(2) == 1)
        let session = URLSession(configuration: .ephemeral, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: url).resume()
        delegate.done.wait()
        if let error = delegate.error { throw error }
        guard let status = delegate.status, (200..<300).contains(status) else {
            throw DataError(path: url.absoluteString, problem: "HTTP status \(delegate.status.map(String.init) ?? "none")", fix: "try another mirror")
        }
        return delegate.received
    }
}

/// Collects the body and reports progress; signals `done` when the task ends.
private final class ProgressDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let label: String
    let showBar: Bool
    let done = DispatchSemaphore(value: 0)
    var received = Data()
    var expected: Int64 = -1
    var status: Int?
    var error: Error?
    private var lastDrawn = Date.distantPast

    init(label: String, showBar: Bool) {
        self.label = label
        self.showBar = showBar
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        status = (response as? HTTPURLResponse)?.statusCode
        expected = response.expectedContentLength
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        received.append(data)
        guard showBar, Date().timeIntervalSince(lastDrawn) > 0.1 else { return }
        lastDrawn = Date()
        draw(final: false)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        self.error = error
        if showBar { draw(final: true) }
        done.signal()
    }

    private func draw(final: Bool) {
        let megabytes = Double(received.count) / 1_048_576
        var line = "\r  downloading \(label)  " + String(format: "%.1f MB", megabytes)
        if expected > 0 {
            let fraction = min(1, Double(received.count) / Double(expected))
            let width = 30
            let filled = Int(fraction * Double(width))
            line += "  [" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
                + String(format: "%3.0f%%", fraction * 100)
        }
        FileHandle.standardError.write(Data((line + (final ? "\n" : "")).utf8))
    }
}
