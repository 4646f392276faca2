import Foundation
import Gateway
import Logging
import NIOCore
import Testing
import TestSupport

/// Starts a real gateway on free loopback ports and talks to its listeners over sockets.
@Suite struct GatewayServerTests {
    func withServer(_ body: (GatewayServer) async throws -> Void) async throws {
        var config = GatewayConfig()
        let any = ListenAddress(host: "127.0.0.1", port: 0)
        config.listen.sipUDP = any
        config.listen.sipTCP = any
        config.listen.sipTLS = any
        config.listen.http = any
        config.listen.https = any
        let dir = NSTemporaryDirectory() + "tandem-srv-\(UUID().uuidString)"
        config.certificateDirectory = dir
        // The shipped dialplan, whose routes name these users.
        config.dialplanDirectory = repositoryRoot + "/dialplans"
        config.webPhone.directory = repositoryRoot + "/web"
        config.users = [GatewayConfig.User(name: "alice", password: "a"), GatewayConfig.User(name: "bob", password: "b")]
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = GatewayServer(config: config, logger: Logger(label: "test"), threads: 1)
        try await server.start()
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func everyListenerIsBound() async throws {
        try await withServer { server in
            let bound = server.boundAddresses
            #expect(Set(bound.keys) == ["sip-udp", "sip-tcp", "sip-tls", "http+ws", "https+wss"])
            #expect(bound.values.allSatisfy { ($0.port ?? 0) > 0 })
            #expect(FileManager.default.fileExists(atPath: server.config.certificateDirectory + "/dtls.crt"))
            #expect(server.dtlsContext != nil)
        }
    }

    @Test func healthAnswers() async throws {
        try await withServer { server in
            let port = try #require(server.boundAddresses["http+ws"]?.port)
            let reply = try tcpExchange(port: port, send: "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(reply.hasPrefix("HTTP/1.1 200 OK"))
            #expect(reply.hasSuffix(#"{"status":"ok","version":"\#(tandemVersion)"}"# + "\n"))
            let page = try tcpExchange(port: port, send: "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(page.hasPrefix("HTTP/1.1 200 OK") && page.contains("Content-Type: text/html") && page.contains("<title>Tandem web phone</title>"))
            let missing = try tcpExchange(port: port, send: "GET /../Package.swift HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(missing.hasPrefix("HTTP/1.1 404"))
        }
    }

    @Test func webSocketUpgradeNeedsTheSIPSubprotocol() async throws {
        try await withServer { server in
            let port = try #require(server.boundAddresses["http+ws"]?.port)
            let upgrade = { (protocols: String) in
                "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + protocols + "\r\n"
            }
            let accepted = try tcpExchange(port: port, send: upgrade("Sec-WebSocket-Protocol: sip\r\n")) { $0.contains("\r\n\r\n") }
            #expect(accepted.hasPrefix("HTTP/1.1 101"))
            // RFC 6455's sample key and its accept value.
            #expect(accepted.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
            #expect(accepted.lowercased().contains("sec-websocket-protocol: sip"))
            let refused = try tcpExchange(port: port, send: upgrade("Sec-WebSocket-Protocol: chat\r\n")) { $0.contains("\r\n\r\n") }
            #expect(!refused.hasPrefix("HTTP/1.1 101"))
        }
    }

    @Test func portInUseFailsToStartAndReleasesTheOthers() async throws {
        try await withServer { first in
            var config = first.config
            config.listen.sipUDP = nil
            config.listen.sipTCP = ListenAddress(host: "127.0.0.1", port: 0)
            config.listen.sipTLS = nil
            config.listen.https = nil
            config.listen.http = ListenAddress(host: "127.0.0.1", port: try #require(first.boundAddresses["http+ws"]?.port))
            let second = GatewayServer(config: config, logger: Logger(label: "test"), threads: 1)
            await #expect(throws: (any Error).self) { try await second.start() }
            #expect(second.boundAddresses.isEmpty)
        }
    }
}
