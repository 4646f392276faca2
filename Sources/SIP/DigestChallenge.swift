import ByteText
/// A Digest challenge from WWW-Authenticate (401) or Proxy-Authenticate (407).
public struct DigestChallenge: Sendable, Equatable, CustomStringConvertible {
    public var realm: String
    public var nonce: String
    public var opaque: String?
    /// True when the previous credentials were right but their nonce has expired: retry with the
    /// new nonce without asking the user again.
    public var stale: Bool
    public var algorithm: DigestAlgorithm
    /// Offered qop values (`auth`, `auth-int`); empty for an RFC 2069 style challenge.
    public var qop: [String]
    public var domain: String?

    public init(realm: String, nonce: String, opaque: String? = nil, stale: Bool = false,
                algorithm: DigestAlgorithm = .md5, qop: [String] = ["auth"], domain: String? = nil) {
        self.realm = realm
        self.nonce = nonce
        self.opaque = opaque
        self.stale = stale
        self.algorithm = algorithm
        self.qop = qop
        self.domain = domain
    }

    /// Parses a header value; throws for a non-Digest scheme, missing realm/nonce, or an
    /// algorithm this module cannot compute.
    public init(_ text: String) throws(SIPParseError) {
        let params = try AuthParams(text)
        guard params.isDigest else {
            throw SIPParseError(.invalidHeaderValue, "Unsupported authentication scheme \(params.scheme)")
        }
        guard let realm = params["realm"], let nonce = params["nonce"] else {
            throw SIPParseError(.invalidHeaderValue, "Digest challenge without realm or nonce")
        }
        var algorithm = DigestAlgorithm.md5
        if let token = params["algorithm"] {
            guard let known = DigestAlgorithm(token: token) else {
                throw SIPParseError(.invalidHeaderValue, "Unsupported digest algorithm")
            }
            algorithm = known
        }
        let qop = params["qop"].map { CommaList.split($0).filter { !$0.isEmpty } } ?? []
        self.init(realm: realm, nonce: nonce, opaque: params["opaque"],
                  stale: params["stale"].map { ASCII.equalsIgnoringCase($0, "true") } ?? false,
                  algorithm: algorithm, qop: qop, domain: params["domain"])
    }

    public var description: String {
        var writer = AuthParamsWriter()
        writer.quoted("realm", realm)
        writer.quoted("domain", domain)
        writer.quoted("nonce", nonce)
        writer.quoted("opaque", opaque)
        if stale { writer.token("stale", "TRUE") }
        writer.token("algorithm", algorithm.rawValue)
        if !qop.isEmpty { writer.quoted("qop", qop.joined(separator: ",")) }
        return writer.finish()
    }
}

extension SIPHeaders {
    private func challenges(_ name: HeaderName) throws(SIPParseError) -> [DigestChallenge] {
        var result: [DigestChallenge] = []
        for value in values(name) {
            // Other schemes may sit beside Digest; they are not ours to answer.
            guard let params = try? AuthParams(value), params.isDigest else { continue }
            do {
                result.append(try DigestChallenge(value))
            } catch {
                throw error.attributed(to: name)
            }
        }
        return result
    }

    /// Digest challenges of a 401.
    public func wwwAuthenticate() throws(SIPParseError) -> [DigestChallenge] { try challenges(.wwwAuthenticate) }
    /// Digest challenges of a 407.
    public func proxyAuthenticate() throws(SIPParseError) -> [DigestChallenge] { try challenges(.proxyAuthenticate) }
}
