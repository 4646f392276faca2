import ByteText
/// The client side of digest authentication: answers 401/407 challenges for one account, as a
/// registration client or a trunk does. Keeps nonce counts so a reused nonce gets `nc` 2, 3, ...
public struct DigestClient: Sendable {
    public var username: String
    private var password: String
    /// Last nonce count used per nonce; only the latest few nonces are remembered.
    private var nonceCounts: [String: UInt32] = [:]
    private var nonceOrder: [String] = []

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Credentials answering `challenge` for a request with this method and Request-URI.
    /// `cnonce` is random unless given (tests pin it).
    public mutating func credentials(for challenge: DigestChallenge, method: SIPMethod, uri: String,
                                     body: [UInt8] = [], cnonce: String? = nil) -> DigestCredentials {
        let algorithm = challenge.algorithm
        let ha1 = algorithm.ha1(username: username, realm: challenge.realm, password: password)
        let qop: String?
        if challenge.qop.contains(where: { ASCII.equalsIgnoringCase($0, "auth") }) {
            qop = "auth"
        } else if challenge.qop.contains(where: { ASCII.equalsIgnoringCase($0, "auth-int") }) {
            qop = "auth-int"
        } else {
            qop = nil
        }
        var credentials = DigestCredentials(username: username, realm: challenge.realm, nonce: challenge.nonce,
                                            uri: uri, response: "", algorithm: algorithm,
                                            opaque: challenge.opaque)
        if let qop {
            credentials.qop = qop
            credentials.cnonce = cnonce ?? DigestClient.randomCnonce()
            credentials.nonceCount = nextNonceCount(for: challenge.nonce)
        }
        credentials.response = algorithm.response(ha1: ha1, nonce: challenge.nonce,
                                                  nonceCount: credentials.nonceCountText,
                                                  cnonce: credentials.cnonce, qop: qop,
                                                  method: method.rawValue, uri: uri, body: body)
        return credentials
    }

    /// Adds Authorization (for a 401) or Proxy-Authorization (for a 407) to `request`, one per
    /// realm challenged, choosing the strongest algorithm offered for each. Returns false when
    /// the response holds no Digest challenge this client can answer. The caller still bumps CSeq
    /// and makes a new branch, as RFC 3261 §22.2 requires of a new request.
    @discardableResult
    public mutating func authorize(_ request: inout SIPRequest, for response: SIPResponse) -> Bool {
        let isProxy = response.statusCode == 407
        let challenges = (try? (isProxy ? response.headers.proxyAuthenticate() : response.headers.wwwAuthenticate())) ?? []
        var best: [String: DigestChallenge] = [:]
        var realms: [String] = []
        for challenge in challenges {
            if let current = best[challenge.realm] {
                if challenge.algorithm.strength > current.algorithm.strength { best[challenge.realm] = challenge }
            } else {
                best[challenge.realm] = challenge
                realms.append(challenge.realm)
            }
        }
        guard !realms.isEmpty else { return false }
        let name: HeaderName = isProxy ? .proxyAuthorization : .authorization
        // Credentials for a realm being answered again are replaced, not stacked.
        let stale = request.headers.values(name).filter { value in
            guard let old = try? DigestCredentials(value) else { return false }
            return best[old.realm] != nil
        }
        let kept = request.headers.values(name).filter { !stale.contains($0) }
        let uri = request.uri.description
        var values = kept
        for realm in realms {
            guard let challenge = best[realm] else { continue }
            values.append(credentials(for: challenge, method: request.method, uri: uri, body: request.body).description)
        }
        request.headers.setAll(name, values)
        return true
    }

    private mutating func nextNonceCount(for nonce: String) -> UInt32 {
        let count = (nonceCounts[nonce] ?? 0) &+ 1
        if nonceCounts[nonce] == nil {
            nonceOrder.append(nonce)
            if nonceOrder.count > 8 {
                nonceCounts[nonceOrder.removeFirst()] = nil
            }
        }
        nonceCounts[nonce] = count
        return count
    }

    static func randomCnonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
