import Foundation

/// A blocking loopback TCP exchange with bounded time: send a request, read until the peer closes,
/// `until` is satisfied, or `timeout` passes. For tests only.
public func tcpExchange(port: Int, send: String, timeout: TimeInterval = 5, until: (String) -> Bool = { _ in false }) throws -> String {
    let connection = try RawConnection(port: port)
    connection.send(send)
    return connection.read(within: timeout, until: until).text
}

/// A loopback TCP connection a test holds open, to play a slow or silent client. Closed when dropped;
/// used from one thread at a time.
public final class RawConnection: @unchecked Sendable {
    private let fd: Int32

    public init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(fd) }

    public func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// What arrives until the peer closes the connection or `seconds` pass; `closed` says which.
    public func readUntilClosed(within seconds: TimeInterval) -> (text: String, closed: Bool) {
        read(within: seconds, until: { _ in false })
    }

    /// What arrives until the peer closes, `until` is satisfied, or `seconds` pass.
    public func read(within seconds: TimeInterval, until: (String) -> Bool) -> (text: String, closed: Bool) {
        var tv = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let n = recv(fd, &buf, buf.count, 0)
            if n == 0 || (n < 0 && errno == ECONNRESET) { return (String(decoding: received, as: UTF8.self), true) }
            if n > 0 {
                received += buf[0..<n]
                if until(String(decoding: received, as: UTF8.self)) { break }
            }
        }
        return (String(decoding: received, as: UTF8.self), false)
    }
}
