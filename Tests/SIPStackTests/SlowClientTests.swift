import Foundation
import NIOCore
import Testing
import TestSupport
@testable import SIPStack

/// Clients that connect and then send slowly or not at all, and connection floods: closed past
/// their deadlines or refused at the cap, while a prompt client is served. Deadlines of one second
/// here; bounded waits well past them.
@Suite(.serialized) struct SlowClientTests {
    static let options = "OPTIONS sip:tandem@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK-slow\r\n"
        + "Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:tandem@127.0.0.1>\r\nCall-ID: slow-1\r\n"
        + "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"

    func withTCP(maxFlows: Int = 100, _ body: (SIPEndpoint, Int) async throws -> Void) async throws {
        try await withEndpoint(AnsweringUA()) { endpoint in
            endpoint.streamTimeouts = StreamTimeouts(firstMessage: .seconds(1), message: .seconds(1), maxFlows: maxFlows)
            let port = try #require(try await endpoint.bindStream(.tcp, host: "127.0.0.1", port: 0).port)
            try await body(endpoint, port)
        }
    }

    @Test func aSilentClientIsClosedAfterTheFirstMessageDeadline() async throws {
        try await withTCP { endpoint, port in
            let silent = try RawConnection(port: port)
            #expect(silent.readUntilClosed(within: 5).closed)
            #expect(try await endpoint.loop.submit { endpoint.flowsTimedOut }.get() == 1)
        }
    }

    @Test func aClientThatStopsMidMessageIsClosedAndAPromptOneIsServed() async throws {
        try await withTCP { endpoint, port in
            let slow = try RawConnection(port: port)
            slow.send(Self.options)
            slow.send(String(Self.options.prefix(60)))  // a second message, never finished
            let (text, closed) = slow.readUntilClosed(within: 5)
            #expect(text.hasPrefix("SIP/2.0 200"), "the whole message was answered: \(text)")
            #expect(closed, "the unfinished one cost the client its connection")
            let prompt = try tcpExchange(port: port, send: Self.options) { $0.contains("\r\n\r\n") }
            #expect(prompt.hasPrefix("SIP/2.0 200"))
        }
    }

    @Test func connectionsPastTheCapAreRefusedUntilOthersGo() async throws {
        try await withTCP(maxFlows: 2) { endpoint, port in
            let held = [try RawConnection(port: port), try RawConnection(port: port)]
            let refused = try RawConnection(port: port)
            #expect(refused.readUntilClosed(within: 0.9).closed, "the third is closed before any deadline could")
            #expect(try await endpoint.loop.submit { endpoint.flowsRefused }.get() >= 1)
            for connection in held { #expect(connection.readUntilClosed(within: 5).closed) }
            let prompt = try tcpExchange(port: port, send: Self.options) { $0.contains("\r\n\r\n") }
            #expect(prompt.hasPrefix("SIP/2.0 200"), "once the silent ones went, a client gets in again")
        }
    }

    @Test func aMegabyteMessageIsRefusedWith513AndTheConnectionClosed() async throws {
        try await withTCP { endpoint, port in
            for tail in [
                "X-Padding: " + String(repeating: "a", count: 1 << 20) + "\r\n\r\n",            // 1 MB of header
                "Content-Length: 1048576\r\n\r\n" + String(repeating: "b", count: 1 << 20),    // 1 MB of body
            ] {
                let big = try RawConnection(port: port)
                big.send(Self.options.replacingOccurrences(of: "Content-Length: 0\r\n\r\n", with: "") + tail)
                let (text, closed) = big.readUntilClosed(within: 5)
                #expect(text.hasPrefix("SIP/2.0 513"), "\(text.prefix(200))")
                #expect(closed, "the stream is out of step after it: closed")
            }
            // The server side closes as the client's end arrives: bounded wait for that.
            #expect(try await eventually { try await endpoint.loop.submit { endpoint.openFlows }.get() == 0 }, "nothing held")
        }
    }
}
