import Foundation
import Hashing

/// The result of checking a request's digest credentials.
public enum DigestVerification: Sendable, Equatable {
    /// Credentials are right; the authenticated user name.
    case accepted(username: String)
    /// The password was right but the nonce expired or was forgotten: challenge again with `stale=true`.
    case stale
    /// No credentials for this realm: challenge.
    case missingCredentials
    /// Wrong password, forged nonce, replayed nonce count, or malformed credentials.
    case rejected(reason: String)
}

/// The server side of digest authentication, as the registrar and the trunk-facing side use it.
///
/// Nonces carry their issue time and an HMAC-SHA256 over it with a server secret, so any nonce can
/// be checked without a table of issued nonces; the only state is a bounded nonce-count tracker.
/// Users are looked up by HA1, never by password.
public struct DigestServer: Sendable {
    public let realm: String
    /// Algorithms offered, in the order challenged; each gets its own challenge header.
    public let algorithms: [DigestAlgorithm]
    /// How long a nonce stays valid, in seconds.
    public let nonceLifetime: TimeInterval
    private let secret: [UInt8]
    private var tracker: NonceCountTracker

    public init(realm: String, secret: [UInt8], algorithms: [DigestAlgorithm] = [.sha256, .md5],
                nonceLifetime: TimeInterval = 300, trackerCapacity: Int = 4096) {
        self.realm = realm
        self.secret = secret
        self.algorithms = algorithms.isEmpty ? [.md5] : algorithms
        self.nonceLifetime = nonceLifetime
        tracker = NonceCountTracker(capacity: trackerCapacity)
    }

    /// Fresh challenges (one per algorithm, sharing one nonce) for a 401 or 407.
    public func challenges(stale: Bool = false, now: Date = Date()) -> [DigestChallenge] {
        let nonce = makeNonce(now: now)
        return algorithms.map {
            DigestChallenge(realm: realm, nonce: nonce, stale: stale, algorithm: $0, qop: ["auth"])
        }
    }

    /// Adds the challenges to a response: WWW-Authenticate for 401, Proxy-Authenticate for 407.
    public func challenge(_ response: inout SIPResponse, stale: Bool = false, now: Date = Date()) {
        let name: HeaderName = response.statusCode == 407 ? .proxyAuthenticate : .wwwAuthenticate
        response.headers.setAll(name, challenges(stale: stale, now: now).map(\.description))
    }

    /// Checks the request's Authorization (or Proxy-Authorization when `proxy`) for this realm.
    /// - Parameter ha1: looks up HA1 (hex) for a user name, realm and algorithm; nil for an unknown user.
    public mutating func verify(_ request: SIPRequest, proxy: Bool = false, now: Date = Date(),
                                ha1: (_ username: String, _ realm: String, _ algorithm: DigestAlgorithm) -> String?) -> DigestVerification {
        let all: [DigestCredentials]
        do {
            all = try proxy ? request.headers.proxyAuthorization() : request.headers.authorization()
        } catch {
            return .rejected(reason: error.reason)
        }
        guard let credentials = all.first(where: { $0.realm == realm }) else { return .missingCredentials }
        // The digest must cover this request's URI, or one signed request could authorize another.
        if credentials.uri != request.uri.description {
            guard let signed = try? URI(credentials.uri), signed == request.uri else {
                return .rejected(reason: "Digest uri does not match the Request-URI")
            }
        }
        return verify(credentials, method: request.method, body: request.body, now: now,
                      ha1: ha1(credentials.username, realm, credentials.algorithm ?? .md5))
    }

    /// Checks one set of credentials against a stored HA1 (nil when the user is unknown).
    public mutating func verify(_ credentials: DigestCredentials, method: SIPMethod, body: [UInt8] = [],
                                now: Date = Date(), ha1: String?) -> DigestVerification {
        guard credentials.realm == realm else { return .rejected(reason: "Wrong realm") }
        let algorithm = credentials.algorithm ?? .md5
        guard algorithms.contains(algorithm) else { return .rejected(reason: "Algorithm not offered") }
        guard let issued = nonceTime(credentials.nonce) else { return .rejected(reason: "Nonce not issued here") }
        guard let ha1 else { return .rejected(reason: "Unknown user") }
        if let qop = credentials.qop, qop != "auth", qop != "auth-int" {
            return .rejected(reason: "Unsupported qop")
        }
        let expected = algorithm.response(ha1: ha1, nonce: credentials.nonce, nonceCount: credentials.nonceCountText,
                                          cnonce: credentials.cnonce, qop: credentials.qop,
                                          method: method.rawValue, uri: credentials.uri, body: body)
        guard Hash.constantTimeEquals(Array(expected.utf8), Array(credentials.response.lowercased().utf8)) else {
            return .rejected(reason: "Wrong credentials")
        }
        let age = now.timeIntervalSince1970 - issued
        guard age <= nonceLifetime else { return .stale }
        guard age >= -30 else { return .rejected(reason: "Nonce from the future") }
        if credentials.qop != nil, let nonceCount = credentials.nonceCount {
            switch tracker.check(nonce: credentials.nonce, nonceCount: nonceCount) {
            case .fresh: break
            case .replayed: return .rejected(reason: "Replayed nonce count")
            case .unknownNonce: return .stale
            }
        }
        return .accepted(username: credentials.username)
    }

    /// nonce = hex(issue time, 8 bytes | salt, 8 bytes | HMAC-SHA256(secret, time | salt | realm), first 16 bytes).
    func makeNonce(now: Date) -> String {
        let seconds = UInt64(Swift.max(0, now.timeIntervalSince1970.rounded(.down)))
        var payload: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: seconds >> (8 * UInt64(7 - $0))) }
        var generator = SystemRandomNumberGenerator()
        payload += (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let mac = Hash.sha256.authenticate(key: secret, message: payload + Array(realm.utf8))
        return Hex.encode(payload + mac.prefix(16))
    }

    /// The issue time of a nonce we made, or nil when it was not made with our secret.
    func nonceTime(_ nonce: String) -> TimeInterval? {
        guard nonce.utf8.count == 64, let bytes = Hex.decode(nonce) else { return nil }
        let payload = Array(bytes[0..<16])
        let mac = Hash.sha256.authenticate(key: secret, message: payload + Array(realm.utf8))
        guard Hash.constantTimeEquals(Array(mac.prefix(16)), Array(bytes[16..<32])) else { return nil }
        var seconds: UInt64 = 0
        for b in payload[0..<8] { seconds = seconds << 8 | UInt64(b) }
        return TimeInterval(seconds)
    }
}
