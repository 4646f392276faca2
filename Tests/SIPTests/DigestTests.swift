import Foundation
import Hashing
import Testing
@testable import SIP

@Suite("Digest authentication")
struct DigestTests {
    @Test func rfc2617Section3_5() {
        let ha1 = DigestAlgorithm.md5.ha1(username: "Mufasa", realm: "testrealm@host.com", password: "Circle Of Life")
        let response = DigestAlgorithm.md5.response(ha1: ha1, nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                                                    nonceCount: "00000001", cnonce: "0a4f113b", qop: "auth",
                                                    method: "GET", uri: "/dir/index.html")
        #expect(response == "6629fae49393a05397450978507c4ef1")
    }

    @Test(arguments: [
        (DigestAlgorithm.md5, "8ca523f5e9506fed4657c9700eebdbec"),
        (DigestAlgorithm.sha256, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ])
    func rfc7616Section3_9_1(_ algorithm: DigestAlgorithm, _ expected: String) throws {
        let challenge = try DigestChallenge("""
        Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=\(algorithm.rawValue), \
        nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
        """)
        #expect(challenge.qop == ["auth", "auth-int"])
        var client = DigestClient(username: "Mufasa", password: "Circle of Life")
        let credentials = client.credentials(for: challenge, method: "GET", uri: "/dir/index.html",
                                             cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
        #expect(credentials.response == expected)
        #expect(credentials.qop == "auth")
        #expect(credentials.nonceCountText == "00000001")
        #expect(credentials.opaque == "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")
        // The header text parses back to the same credentials.
        #expect(try DigestCredentials(credentials.description) == credentials)
    }

    @Test func sessionVariantsAndAuthInt() {
        let ha1 = DigestAlgorithm.md5Session.ha1(username: "u", realm: "r", password: "p")
        let sess = DigestAlgorithm.md5Session.response(ha1: ha1, nonce: "n", nonceCount: "00000001", cnonce: "c",
                                                       qop: "auth", method: "INVITE", uri: "sip:a@b")
        // -sess: HA1' = H(H(u:r:p):nonce:cnonce).
        let manual = md5(md5(md5("u:r:p") + ":n:c") + ":n:00000001:c:auth:" + md5("INVITE:sip:a@b"))
        #expect(sess == manual)
        let authInt = DigestAlgorithm.sha256.response(ha1: "h", nonce: "n", nonceCount: "00000001", cnonce: "c",
                                                      qop: "auth-int", method: "INVITE", uri: "sip:a@b", body: Array("x".utf8))
        #expect(authInt == sha256("h:n:00000001:c:auth-int:" + sha256("INVITE:sip:a@b:" + sha256("x"))))
    }

    @Test func nonceCountsIncrease() throws {
        var client = DigestClient(username: "alice", password: "pw")
        let challenge = DigestChallenge(realm: "r", nonce: "n1")
        #expect(client.credentials(for: challenge, method: .register, uri: "sip:r").nonceCount == 1)
        #expect(client.credentials(for: challenge, method: .register, uri: "sip:r").nonceCount == 2)
        #expect(client.credentials(for: DigestChallenge(realm: "r", nonce: "n2"), method: .register, uri: "sip:r").nonceCount == 1)
        // RFC 2069 style: no qop, so no nc or cnonce.
        let legacy = client.credentials(for: DigestChallenge(realm: "r", nonce: "n3", qop: []), method: .register, uri: "sip:r")
        #expect(legacy.nonceCount == nil && legacy.cnonce == nil && legacy.qop == nil)
    }

    @Test func challengeParsingErrors() throws {
        for text in ["Basic realm=\"x\"", "Digest nonce=\"n\"", "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256",
                     "Digest realm=\"r\", nonce=\"n", "Digest realm"] {
            #expect(throws: SIPParseError.self, "\(text)") { try DigestChallenge(text) }
        }
        #expect(throws: SIPParseError.self) { try DigestCredentials(#"Digest username="a", realm="r", nonce="n", uri="u", response="x", qop=auth, cnonce="c", nc=1"#) }
        #expect(try DigestChallenge(#"Digest realm="r", nonce="n", stale=TRUE"#).stale)
    }

    // MARK: client ⇄ server

    private let secret = Array("tandem-test-secret".utf8)
    private let start = Date(timeIntervalSince1970: 1_700_000_000)

    private func register() throws -> SIPRequest {
        try parseRequest("""
        REGISTER sip:example.com SIP/2.0
        Via: SIP/2.0/WSS jq6aeg3mp4ut.invalid;branch=z9hG4bK4312671
        To: <sip:alice@example.com>
        From: <sip:alice@example.com>;tag=a73kszlfl5
        CSeq: 1 REGISTER
        Call-ID: f9uv9dfdqf1bcm33s2hk3v
        Max-Forwards: 70
        Contact: <sip:h8bgqf2t@jq6aeg3mp4ut.invalid;transport=ws>
        Content-Length: 0


        """)
    }

    private func storedHA1(_ password: String) -> (String, String, DigestAlgorithm) -> String? {
        { username, realm, algorithm in
            username == "alice" ? algorithm.ha1(username: username, realm: realm, password: password) : nil
        }
    }

    /// The server challenges, the client answers in a new request: returns that request.
    private func answered(server: DigestServer, password: String, at time: Date, statusCode: Int = 401) throws -> SIPRequest {
        var request = try register()
        var challenge = SIPResponse(replyingTo: request, statusCode: statusCode, toTag: "s1")
        server.challenge(&challenge, now: time)
        // Over the wire and back, as it would really travel.
        challenge = try SIPResponse(datagram: challenge.serialized())
        var client = DigestClient(username: "alice", password: password)
        #expect(client.authorize(&request, for: challenge))
        return try SIPRequest(datagram: request.serialized())
    }

    @Test func clientAnswersServerAccepts() throws {
        var server = DigestServer(realm: "example.com", secret: secret)
        let request = try answered(server: server, password: "wonderland", at: start)
        let credentials = try #require(try request.headers.authorization().first)
        #expect(credentials.algorithm == .sha256)  // the strongest one offered
        #expect(server.verify(request, now: start.addingTimeInterval(2), ha1: storedHA1("wonderland")) == .accepted(username: "alice"))
    }

    @Test func proxyAuthenticationUses407Headers() throws {
        var server = DigestServer(realm: "example.com", secret: secret, algorithms: [.md5])
        let request = try answered(server: server, password: "wonderland", at: start, statusCode: 407)
        #expect(try request.headers.authorization().isEmpty)
        #expect(try request.headers.proxyAuthorization().first?.algorithm == .md5)
        #expect(server.verify(request, proxy: true, now: start, ha1: storedHA1("wonderland")) == .accepted(username: "alice"))
        #expect(server.verify(request, proxy: false, now: start, ha1: storedHA1("wonderland")) == .missingCredentials)
    }

    @Test func wrongPasswordIsRejected() throws {
        var server = DigestServer(realm: "example.com", secret: secret)
        let request = try answered(server: server, password: "guess", at: start)
        #expect(server.verify(request, now: start, ha1: storedHA1("wonderland")) == .rejected(reason: "Wrong credentials"))
    }

    @Test func unknownUserIsRejected() throws {
        var server = DigestServer(realm: "example.com", secret: secret)
        let request = try answered(server: server, password: "wonderland", at: start)
        #expect(server.verify(request, now: start, ha1: { _, _, _ in nil }) == .rejected(reason: "Unknown user"))
    }

    @Test func replayedNonceCountIsRejected() throws {
        var server = DigestServer(realm: "example.com", secret: secret)
        let request = try answered(server: server, password: "wonderland", at: start)
        #expect(server.verify(request, now: start, ha1: storedHA1("wonderland")) == .accepted(username: "alice"))
        #expect(server.verify(request, now: start, ha1: storedHA1("wonderland")) == .rejected(reason: "Replayed nonce count"))
    }

    @Test func reusedNonceWithHigherCountIsAccepted() throws {
        var server = DigestServer(realm: "example.com", secret: secret, algorithms: [.md5])
        let challenge = try #require(server.challenges(now: start).first)
        var client = DigestClient(username: "alice", password: "wonderland")
        for expectedCount in 1...3 {
            let credentials = client.credentials(for: challenge, method: .register, uri: "sip:example.com")
            #expect(credentials.nonceCount == UInt32(expectedCount))
            #expect(server.verify(credentials, method: .register, now: start,
                                  ha1: DigestAlgorithm.md5.ha1(username: "alice", realm: "example.com", password: "wonderland"))
                    == .accepted(username: "alice"))
        }
    }

    @Test func expiredNonceIsStale() throws {
        var server = DigestServer(realm: "example.com", secret: secret, nonceLifetime: 300)
        let request = try answered(server: server, password: "wonderland", at: start)
        #expect(server.verify(request, now: start.addingTimeInterval(301), ha1: storedHA1("wonderland")) == .stale)
        // A stale challenge says so on the wire.
        var retry = SIPResponse(statusCode: 401)
        server.challenge(&retry, stale: true, now: start.addingTimeInterval(301))
        #expect(try retry.headers.wwwAuthenticate().allSatisfy(\.stale))
        // But an expired nonce with the wrong password is still just wrong.
        let wrong = try answered(server: server, password: "guess", at: start)
        #expect(server.verify(wrong, now: start.addingTimeInterval(301), ha1: storedHA1("wonderland")) == .rejected(reason: "Wrong credentials"))
    }

    @Test func forgedNonceIsRejected() throws {
        let issuer = DigestServer(realm: "example.com", secret: Array("other-secret".utf8))
        var server = DigestServer(realm: "example.com", secret: secret)
        let request = try answered(server: issuer, password: "wonderland", at: start)
        #expect(server.verify(request, now: start, ha1: storedHA1("wonderland")) == .rejected(reason: "Nonce not issued here"))
    }

    @Test func credentialsForAnotherURIAreRejected() throws {
        var server = DigestServer(realm: "example.com", secret: secret)
        var request = try answered(server: server, password: "wonderland", at: start)
        request.uri = try URI("sip:other.example.com")
        #expect(server.verify(request, now: start, ha1: storedHA1("wonderland")) == .rejected(reason: "Digest uri does not match the Request-URI"))
    }

    @Test func missingCredentials() throws {
        var server = DigestServer(realm: "example.com", secret: secret)
        #expect(server.verify(try register(), now: start, ha1: storedHA1("wonderland")) == .missingCredentials)
    }

    @Test func trackerIsBounded() {
        var tracker = NonceCountTracker(capacity: 2)
        #expect(tracker.check(nonce: "a", nonceCount: 1) == .fresh)
        #expect(tracker.check(nonce: "b", nonceCount: 1) == .fresh)
        #expect(tracker.check(nonce: "a", nonceCount: 1) == .replayed)
        #expect(tracker.check(nonce: "c", nonceCount: 1) == .fresh)
        #expect(tracker.count == 2)
        // "a" was forgotten: a later count cannot be checked, so it must be re-challenged.
        #expect(tracker.check(nonce: "a", nonceCount: 2) == .unknownNonce)
    }
}

private func md5(_ text: String) -> String { Hex.encode(Hash.md5.digest(text)) }
private func sha256(_ text: String) -> String { Hex.encode(Hash.sha256.digest(text)) }
