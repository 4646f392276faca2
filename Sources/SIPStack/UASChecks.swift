import SIP

/// What a UAS checks before it acts on a request (RFC 3261 §8.2.2–8.2.3), in the RFC's order: the
/// Request-URI's scheme (416), the extensions the request requires (420 with `Unsupported`), and
/// for INVITE and UPDATE the body's type (415 with `Accept`) and what the caller accepts back
/// (406). Proxy-Require is a proxy's business: a UAS ignores it (§8.2.2.3). Socket-free.
public struct UASChecks: Sendable {
    /// The option tags Tandem implements (`Require` naming others gets 420).
    public var supported: Set<String>

    public init(supported: Set<String>) {
        self.supported = Set(supported.map { $0.lowercased() })
    }

    /// The response refusing `request`, or nil when it may go on.
    public func refusal(for request: SIPRequest) -> SIPResponse? {
        guard request.method != .ack else { return nil }
        guard ["sip", "sips", "tel"].contains(request.uri.scheme) else {
            return reply(request, 416, "Unsupported URI Scheme")
        }
        if request.method != .cancel {
            let required = (try? request.headers.require()) ?? []
            let unknown = required.filter { !supported.contains($0.lowercased()) }
            if !unknown.isEmpty {
                var r = reply(request, 420, "Bad Extension")
                r.headers.setTokens(.unsupported, unknown)
                return r
            }
        }
        guard request.method == .invite || request.method == .update else { return nil }
        if !request.body.isEmpty, let type = try? request.headers.contentType(),
           !type.matches(.sdp), type.type.lowercased() != "multipart" {
            var r = reply(request, 415, "Unsupported Media Type")
            r.headers.add(.accept, "application/sdp")
            return r
        }
        if let accept = request.headers[.accept], !Self.accepts(accept, .sdp) {
            var r = reply(request, 406, "Not Acceptable")
            r.headers.add(.warning, "399 tandem \"answers carry application/sdp, which Accept leaves out\"")
            return r
        }
        return nil
    }

    /// Whether an Accept value takes `type` (an empty Accept takes nothing; `*/*` and `type/*` count).
    static func accepts(_ accept: String, _ type: MediaType) -> Bool {
        accept.split(separator: ",").contains { element in
            guard let range = try? MediaType(String(element)) else { return false }
            if range.type == "*" && range.subtype == "*" { return true }
            return range.type.lowercased() == type.type.lowercased() && (range.subtype == "*" || range.matches(type))
        }
    }

    private func reply(_ request: SIPRequest, _ code: Int, _ reason: String) -> SIPResponse {
        SIPResponse(replyingTo: request, statusCode: code, reasonPhrase: reason, toTag: SIPEndpoint.randomToken(8))
    }
}
