import Foundation
import Hashing
import SIP

/// Who may register, and how their credentials are checked: per-user HA1 per digest algorithm
/// (RFC 7616; MD5 as JsSIP and SIP.js speak it, SHA-256 of RFC 8760 beside it) and, when a secret is
/// set, time-limited tokens: user name `EXPIRY:user` (Unix seconds) with password
/// base64(HMAC-SHA1(secret, "EXPIRY:user")) — the TURN REST scheme WebRTC back ends already mint —
/// or the same pair packed as a `BearerToken`, given as both user name and password.
public struct RegistrationCredentials: Sendable {
    public var realm: String
    /// User name → HA1 hex per algorithm (the hash of user:realm:password).
    public var ha1: [String: [DigestAlgorithm: String]]
    /// Challenged for, in this order (one WWW-/Proxy-Authenticate each). JsSIP and SIP.js answer
    /// only the first challenge and know only MD5, so MD5 leads unless no such client registers.
    public var algorithms: [DigestAlgorithm]
    public var tokenSecret: String?

    public init(realm: String, ha1: [String: [DigestAlgorithm: String]], algorithms: [DigestAlgorithm] = [.md5],
                tokenSecret: String? = nil) {
        self.realm = realm
        self.ha1 = ha1
        self.algorithms = algorithms
        self.tokenSecret = tokenSecret
    }

    /// MD5 only, one HA1 per user.
    public init(realm: String, ha1: [String: String], tokenSecret: String? = nil) {
        self.init(realm: realm, ha1: ha1.mapValues { [.md5: $0] }, tokenSecret: tokenSecret)
    }

    /// HA1 for a plain password: what `users[].password` in the config turns into at load.
    public static func ha1(user: String, realm: String, password: String) -> String {
        DigestAlgorithm.md5.ha1(username: user, realm: realm, password: password)
    }

    /// The user a digest user name authenticates as, and the HA1 to check its `algorithm` answer
    /// with; nil when unknown, when no HA1 of that algorithm is stored, or when a token has expired.
    public func lookup(username: String, algorithm: DigestAlgorithm = .md5, now: Date) -> (user: String, ha1: String)? {
        if let stored = ha1[username] {
            return stored[algorithm].map { (username, $0) }
        }
        guard let secret = tokenSecret else { return nil }
        if case .success(let token) = BearerToken.verify(username, secret: secret, now: now) {
            return (token.user, algorithm.ha1(username: username, realm: realm, password: username))
        }
        guard let colon = username.firstIndex(of: ":"),
              let expiry = TimeInterval(username[..<colon]), expiry > now.timeIntervalSince1970 else { return nil }
        let user = String(username[username.index(after: colon)...])
        guard !user.isEmpty else { return nil }
        return (user, algorithm.ha1(username: username, realm: realm, password: Self.tokenPassword(secret: secret, username: username)))
    }

    /// The user a plain user name and password (HTTP Basic) authenticate as: the one digest would
    /// take with the same pair; nil when it would not.
    public func user(named username: String, password: String, now: Date) -> String? {
        guard let found = lookup(username: username, now: now) else { return nil }
        let expected = DigestAlgorithm.md5.ha1(username: username, realm: realm, password: password)
        return Hash.constantTimeEquals(Array(found.ha1.lowercased().utf8), Array(expected.utf8)) ? found.user : nil
    }

    /// A token's password, as the web application that issues tokens computes it.
    public static func tokenPassword(secret: String, username: String) -> String {
        Data(BearerToken.mac(secret: secret, username: username)).base64EncodedString()
    }
}
