import Foundation
import NIOCore
import SIP
import Testing
import TestSupport
@testable import SIPStack

/// The malformed corpus over UDP and TCP: each gets its status with a reason, and the transport
/// keeps working afterwards.
@Suite(.serialized) struct MalformedInputTests {
    func udpExchange(port: Int, _ text: String) throws -> String? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var tv = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bytes = Array(text.utf8)
        _ = withUnsafePointer(to: &addr) { a in
            a.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, sa, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        var buf = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &buf, buf.count, 0)
        return n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : nil
    }

    static func statusAndReason(_ reply: String) -> (Int, String)? {
        let first = reply.split(separator: "\r\n").first ?? ""
        let parts = first.split(separator: " ", maxSplits: 2)
        guard parts.count == 3, let code = Int(parts[1]) else { return nil }
        return (code, String(parts[2]))
    }

    static var options: String {
        "OPTIONS sip:tandem@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK-ok-\(UUID().uuidString.prefix(8))\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:tandem@127.0.0.1>\r\nCall-ID: ok-\(UUID().uuidString)\r\n"
            + "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    }

    @Test func overUDP() async throws {
        try await withEndpoint(AnsweringUA()) { endpoint in
            let port = try #require(try await endpoint.bindUDP(host: "127.0.0.1", port: 0).port)
            for bad in MalformedCorpus.requests {
                // Answers go where Via says; our Via says 192.0.2.1 without rport, so ask for rport.
                let text = bad.text.replacingOccurrences(of: "192.0.2.1:5060;branch", with: "192.0.2.1:5060;rport;branch")
                let reply = try #require(try udpExchange(port: port, text), "\(bad.name): no answer")
                let (code, reason) = try #require(Self.statusAndReason(reply))
                #expect(code == bad.status, "\(bad.name): \(reply)")
                #expect(!reason.isEmpty && reply.contains("Warning: 399"), "\(bad.name): \(reply)")
            }
            // Garbage that is not SIP at all is dropped without an answer and without harm.
            #expect(try udpExchange(port: port, "\u{01}\u{02}garbage\r\n\r\n") == nil)
            let ok = try #require(try udpExchange(port: port, Self.options))
            #expect(Self.statusAndReason(ok)?.0 == 200)
            let counters = try await endpoint.loop.submit { endpoint.counters }.get()
            #expect(counters.answeredWith400 == MalformedCorpus.requests.count)
        }
    }

    @Test func overTCP() async throws {
        try await withEndpoint(AnsweringUA()) { endpoint in
            let port = try #require(try await endpoint.bindStream(.tcp, host: "127.0.0.1", port: 0).port)
            for bad in MalformedCorpus.requests {
                // Each over its own connection, followed on the same connection by a good request.
                // A Content-Length that cannot be read loses the stream's framing: 400, then close.
                if bad.name.hasPrefix("Content-Length") {
                    let reply = try tcpExchange(port: port, send: bad.text + Self.options)
                    #expect(Self.statusAndReason(reply)?.0 == 400 && !reply.contains("SIP/2.0 200"), "\(bad.name): \(reply)")
                    continue
                }
                let replies = try tcpExchange(port: port, send: bad.text + Self.options) { $0.components(separatedBy: "SIP/2.0 ").count > 2 }
                let parts = replies.components(separatedBy: "\r\n\r\n").filter { $0.hasPrefix("SIP/2.0") }
                #expect(parts.count == 2, "\(bad.name): \(replies)")
                #expect(parts.first.flatMap { Self.statusAndReason($0)?.0 } == bad.status, "\(bad.name)")
                #expect(parts.last.flatMap { Self.statusAndReason($0)?.0 } == 200, "\(bad.name): connection kept working")
            }
            // A framing error (Content-Length larger than the limit) is answered, then the stream closes.
            let huge = MalformedCorpus.requests[0].text.replacingOccurrences(of: "Content-Length: 0", with: "Content-Length: 99999999")
            let reply = try tcpExchange(port: port, send: huge)
            #expect(Self.statusAndReason(reply)?.0 == 513 || Self.statusAndReason(reply)?.0 == 400, "\(reply)")
        }
    }
}
