import Foundation
import Gateway
import SIPStack
import Testing
import TestSupport

/// Slow and half-open clients on a running gateway's TLS and HTTP/WebSocket listeners: a TLS
/// handshake that never finishes and an HTTP request that never ends are closed after
/// `sip.first_message_timeout`; a flood of them never holds more than `sip.max_connections`; a
/// client that asks in time is answered.
@Suite(.serialized) struct SlowFlowTests {
    func gateway(maxConnections: Int = 1000) -> TestGateway {
        TestGateway {
            $0.listen.sipTLS = ListenAddress(host: "127.0.0.1", port: 0)
            $0.sip.firstMessageTimeoutSeconds = 1
            $0.sip.messageTimeoutSeconds = 1
            $0.sip.maxConnections = maxConnections
        }
    }

    /// The first bytes of a TLS ClientHello record, and no more.
    static let partialClientHello = String(decoding: [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03], as: UTF8.self)

    @Test func aHandshakeOrARequestThatNeverEndsIsClosed() async throws {
        let gateway = gateway()
        try await gateway.start()
        let tls = try #require(gateway.server.boundAddresses["sip-tls"]?.port)
        let http = try #require(gateway.server.boundAddresses["http+ws"]?.port)
        let halfHandshake = try RawConnection(port: tls)
        halfHandshake.send(Self.partialClientHello)
        let halfRequest = try RawConnection(port: http)
        halfRequest.send("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")
        let prompt = try RawConnection(port: http)
        prompt.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let results = await offPool { (halfHandshake.readUntilClosed(within: 5).closed, halfRequest.readUntilClosed(within: 5).closed,
                                        prompt.readUntilClosed(within: 2)) }
        #expect(results.0, "a TLS handshake that stops half way is closed")
        #expect(results.1, "an HTTP upgrade that never ends is closed")
        #expect(results.2.text.hasPrefix("HTTP/1.1 200") && results.2.text.hasSuffix("}\n"), "a client that asked in time is answered: \(results.2)")
        await gateway.stop()
    }

    @Test func aFloodOfHalfOpenHandshakesNeverHoldsMoreThanTheCap() async throws {
        let gateway = gateway(maxConnections: 50)
        try await gateway.start()
        let tls = try #require(gateway.server.boundAddresses["sip-tls"]?.port)
        let endpoint = try #require(gateway.server.endpoint)
        var flood: [RawConnection] = []
        for _ in 0..<300 {
            let c = try RawConnection(port: tls)
            c.send(Self.partialClientHello)
            flood.append(c)
        }
        let all = flood
        let closed = await offPool { all.allSatisfy { $0.readUntilClosed(within: 5).closed } }
        #expect(closed, "every half-open handshake is gone within the deadline")
        // The server side closes each as its deadline fires; the client may see it a moment first.
        #expect(try await eventually { try await endpoint.loop.submit { endpoint.openFlows }.get() == 0 }, "nothing held")
        let (peak, refused) = try await endpoint.loop.submit { (endpoint.peakFlows, endpoint.flowsRefused) }.get()
        #expect(peak == 50, "never more than the cap open at once: \(peak)")
        #expect(refused > 0)
        await gateway.stop()
    }
}

/// SIP-TLS takes TLS 1.2 and 1.3 only, with forward-secret AEAD suites: `openssl s_client` (Debian)
/// as the client.
@Suite(.serialized) struct TLSPolicyTests {
    static func handshake(port: Int, _ options: [String]) throws -> (status: Int32?, text: String) {
        let client = try ChildProcess("/usr/bin/openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-brief"] + options)
        defer { client.stop() }
        client.closeInput()
        return (client.waitForExit(timeout: 10), client.text)
    }

    @Test func onlyTLS12AndUpWithAEADSuites() async throws {
        let gateway = TestGateway { $0.listen.sipTLS = ListenAddress(host: "127.0.0.1", port: 0) }
        try await gateway.start()
        let port = try #require(gateway.server.boundAddresses["sip-tls"]?.port)
        let results = await offPool { () -> [(Int32?, String)] in
            [["-tls1_3"], ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"], ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"],
             ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA"]].map { (try? Self.handshake(port: port, $0)).map { ($0.status, $0.text) } ?? (nil, "") }
        }
        #expect(results[0].1.contains("Protocol version: TLSv1.3"), "\(results[0].1)")
        #expect(results[1].1.contains("Protocol version: TLSv1.2") && results[1].1.contains("ECDHE-ECDSA-AES128-GCM-SHA256"), "\(results[1].1)")
        #expect(!results[2].1.contains("Protocol version"), "TLS 1.1 is refused: \(results[2].1)")
        #expect(!results[3].1.contains("Protocol version"), "a CBC suite is refused: \(results[3].1)")
        await gateway.stop()
    }
}
