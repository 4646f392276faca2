import Foundation
import Gateway
import SIPStack
import Testing
import TestSupport

/// `websocket.allowed_origins`: a page from another origin cannot open SIP over WebSocket (403),
/// an allowed one and a client that is no page (no Origin) can, and a client that does not ask for
/// the `sip` subprotocol is told so.
@Suite(.serialized) struct WebSocketOriginTests {
    static func upgrade(port: Int, origin: String?, subprotocol: String = "sip") throws -> String {
        let request = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: \(subprotocol)\r\n"
            + (origin.map { "Origin: \($0)\r\n" } ?? "") + "\r\n"
        return try tcpExchange(port: port, send: request) { $0.contains("\r\n\r\n") }
    }

    @Test func onlyAllowedOriginsOpenAWebSocket() async throws {
        let gateway = TestGateway { $0.allowedOrigins = ["https://Phone.example.com"] }
        try await gateway.start()
        let port = try #require(gateway.server.boundAddresses["http+ws"]?.port)
        let answers = await offPool { () -> [String] in
            [(try? Self.upgrade(port: port, origin: "https://phone.example.com")) ?? "", (try? Self.upgrade(port: port, origin: nil)) ?? "",
             (try? Self.upgrade(port: port, origin: "https://evil.example")) ?? "",
             (try? Self.upgrade(port: port, origin: nil, subprotocol: "chat")) ?? ""]
        }
        #expect(answers[0].hasPrefix("HTTP/1.1 101"), "allowed origin (compared without case): \(answers[0])")
        #expect(answers[1].hasPrefix("HTTP/1.1 101"), "no Origin, no page: \(answers[1])")
        #expect(answers[2].hasPrefix("HTTP/1.1 403") && answers[2].contains("allowed_origins"), "\(answers[2])")
        #expect(answers[3].hasPrefix("HTTP/1.1 400") && answers[3].contains("RFC 7118"), "\(answers[3])")
        await gateway.stop()
    }

    @Test func originsAreMatchedWithoutCaseAndAnyWhenNoneAreSet() {
        #expect(SIPEndpoint.originAllowed("https://a.example", []))
        #expect(SIPEndpoint.originAllowed("https://A.example", ["https://a.example"]))
        #expect(!SIPEndpoint.originAllowed("https://b.example", ["https://a.example"]))
    }
}
