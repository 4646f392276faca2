import Foundation
import Gateway
import Logging
import SIP
import SIPStack
import Testing
import TestSupport

/// Registration over SIP-over-WebSocket the way JsSIP and SIP.js do it, against a running gateway.
@Suite(.serialized) struct WebSocketRegistrationTests {
    static let secret = "s3cret-for-tokens"

    func withGateway(secure: Bool = false, flowTimer: Int = 30, _ body: (GatewayServer, Int) async throws -> Void) async throws {
        var config = GatewayConfig()
        let any = ListenAddress(host: "127.0.0.1", port: 0)
        config.listen.sipUDP = any
        config.listen.sipTCP = any
        config.listen.sipTLS = secure ? any : nil
        config.listen.https = secure ? any : nil
        config.listen.http = any
        config.realm = "tandem.test"
        config.users = [GatewayConfig.User(name: "alice", password: "wonderland"),
                        GatewayConfig.User(name: "bob", ha1: RegistrationCredentials.ha1(user: "bob", realm: "tandem.test", password: "builder"))]
        config.tokenSecret = Self.secret
        config.sip.flowTimerSeconds = flowTimer
        let dir = NSTemporaryDirectory() + "tandem-ws-\(UUID().uuidString)"
        config.certificateDirectory = dir
        config.dialplanDirectory = repositoryRoot + "/dialplans"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = GatewayServer(config: config, logger: Logger(label: "test"), threads: 1)
        try await server.start()
        do {
            try await body(server, try #require(server.boundAddresses["http+ws"]?.port))
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    func client(_ port: Int) throws -> PeerProcess {
        try client("ws://127.0.0.1:\(port)/ws")
    }

    func client(_ url: String, trusting certificate: String? = nil) throws -> PeerProcess {
        try PeerProcess(pythonBinary, [repositoryRoot + "/Tests/Interop/ws_sip_client.py", url, "tandem.test"] + (certificate.map { [$0] } ?? []))
    }

    /// WSS and plain SIP over TLS, each against a real TLS client (Python's OpenSSL) that verifies the
    /// certificate the gateway generated: digest registration and OPTIONS both succeed.
    @Test func secureTransportsRegisterWithDigest() async throws {
        try await withGateway(secure: true) { server, _ in
            let certificate = server.config.certificateDirectory + "/tls.crt"
            for url in ["wss://127.0.0.1:\(server.boundAddresses["https+wss"]?.port ?? 0)/ws",
                        "tls://127.0.0.1:\(server.boundAddresses["sip-tls"]?.port ?? 0)"] {
                let peer = try client(url, trusting: certificate)
                defer { peer.stop() }
                let registered = try ask(peer, ["cmd": "register", "user": "alice", "password": "wonderland"])
                #expect(registered["status"] as? Int == 200 && registered["challenged"] as? Bool == true, "\(url): \(registered)")
                #expect(try ask(peer, ["cmd": "options"])["status"] as? Int == 200, "\(url)")
                #expect(try await waitForBindings(server, "alice", 1), "\(url)")
                _ = try ask(peer, ["cmd": "close"])
                #expect(try await waitForBindings(server, "alice", 0), "the binding goes with the connection: \(url)")
            }
        }
    }

    func ask(_ peer: PeerProcess, _ command: [String: Any]) throws -> [String: Any] {
        try peer.writeJSON(command)
        return try #require(peer.readJSON(timeout: 15), "no reply to \(command): \(peer.stderr)")
    }

    /// Waits (bounded) until the gateway holds `count` bindings for `user`.
    /// RFC 5626 flows, as JsSIP and SIP.js register (reg-id, +sip.instance, `Supported: outbound`):
    /// the 200 says `Require: outbound` and `Flow-Timer`; a WebSocket whose client stops answering
    /// our pings (SIGSTOPped: a laptop whose lid closed) and a TLS flow that sends no CRLF
    /// keep-alives are closed after one and a half Flow-Timers, their bindings with them, while a
    /// WebSocket that answers stays.
    @Test func deadFlowsAreClosedAndTheirBindingsGo() async throws {
        try await withGateway(secure: true, flowTimer: 2) { server, port in
            let live = try client(port), stalled = try client(port)
            let tls = try client("tls://127.0.0.1:\(server.boundAddresses["sip-tls"]?.port ?? 0)", trusting: server.config.certificateDirectory + "/tls.crt")
            defer { for peer in [live, stalled, tls] { kill(peer.pid, SIGCONT); peer.stop() } }
            let first = try ask(stalled, ["cmd": "register", "user": "alice", "password": "wonderland"])
            #expect(first["status"] as? Int == 200 && first["require"] as? String == "outbound" && first["flowTimer"] as? String == "2", "\(first)")
            #expect(try ask(live, ["cmd": "register", "user": "bob", "password": "builder"])["status"] as? Int == 200)
            let carol = "\(Int(Date().timeIntervalSince1970) + 3600):carol"
            let overTLS = try ask(tls, ["cmd": "register", "user": "carol", "auth_user": carol,
                                        "password": RegistrationCredentials.tokenPassword(secret: Self.secret, username: carol)])
            #expect(overTLS["status"] as? Int == 200 && overTLS["require"] as? String == "outbound", "\(overTLS)")
            kill(stalled.pid, SIGSTOP)
            #expect(try await waitForBindings(server, "alice", 0, within: 10), "the stalled WebSocket was closed")
            #expect(try await waitForBindings(server, "carol", 0, within: 10), "the TLS flow without keep-alives was closed")
            // Two more Flow-Timers, past what killed the others: pongs keep bob's flow alive.
            #expect(try await !waitForBindings(server, "bob", 0, within: 4), "the WebSocket that answers pings stays")
            #expect(try ask(live, ["cmd": "options"])["status"] as? Int == 200)
        }
    }

    func waitForBindings(_ server: GatewayServer, _ user: String, _ count: Int, within seconds: Int64 = 5) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await server.bindings(of: user).count == count { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    @Test func digestRegistrationBindsAndSocketCloseUnbinds() async throws {
        try await withGateway { server, port in
            let peer = try client(port)
            defer { peer.stop() }
            let ok = try ask(peer, ["cmd": "register", "user": "alice", "password": "wonderland"])
            #expect(ok["status"] as? Int == 200, "\(ok)")
            #expect(ok["challenged"] as? Bool == true)
            let contacts = ok["contacts"] as? [String] ?? []
            #expect(contacts.count == 1 && contacts[0].contains("transport=ws") && contacts[0].contains("expires="), "\(contacts)")
            let bindings = try await server.bindings(of: "alice")
            #expect(bindings.count == 1)
            #expect(bindings.first?.peer.transport == .ws)
            #expect(bindings.first?.instance?.contains("urn:uuid:") == true)
            // Registering again from the same instance replaces, not adds.
            let again = try ask(peer, ["cmd": "register", "user": "alice", "password": "wonderland"])
            #expect(again["status"] as? Int == 200)
            #expect(try await server.bindings(of: "alice").count == 1)
            _ = try ask(peer, ["cmd": "close"])
            #expect(try await waitForBindings(server, "alice", 0), "binding must go with its WebSocket")
        }
    }

    @Test func ha1UserAndWrongPassword() async throws {
        try await withGateway { server, port in
            let peer = try client(port)
            defer { peer.stop() }
            let wrong = try ask(peer, ["cmd": "register", "user": "bob", "password": "not-it"])
            #expect(wrong["status"] as? Int == 401, "\(wrong)")
            #expect(try await server.bindings(of: "bob").isEmpty)
            let stranger = try ask(peer, ["cmd": "register", "user": "mallory", "password": "x"])
            #expect(stranger["status"] as? Int == 401)
            let right = try ask(peer, ["cmd": "register", "user": "bob", "password": "builder"])
            #expect(right["status"] as? Int == 200, "\(right)")
        }
    }

    @Test func tokenRegistration() async throws {
        try await withGateway { server, port in
            let peer = try client(port)
            defer { peer.stop() }
            let username = "\(Int(Date().timeIntervalSince1970) + 3600):carol"
            let password = RegistrationCredentials.tokenPassword(secret: Self.secret, username: username)
            let ok = try ask(peer, ["cmd": "register", "user": "carol", "password": password, "auth_user": username])
            #expect(ok["status"] as? Int == 200, "\(ok)")
            #expect(try await server.bindings(of: "carol").count == 1)

            let expiredName = "\(Int(Date().timeIntervalSince1970) - 10):dave"
            let expired = try ask(peer, ["cmd": "register", "user": "dave", "password":
                                         RegistrationCredentials.tokenPassword(secret: Self.secret, username: expiredName),
                                         "auth_user": expiredName])
            #expect(expired["status"] as? Int == 401, "an expired token is refused")
            let forged = try ask(peer, ["cmd": "register", "user": "erin", "password": "forged", "auth_user": username.replacingOccurrences(of: "carol", with: "erin")])
            #expect(forged["status"] as? Int == 401)
            // A token for carol cannot register someone else's address.
            let crossed = try ask(peer, ["cmd": "register", "user": "bob", "password": password, "auth_user": username])
            #expect(crossed["status"] as? Int == 403, "\(crossed)")

            // The bearer token of HTTP calls is a SIP credential too: user name and password both.
            let bearer = BearerToken(user: "frank", expiry: Int(Date().timeIntervalSince1970) + 3600).signed(secret: Self.secret)
            let viaBearer = try ask(peer, ["cmd": "register", "user": "frank", "password": bearer, "auth_user": bearer])
            #expect(viaBearer["status"] as? Int == 200, "\(viaBearer)")
            #expect(try await server.bindings(of: "frank").count == 1)
        }
    }

    @Test func malformedMessagesGet400AndTheSocketStaysUp() async throws {
        try await withGateway { _, port in
            let peer = try client(port)
            defer { peer.stop() }
            for bad in MalformedCorpus.requests {
                let r = try ask(peer, ["cmd": "raw", "data": bad.text])
                #expect(r["status"] as? Int == bad.status, "\(bad.name): \(r)")
                #expect((r["reason"] as? String).map { !$0.isEmpty } == true, "\(bad.name): a reason")
            }
            let ok = try ask(peer, ["cmd": "options"])
            #expect(ok["status"] as? Int == 200, "the connection still works: \(ok)")
        }
    }
}
