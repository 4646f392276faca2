import ByteText
/// Digest credentials from Authorization or Proxy-Authorization: a client's answer to a challenge.
public struct DigestCredentials: Sendable, Equatable, CustomStringConvertible {
    public var username: String
    public var realm: String
    public var nonce: String
    /// The `uri` parameter: the Request-URI the response was computed over.
    public var uri: String
    /// The hex digest response.
    public var response: String
    /// Nil when the parameter was absent (meaning MD5).
    public var algorithm: DigestAlgorithm?
    public var cnonce: String?
    public var opaque: String?
    public var qop: String?
    public var nonceCount: UInt32?

    public init(username: String, realm: String, nonce: String, uri: String, response: String,
                algorithm: DigestAlgorithm? = nil, cnonce: String? = nil, opaque: String? = nil,
                qop: String? = nil, nonceCount: UInt32? = nil) {
        self.username = username
        self.realm = realm
        self.nonce = nonce
        self.uri = uri
        self.response = response
        self.algorithm = algorithm
        self.cnonce = cnonce
        self.opaque = opaque
        self.qop = qop
        self.nonceCount = nonceCount
    }

    /// Parses a header value; throws for a non-Digest scheme or missing mandatory parameters.
    public init(_ text: String) throws(SIPParseError) {
        let params = try AuthParams(text)
        guard params.isDigest else {
            throw SIPParseError(.invalidHeaderValue, "Unsupported authorization scheme \(params.scheme)")
        }
        guard let username = params["username"], let realm = params["realm"], let nonce = params["nonce"],
              let uri = params["uri"], let response = params["response"] else {
            throw SIPParseError(.invalidHeaderValue, "Digest credentials missing username, realm, nonce, uri or response")
        }
        var algorithm: DigestAlgorithm? = nil
        if let token = params["algorithm"] {
            guard let known = DigestAlgorithm(token: token) else {
                throw SIPParseError(.invalidHeaderValue, "Unsupported digest algorithm")
            }
            algorithm = known
        }
        var nonceCount: UInt32? = nil
        if let nc = params["nc"] {
            // Exactly eight hex digits (RFC 7616 §3.4).
            guard nc.utf8.count == 8, nc.utf8.allSatisfy({ ASCII.hexValue($0) != nil }),
                  let value = UInt32(nc, radix: 16) else {
                throw SIPParseError(.invalidNumber, "Invalid nonce count")
            }
            nonceCount = value
        }
        let qop = params["qop"]
        if qop != nil && (nonceCount == nil || params["cnonce"] == nil) {
            throw SIPParseError(.invalidHeaderValue, "Digest qop without nc and cnonce")
        }
        self.init(username: username, realm: realm, nonce: nonce, uri: uri, response: response,
                  algorithm: algorithm, cnonce: params["cnonce"], opaque: params["opaque"],
                  qop: qop, nonceCount: nonceCount)
    }

    /// The nonce count as sent on the wire: eight lowercase hex digits.
    public var nonceCountText: String? {
        nonceCount.map { count in
            let hex = String(count, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }
    }

    public var description: String {
        var writer = AuthParamsWriter()
        writer.quoted("username", username)
        writer.quoted("realm", realm)
        writer.quoted("nonce", nonce)
        writer.quoted("uri", uri)
        writer.quoted("response", response)
        writer.token("algorithm", algorithm?.rawValue)
        writer.quoted("cnonce", cnonce)
        writer.quoted("opaque", opaque)
        writer.token("qop", qop)
        writer.token("nc", nonceCountText)
        return writer.finish()
    }
}

extension SIPHeaders {
    private func credentials(_ name: HeaderName) throws(SIPParseError) -> [DigestCredentials] {
        var result: [DigestCredentials] = []
        for value in values(name) {
            guard let params = try? AuthParams(value), params.isDigest else { continue }
            do {
                result.append(try DigestCredentials(value))
            } catch {
                throw error.attributed(to: name)
            }
        }
        return result
    }

    /// Digest credentials in Authorization headers (other schemes are skipped).
    public func authorization() throws(SIPParseError) -> [DigestCredentials] { try credentials(.authorization) }
    /// Digest credentials in Proxy-Authorization headers.
    public func proxyAuthorization() throws(SIPParseError) -> [DigestCredentials] { try credentials(.proxyAuthorization) }
}
