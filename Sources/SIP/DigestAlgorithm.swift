import ByteText
import Hashing
/// The hash algorithms of HTTP/SIP digest authentication (RFC 7616 §3.3, RFC 8760), with the
/// calculations of RFC 7616 §3.4 built on them.
public enum DigestAlgorithm: String, Sendable, CaseIterable {
    case md5 = "MD5"
    case md5Session = "MD5-sess"
    case sha256 = "SHA-256"
    case sha256Session = "SHA-256-sess"

    /// Recognizes an `algorithm=` token without regard to case.
    public init?(token: String) {
        guard let match = DigestAlgorithm.allCases.first(where: { ASCII.equalsIgnoringCase($0.rawValue, token) }) else {
            return nil
        }
        self = match
    }

    /// True for the `-sess` variants, whose HA1 also covers nonce and cnonce.
    public var isSession: Bool { self == .md5Session || self == .sha256Session }

    /// Lowercase hex hash of the UTF-8 of `text`.
    public func hash(_ text: String) -> String { hash(Array(text.utf8)) }

    public func hash(_ bytes: [UInt8]) -> String {
        switch self {
        case .md5, .md5Session: return Hex.encode(Hash.md5.digest(bytes))
        case .sha256, .sha256Session: return Hex.encode(Hash.sha256.digest(bytes))
        }
    }

    /// HA1 = H(username:realm:password): what a server stores instead of the password.
    /// The same value serves the `-sess` variant of the algorithm.
    public func ha1(username: String, realm: String, password: String) -> String {
        hash(username + ":" + realm + ":" + password)
    }

    /// The `response` value of RFC 7616 §3.4.1 (and RFC 2617 §3.2.2.1 without qop).
    /// - Parameters:
    ///   - ha1: H(username:realm:password) in hex; the session step is applied here when needed.
    ///   - qop: `auth`, `auth-int`, or nil for the RFC 2069 form.
    ///   - nonceCount: the `nc` value as sent, 8 hex digits.
    public func response(ha1: String, nonce: String, nonceCount: String?, cnonce: String?, qop: String?,
                         method: String, uri: String, body: [UInt8] = []) -> String {
        var a1Hash = ha1
        if isSession {
            a1Hash = hash(ha1 + ":" + nonce + ":" + (cnonce ?? ""))
        }
        let a2: String
        if qop == "auth-int" {
            a2 = method + ":" + uri + ":" + hash(body)
        } else {
            a2 = method + ":" + uri
        }
        let ha2 = hash(a2)
        if let qop {
            return hash(a1Hash + ":" + nonce + ":" + (nonceCount ?? "") + ":" + (cnonce ?? "") + ":" + qop + ":" + ha2)
        }
        return hash(a1Hash + ":" + nonce + ":" + ha2)
    }

    /// Preference when a server offers several: the strongest first (RFC 8760 §2.4).
    var strength: Int {
        switch self {
        case .sha256, .sha256Session: return 2
        case .md5, .md5Session: return 1
        }
    }
}
