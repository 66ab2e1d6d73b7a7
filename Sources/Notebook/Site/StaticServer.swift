// `tn serve`: a small HTTP server for output/ on 127.0.0.1 only. It never
// serves a file outside the output folder (paths are resolved and checked),
// and it adds a tiny script to HTML pages that reloads them after a rebuild.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct StaticServer {
    public var folder: URL
    public var port: UInt16

    public init(folder: URL, port: UInt16) {
        self.folder = folder.standardizedFileURL.resolvingSymlinksInPath()
        self.port = port
    }

    static let reloadScript = """
    <script>(function(){var last=null;setInterval(function(){fetch("/__tn/stamp",{cache:"no-store"}).then(function(r){return r.text();}).then(function(t){if(last!==null&&t!==last){location.reload();}last=t;}).catch(function(){});},700);})();</script>
    """

    /// Maps a request path to a file inside the folder, or nil.
    public func resolve(_ requestPath: String) -> URL? {
        var path = requestPath.split(separator: "?").first.map(String.init) ?? "/"
        path = path.split(separator: "#").first.map(String.init) ?? "/"
        path = path.removingPercentEncoding ?? path
        if path.hasSuffix("/") { path += "index.html" }
        let candidate = folder.appendingPathComponent(path).standardizedFileURL.resolvingSymlinksInPath()
        guard candidate.path.hasPrefix(folder.path + "/") else { return nil }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isFolder) else { return nil }
        if isFolder.boolValue {
            let index = candidate.appendingPathComponent("index.html")
            return FileManager.default.fileExists(atPath: index.path) ? index : nil
        }
        return candidate
    }

    public func run(log: (String) -> Void) throws -> Never {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw NotebookError("cannot open a socket") }
        var reuse: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else {
            throw NotebookError("cannot listen on 127.0.0.1:\(port): \(String(cString: strerror(errno)))",
                                hint: "choose another port with --port N")
        }
        log("Serving \(folder.lastPathComponent)/ at http://127.0.0.1:\(port)/ (Ctrl-C to stop)")
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            let thread = Thread { [self] in
                self.answer(client)
                close(client)
            }
            thread.start()
        }
    }

    private func answer(_ client: Int32) {
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = recv(client, &buffer, buffer.count, 0)
        guard count > 0 else { return }
        let request = String(decoding: buffer[0..<count], as: UTF8.self)
        let parts = request.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0] == "GET" || parts[0] == "HEAD" else {
            send(client, status: "405 Method Not Allowed", type: "text/plain", body: Data("only GET\n".utf8))
            return
        }
        let path = String(parts[1])
        if path.hasPrefix("/__tn/stamp") {
            let stamp = (try? Data(contentsOf: folder.appendingPathComponent(".build-stamp"))) ?? Data()
            send(client, status: "200 OK", type: "text/plain", body: stamp)
            return
        }
        guard let file = resolve(path), var data = try? Data(contentsOf: file) else {
            send(client, status: "404 Not Found", type: "text/plain", body: Data("not found\n".utf8))
            return
        }
        let type = Self.contentType(file.pathExtension)
        if type.hasPrefix("text/html"), let text = String(data: data, encoding: .utf8) {
            data = Data(text.replacingOccurrences(of: "</body>", with: Self.reloadScript + "</body>").utf8)
        }
        send(client, status: "200 OK", type: type, body: parts[0] == "HEAD" ? Data() : data)
    }

    private func send(_ client: Int32, status: String, type: String, body: Data) {
        let header = "HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n"
        var message = Data(header.utf8)
        message.append(body)
        message.withUnsafeBytes { bytes in
            var sent = 0
            while sent < bytes.count {
                let written = Glibc.send(client, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                if written <= 0 { break }
                sent += written
            }
        }
    }

    static func contentType(_ fileExtension: String) -> String {
        switch fileExtension.lowercased() {
        case "html": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js": return "text/javascript; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "woff2": return "font/woff2"
        case "woff": return "font/woff"
        case "ttf": return "font/ttf"
        case "csv": return "text/csv; charset=utf-8"
        case "json": return "application/json"
        default: return "application/octet-stream"
        }
    }
}
