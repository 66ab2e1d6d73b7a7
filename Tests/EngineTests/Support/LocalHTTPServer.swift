// A tiny HTTP/1.0 server on 127.0.0.1 for download tests: serves fixed bodies
// by path, 404 for anything else. Tests never touch the network.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class LocalHTTPServer: @unchecked Sendable {
    let port: UInt16
    private let socketDescriptor: Int32
    private let routes: [String: [UInt8]]
    private let lock = NSLock()
    private var requested: [String] = []

    var requestedPaths: [String] { lock.lock(); defer { lock.unlock() }; return requested }

    init(routes: [String: [UInt8]]) throws {
        self.routes = routes
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0  // the kernel picks a free port
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        socketDescriptor = descriptor
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var baseURL: String { "http://127.0.0.1:\(port)/" }

    func stop() { shutdown(socketDescriptor, Int32(SHUT_RDWR)); close(socketDescriptor) }

    private func serve() {
        while true {
            let client = accept(socketDescriptor, nil, nil)
            guard client >= 0 else { return }
            var request = [UInt8](repeating: 0, count: 4096)
            let received = read(client, &request, request.count)
            let text = String(decoding: request.prefix(max(received, 0)), as: UTF8.self)
            let path = text.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
            lock.lock(); requested.append(path); lock.unlock()
            var response: [UInt8]
            if let body = routes[path] {
                response = Array("HTTP/1.0 200 OK\r\nContent-Length: \(body.count)\r\nContent-Type: application/octet-stream\r\n\r\n".utf8) + body
            } else {
                response = Array("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n".utf8)
            }
            var sent = 0
            while sent < response.count {
                let n = response.withUnsafeBytes { write(client, $0.baseAddress! + sent, response.count - sent) }
                if n <= 0 { break }
                sent += n
            }
            close(client)
        }
    }
}
