import Foundation
import Hashing

/// A time-limited credential for one user, minted from `token_secret`: the TURN REST pair
/// (user name `EXPIRY:user`, password base64(HMAC-SHA1(secret, user name))) packed as one string a
/// web page can hold: base64url(`EXPIRY:user`) "." base64url(the HMAC), both without padding, so
/// it is an RFC 6750 token68. A page sends it as `Authorization: Bearer TOKEN` to place HTTP calls,
/// and as both digest user name and password to register or call over SIP.
public struct BearerToken: Equatable, Sendable {
    public var user: String
    /// Unix seconds after which the token is refused.
    public var expiry: Int

    public init(user: String, expiry: Int) {
        self.user = user
        self.expiry = expiry
    }

    /// The TURN REST user name the token carries.
    var username: String { "\(expiry):\(user)" }

    public func signed(secret: String) -> String {
        Self.base64url(Array(username.utf8)) + "." + Self.base64url(Self.mac(secret: secret, username: username))
    }

    /// Why a presented token is not taken.
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case malformed, badSignature, expired

        public var description: String {
            switch self {
            case .malformed: "the token is not one this gateway issued"
            case .badSignature: "the token's signature does not match"
            case .expired: "the token has expired"
            }
        }
    }

    /// The token `text` stands for, once its signature and expiry check out.
    public static func verify(_ text: String, secret: String, now: Date) -> Result<BearerToken, Refusal> {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let name = unbase64url(parts[0]), let mac = unbase64url(parts[1]),
              let username = String(bytes: name, encoding: .utf8), let colon = username.firstIndex(of: ":"),
              let expiry = Int(username[..<colon]), colon < username.index(before: username.endIndex) else {
            return .failure(.malformed)
        }
        guard Hash.constantTimeEquals(mac, Self.mac(secret: secret, username: username)) else { return .failure(.badSignature) }
        guard TimeInterval(expiry) > now.timeIntervalSince1970 else { return .failure(.expired) }
        return .success(BearerToken(user: String(username[username.index(after: colon)...]), expiry: expiry))
    }

    static func mac(secret: String, username: String) -> [UInt8] {
        Hash.sha1.authenticate(key: Array(secret.utf8), message: Array(username.utf8))
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        String(Data(bytes).base64EncodedString().compactMap { c -> Character? in
            switch c {
            case "+": "-"
            case "/": "_"
            case "=": nil
            default: c
            }
        })
    }

    static func unbase64url(_ text: Substring) -> [UInt8]? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var standard = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        return Data(base64Encoded: standard).map(Array.init)
    }
}
