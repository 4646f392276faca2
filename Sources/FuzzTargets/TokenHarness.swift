import Foundation
import SIPStack

/// What an HTTP caller hands us as a credential: a bearer token (verified with the harness secret
/// at two clocks) and the same bytes as a digest user name. A token that verifies must verify
/// again once signed anew, for the same user and expiry.
enum TokenHarness {
    static let secret = "fuzz-secret"
    static let credentials = RegistrationCredentials(realm: "tandem", ha1: [:], tokenSecret: secret)

    static func run(_ input: [UInt8]) {
        guard let text = String(bytes: input, encoding: .utf8) else { return }
        for now in [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 4_000_000_000)] {
            if case .success(let token) = BearerToken.verify(text, secret: secret, now: now) {
                guard case .success(token) = BearerToken.verify(token.signed(secret: secret), secret: secret, now: now) else {
                    fatalError("a token that verified does not verify once signed again: \(text)")
                }
            }
            _ = credentials.lookup(username: text, now: now)
        }
    }
}
