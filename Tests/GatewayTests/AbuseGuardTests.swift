import Foundation
@testable import Gateway
import SIP
import SIPStack
import Testing

/// Rate limits and digest-failure throttling, driven with a clock of our own.
@Suite struct AbuseGuardTests {
    static func request(_ method: String, user: String? = nil, callID: String = "c1") throws -> SIPRequest {
        let auth = user.map { "Proxy-Authorization: Digest username=\"\($0)\", realm=\"t\", nonce=\"n\", uri=\"sip:x@t\", response=\"00\"\r\n" } ?? ""
        let text = "\(method) sip:600@t SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK\(callID)\r\nMax-Forwards: 70\r\n"
            + "From: <sip:a@t>;tag=1\r\nTo: <sip:600@t>\r\nCall-ID: \(callID)\r\nCSeq: 1 \(method)\r\n" + auth + "Content-Length: 0\r\n\r\n"
        return try SIPRequest(datagram: Array(text.utf8))
    }

    @Test func tokenBucketsAllowABurstThenTheRate() {
        var buckets = TokenBuckets(rate: 2, burst: 3)
        var taken: [Bool] = []
        for _ in 0..<4 { taken.append(buckets.take("a", now: 0)) }
        #expect(taken == [true, true, true, false])
        let other = buckets.take("b", now: 0), early = buckets.take("a", now: 0.4), due = buckets.take("a", now: 0.5)
        #expect(other, "each source has its own bucket")
        #expect(!early, "0.8 of a token earned")
        #expect(due)
        taken = []
        for _ in 0..<4 { taken.append(buckets.take("a", now: 100)) }
        #expect(taken == [true, true, true, false], "refilled to the burst, no more")
    }

    @Test func invitesOverTheRateAreRefusedButTrunksAreNot() throws {
        var limits = GatewayConfig.Limits()
        (limits.inviteRate, limits.inviteBurst) = (1, 2)
        var guardian = AbuseGuard(limits: limits, trunkHosts: ["192.0.2.9"])
        let invite = try Self.request("INVITE")
        #expect(guardian.verdict(invite, from: "192.0.2.1", now: 0).0 == .accept)
        #expect(guardian.verdict(invite, from: "192.0.2.1", now: 0).0 == .accept)
        let (verdict, reason) = guardian.verdict(invite, from: "192.0.2.1", now: 0)
        #expect(verdict == .reject(status: 503, reason: "Rate Limited", retryAfter: 1) && reason == .inviteRate)
        var trunkVerdicts: [RequestVerdict] = []
        for _ in 0..<10 { trunkVerdicts.append(guardian.verdict(invite, from: "192.0.2.9", now: 0).0) }
        #expect(trunkVerdicts.allSatisfy { $0 == .accept }, "a trunk is never limited")
        #expect(guardian.verdict(try Self.request("OPTIONS"), from: "192.0.2.1", now: 0).0 == .accept, "only INVITE and REGISTER count")
        limits.overRate = .drop
        var dropping = AbuseGuard(limits: limits, trunkHosts: [])
        _ = (dropping.verdict(invite, from: "a", now: 0), dropping.verdict(invite, from: "a", now: 0))
        #expect(dropping.verdict(invite, from: "a", now: 0).0 == .drop)
    }

    @Test func digestFailuresRefuseTheUserAndTheSourceForAWindow() throws {
        var limits = GatewayConfig.Limits()
        (limits.authFailures, limits.authFailureWindowSeconds, limits.registerRate) = (3, 60, nil)
        var guardian = AbuseGuard(limits: limits, trunkHosts: [])
        let crossed = [guardian.authenticationFailed(user: "alice", source: "192.0.2.1", now: 0),
                       guardian.authenticationFailed(user: "alice", source: "192.0.2.2", now: 1),
                       guardian.authenticationFailed(user: "alice", source: "192.0.2.3", now: 2)]
        #expect(crossed == [false, false, true], "the third failure for alice crosses the limit")
        let asAlice = try Self.request("REGISTER", user: "alice")
        let refused = RequestVerdict.reject(status: 403, reason: "Too Many Failed Attempts", retryAfter: 60)
        #expect(guardian.verdict(asAlice, from: "198.51.100.7", now: 3).0 == refused, "alice is refused from anywhere")
        #expect(guardian.verdict(try Self.request("REGISTER", user: "bob"), from: "198.51.100.7", now: 3).0 == .accept)
        #expect(guardian.verdict(asAlice, from: "198.51.100.7", now: 63).0 == .accept, "until the window passes")
        for t in 100..<103 { _ = guardian.authenticationFailed(user: nil, source: "203.0.113.5", now: Double(t)) }
        #expect(guardian.verdict(try Self.request("INVITE"), from: "203.0.113.5", now: 104).0 == refused, "a guessing source is refused")
    }
}
