import Foundation
import Logging
import NIOCore
import SIP
import Testing
import TestSupport
@testable import SIPStack

/// Tandem registering a trunk with Kamailio as the upstream registrar.
@Suite(.serialized) struct KamailioRegistrationTests {
    /// Waits (bounded) until Kamailio answers OPTIONS, so the test starts once it really listens.
    func waitUntilUp(_ endpoint: SIPEndpoint, _ peer: SIPPeer) async throws -> Bool {
        for _ in 0..<50 {
            let answered: Bool = try await withCheckedThrowingContinuation { cont in
                endpoint.loop.execute {
                    var r = SIPRequest(method: .options, uri: try! URI("sip:example.test"))
                    r.headers.add(.via, endpoint.makeVia(.udp).description)
                    r.headers.add(.maxForwards, "70")
                    r.headers.add(.from, "<sip:probe@example.test>;tag=\(SIPEndpoint.randomToken(6))")
                    r.headers.add(.to, "<sip:example.test>")
                    r.headers.add(.callID, SIPEndpoint.randomToken(16))
                    r.headers.add(.cseq, "1 OPTIONS")
                    var done = false
                    endpoint.send(r, to: peer) { event in
                        guard !done else { return }
                        switch event {
                        case .response(let resp) where resp.statusCode >= 200: done = true; cont.resume(returning: true)
                        case .timeout: done = true; cont.resume(returning: false)
                        default: break
                        }
                    }
                }
            }
            if answered { return true }
        }
        return false
    }

    struct Outcome {
        let successes: Int
        let state: RegistrationClient.State
        let locations: String
    }

    func register(password: String, expires: UInt32, algorithm: String = "",
                  until: @escaping (RegistrationClient) -> Bool) async throws -> Outcome {
        let kamailio = try KamailioProcess(config: "registrar.cfg", substitutions: ["DIGEST_ALGORITHM": algorithm])
        defer { kamailio.stop() }
        var timers = SIPTimerSettings()
        timers.t1 = 100_000_000   // a lost datagram on loopback costs 100 ms, not 500
        var result: Outcome?
        try await withEndpoint(AnsweringUA(), timers: timers) { endpoint in
            _ = try await endpoint.bindUDP(host: "127.0.0.1", port: 0)
            let peer = try await endpoint.peer(host: "127.0.0.1", port: kamailio.port, transport: .udp)
            #expect(try await waitUntilUp(endpoint, peer), "kamailio did not start: \(kamailio.process.text.suffix(1500))")
            var settings = RegistrationClient.Settings(user: "gw", domain: "example.test", username: "gw", password: password)
            settings.expires = expires
            settings.retryMinimum = 200_000_000
            let client = RegistrationClient(name: "kamailio", settings: settings, endpoint: endpoint, peer: peer, logger: Logger(label: "test"))
            client.start()
            let deadline = ContinuousClock.now + .seconds(15)
            let done = Handed(until)
            while ContinuousClock.now < deadline {
                if try await endpoint.loop.submit({ done.value(client) }).get() { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let dump = try kamailio.locations()
            let (successes, state) = try await endpoint.loop.submit { (client.successes, client.state) }.get()
            await client.stop()
            result = Outcome(successes: successes, state: state, locations: dump)
        }
        return try #require(result)
    }

    /// Kamailio's own SHA-256 digest (RFC 8760/7616) accepts the answer our DigestAlgorithm computes:
    /// the same HA1 and response code that checks browsers' SHA-256 answers, against an independent
    /// implementation.
    @Test func registersWhenKamailioChallengesWithSHA256() async throws {
        let o = try await register(password: "gwpass", expires: 60, algorithm: "SHA-256") { $0.successes >= 1 }
        #expect(o.successes >= 1, "state \(o.state)")
        #expect(o.locations.contains("AoR: gw"), "ul.dump: \(o.locations)")
        let wrong = try await register(password: "not-gwpass", expires: 60, algorithm: "SHA-256") {
            if case .failed = $0.state { true } else { false }
        }
        #expect(wrong.successes == 0, "a wrong password is refused under SHA-256 too: \(wrong.state)")
    }

    @Test func registersWithDigestAndRefreshesBeforeExpiry() async throws {
        // Granted 3 s: refreshed at 80 %, so three registrations take about 5 s.
        let o = try await register(password: "gwpass", expires: 3) { $0.successes >= 3 }
        #expect(o.successes >= 3, "state \(o.state)")
        #expect(o.locations.contains("sip:gw@127.0.0.1:"), "ul.dump: \(o.locations)")
        #expect(o.locations.contains("AoR: gw"), "ul.dump: \(o.locations)")
    }

    @Test func wrongPasswordFailsAndIsRetried() async throws {
        let o = try await register(password: "wrong", expires: 60) { if case .failed = $0.state { true } else { false } }
        #expect(o.successes == 0)
        if case .failed(let why) = o.state {
            #expect(why.contains("credentials refused"))
        } else {
            Issue.record("state \(o.state)")
        }
        #expect(!o.locations.contains("AoR: gw"))
    }
}
