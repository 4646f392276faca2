import Foundation
import SIP
import Testing
@testable import SIPStack

/// Bearer tokens as bytes: the format a backend can mint on its own (checked against a vector made
/// with Python's hmac module), and every way a presented token is refused.
@Suite struct BearerTokenTests {
    static let secret = "s3cret"
    /// `base64url("1796707369:alice") "." base64url(HMAC-SHA1("s3cret", "1796707369:alice"))`, by Python.
    static let vector = "MTc5NjcwNzM2OTphbGljZQ.TYuvQv6giCSRwiAlUztbhq6VV4A"
    static let before = Date(timeIntervalSince1970: 1_796_707_000)

    @Test func signsAsAnyHMACLibraryWould() {
        #expect(BearerToken(user: "alice", expiry: 1_796_707_369).signed(secret: Self.secret) == Self.vector)
        #expect(BearerToken.verify(Self.vector, secret: Self.secret, now: Self.before) == .success(BearerToken(user: "alice", expiry: 1_796_707_369)))
    }

    @Test func aUserWithColonsAndNonASCIIRoundTrips() {
        let token = BearerToken(user: "zoë:support", expiry: 1_796_707_369)
        #expect(BearerToken.verify(token.signed(secret: Self.secret), secret: Self.secret, now: Self.before) == .success(token))
    }

    @Test func expiredForgedAndMalformedAreRefused() {
        #expect(BearerToken.verify(Self.vector, secret: Self.secret, now: Date(timeIntervalSince1970: 1_796_707_369)) == .failure(.expired))
        #expect(BearerToken.verify(Self.vector, secret: "other", now: Self.before) == .failure(.badSignature))
        // Another user's name under alice's signature.
        let bob = BearerToken.base64url(Array("1796707369:bob".utf8)) + "." + Self.vector.split(separator: ".")[1]
        #expect(BearerToken.verify(bob, secret: Self.secret, now: Self.before) == .failure(.badSignature))
        let noUser = BearerToken.base64url(Array("1796707369:".utf8)) + ".AAAA"
        let noExpiry = BearerToken.base64url(Array("soon:alice".utf8)) + ".AAAA"
        for bad in ["", ".", "abc", "abc.", ".abc", "a.b.c", "MTc5+NjcwNzM2OTphbGljZQ.TYuv", "MTc5NjcwNzM2OTphbGljZQ==.TYuv", noUser, noExpiry,
                    "Bearer " + Self.vector] {
            #expect(BearerToken.verify(bad, secret: Self.secret, now: Self.before) == .failure(.malformed), "\(bad)")
        }
    }

    /// Given as both digest user name and password, a token authenticates its user over SIP.
    @Test func aTokenIsADigestCredentialForItsUser() throws {
        let credentials = RegistrationCredentials(realm: "tandem", ha1: [:], tokenSecret: Self.secret)
        let found = try #require(credentials.lookup(username: Self.vector, now: Self.before))
        #expect(found.user == "alice")
        #expect(found.ha1 == DigestAlgorithm.md5.ha1(username: Self.vector, realm: "tandem", password: Self.vector))
        #expect(credentials.lookup(username: Self.vector, now: Date(timeIntervalSince1970: 1_796_707_400)) == nil)
        #expect(RegistrationCredentials(realm: "tandem", ha1: [:]).lookup(username: Self.vector, now: Self.before) == nil)
    }
}
