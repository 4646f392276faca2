import Foundation
import MediaTransport
import NIOCore
import NIOHTTP1
import SDP
import SIP
import SIPStack

/// The HTTP side of calls placed by HTTP (docs/http-calls.md, web/openapi.json): the bearer token,
/// the offer's type and syntax, CORS and the ICE servers' `Link` headers are settled here; the call
/// itself is the controller's, on the SIP loop.
extension GatewayServer {
    /// Answers `/call/...`; nil for any other path.
    func answerCallRoute(_ request: HTTPRequest, on loop: EventLoop) -> EventLoopFuture<HTTPAnswer>? {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard parts.first == "call" else { return nil }
        let segments = parts.dropFirst().map { $0.removingPercentEncoding ?? String($0) }
        var cors: [(String, String)] = []
        if let origin = request.headers.first(name: "Origin") {
            guard let allowed = corsHeaders(origin: origin, host: request.headers.first(name: "Host")) else {
                return loop.makeSucceededFuture(.problem(.forbidden, "this page's origin may not place calls (http_api.allowed_origins)"))
            }
            cors = allowed
        }
        func answer(_ a: HTTPAnswer) -> EventLoopFuture<HTTPAnswer> { loop.makeSucceededFuture(a.adding(cors)) }
        // What each resource takes: the call-placing URL, a call, its events, its digits.
        let methods: [HTTPMethod]
        switch (segments.count, segments.last) {
        case (1, _): methods = [.POST, .OPTIONS]
        case (2, _): methods = [.DELETE, .OPTIONS]
        case (3, "events"): methods = [.GET, .OPTIONS]
        case (3, "dtmf"): methods = [.POST, .OPTIONS]
        default: return answer(.problem(.notFound, "no such resource"))
        }
        guard let destination = segments.first, Self.isDialable(destination) else {
            return answer(.problem(.badRequest, "the destination is 1 to 64 of A-Z a-z 0-9 - _ . ! ~ * ' ( ) +"))
        }
        let id = segments.count > 1 ? segments[1] : nil
        if let id, !HTTPCallSession.isID(id) { return answer(.problem(.notFound, "no such call")) }
        let allow = methods.map(\.rawValue).joined(separator: ", ")
        if request.method == .OPTIONS {
            var a = HTTPAnswer(status: .noContent, contentType: "text/plain", body: [])
            a.headers = [("Allow", allow), ("Access-Control-Allow-Methods", allow),
                         ("Access-Control-Allow-Headers", "Authorization, Content-Type"), ("Access-Control-Max-Age", "600")]
                + (segments.count == 1 ? iceServerLinks(for: try? bearerUser(request)) : [])
            return answer(a)
        }
        guard methods.contains(request.method) else {
            // PATCH is trickle ICE (RFC 9725 §4.3), not needed: our answer has every candidate
            // (ICE-lite), and the browser's are learnt from its checks.
            let why = request.method == .PATCH ? "no trickle ICE: the answer holds every candidate" : "\(request.method) is not one of \(allow)"
            return answer(HTTPAnswer.problem(.methodNotAllowed, why).adding([("Allow", allow)]))
        }
        guard let calls = core?.calls, let endpoint else {
            return answer(.problem(.serviceUnavailable, "calls are not set up on this node"))
        }
        let callsT = LoopTransfer(calls)
        let route = (request.method, id, segments.count > 2 ? segments[2] : nil, segments.count)
        if case (.GET, let id?, "events", 3) = route {
            // The resource's unguessable URL is the capability: EventSource sends no Authorization.
            return endpoint.loop.submit { callsT.value.http.eventStream(id) }.map { (a: HTTPAnswer) in a.adding(cors) }
        }
        let user: String
        do {
            user = try bearerUser(request)
        } catch {
            return answer(error.answer)
        }
        switch route {
        case (.POST, nil, nil, 1):
            let type = request.headers.first(name: "Content-Type")?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces)
            guard type?.lowercased() == "application/sdp" else {
                return answer(.problem(.unsupportedMediaType, "the body is an SDP offer: Content-Type: application/sdp"))
            }
            do {
                _ = try SessionDescription(parsing: request.body)
            } catch {
                return answer(.problem(.badRequest, "not an SDP offer: \(error)"))
            }
            guard let source = request.remote else { return answer(.problem(.badRequest, "no peer address")) }
            let placement = HTTPCalls.Placement(destination: destination, user: user, offer: request.body, source: source,
                                                secure: request.secure, headers: cors + iceServerLinks(for: user))
            let promise = loop.makePromise(of: HTTPAnswer.self)
            endpoint.loop.execute { callsT.value.http.place(placement, answer: promise) }
            return promise.futureResult
        case (.DELETE, let id?, nil, 2):
            return endpoint.loop.submit { Self.answer { () throws(HTTPRefusal) in try callsT.value.http.hangUp(id, user: user) } }
                .map { (a: HTTPAnswer) in a.adding(cors) }
        case (.POST, let id?, "dtmf", 3):
            guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                  let digits = object["digits"] as? String else {
                return answer(.problem(.badRequest, "the body is JSON: {\"digits\": \"123#\"}"))
            }
            return endpoint.loop.submit { Self.answer { () throws(HTTPRefusal) in try callsT.value.http.sendDigits(id, user: user, digits: digits) } }
                .map { (a: HTTPAnswer) in a.adding(cors) }
        default:
            return answer(.problem(.notFound, "no such resource"))
        }
    }

    /// `GET /ice-servers`: the STUN/TURN servers as an `RTCConfiguration.iceServers` list, TURN with
    /// credentials of the caller's own. For the web phone, which has its user's SIP password and
    /// sends it as Basic; a bearer token does as well. A password is guessable where a token is
    /// not: on the SIP loop, a wrong one counts against the source and user as a wrong digest answer
    /// does, and a source or user refused for failed attempts gets 403 without a check.
    func answerICEServers(_ request: HTTPRequest, on loop: EventLoop) -> EventLoopFuture<HTTPAnswer> {
        guard let core, let endpoint else { return loop.makeSucceededFuture(.problem(.serviceUnavailable, "not started")) }
        let source = request.remote?.ipAddress ?? "?", basic = Self.basicCredentials(request)
        let coreT = LoopTransfer(core)
        return endpoint.loop.submit { () -> HTTPAnswer in
            let core = coreT.value
            if core.refusesAfterFailures(source: source, user: basic?.user) {
                return .problem(.forbidden, "too many failed attempts")
            }
            var user = try? self.bearerUser(request)
            if user == nil, let basic {
                user = core.registrar.credentials.user(named: basic.user, password: basic.password, now: Date())
                if user == nil { core.authenticationFailed(basic.user, source: source, method: "HTTP") }
            }
            guard let user else {
                // Not `Basic`: a challenge for it would make the browser ask the person for a password.
                return HTTPAnswer.problem(.unauthorized, "a user's password (Basic) or a bearer token is needed")
                    .adding([("WWW-Authenticate", #"Bearer realm="tandem""#)])
            }
            return .json(.ok, HTTPCallSession.json(["iceServers": self.iceServers(for: user)]) + "\n")
        }
    }

    /// The configured STUN/TURN servers, and the `turn` ones with `user`'s own credentials, as
    /// `RTCIceServer` objects.
    private func iceServers(for user: String?) -> [[String: Any]] {
        var servers = config.httpAPI.iceServers
        if let user, let (username, credential) = config.turn.credentials(for: user, now: Date()) {
            servers += config.turn.servers.map { .init(url: $0, username: username, credential: credential) }
        }
        return servers.map { server in
            var entry: [String: Any] = ["urls": server.url]
            if let username = server.username { entry["username"] = username }
            if let credential = server.credential { entry["credential"] = credential }
            return entry
        }
    }

    /// The user and password of an `Authorization: Basic` header.
    static func basicCredentials(_ request: HTTPRequest) -> (user: String, password: String)? {
        guard let header = request.headers.first(name: "Authorization"), header.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: header.dropFirst(6).trimmingCharacters(in: .whitespaces)),
              let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":") else { return nil }
        return (String(pair[..<colon]), String(pair[pair.index(after: colon)...]))
    }

    /// The user a request's `Authorization: Bearer` token was minted for, or the 401 saying why not.
    private func bearerUser(_ request: HTTPRequest) throws(HTTPRefusal) -> String {
        func unauthorized(_ why: String, challenge: String) -> HTTPRefusal {
            var a = HTTPAnswer.problem(.unauthorized, why)
            a.headers = [("WWW-Authenticate", challenge)]
            return HTTPRefusal(answer: a)
        }
        func invalid(_ why: String) -> HTTPRefusal {
            unauthorized(why, challenge: #"Bearer realm="tandem", error="invalid_token", error_description="\#(why)""#)
        }
        guard let secret = config.tokenSecret else { throw invalid("this gateway has no token_secret: HTTP calls are off") }
        guard let header = request.headers.first(name: "Authorization"), header.lowercased().hasPrefix("bearer ") else {
            throw unauthorized("a bearer token is needed (tandem token)", challenge: #"Bearer realm="tandem""#)
        }
        switch BearerToken.verify(header.dropFirst(7).trimmingCharacters(in: .whitespaces), secret: secret, now: Date()) {
        case .success(let token): return token.user
        case .failure(let refusal): throw invalid(refusal.description)
        }
    }

    /// What a route that may refuse answers: its answer, or its refusal's.
    static func answer(_ body: () throws(HTTPRefusal) -> HTTPAnswer) -> HTTPAnswer {
        do {
            return try body()
        } catch {
            return error.answer
        }
    }

    /// CORS for an `Origin` that `http_api.allowed_origins` lets in (or the page's own), else nil.
    private func corsHeaders(origin: String, host: String?) -> [(String, String)]? {
        let allowed = config.httpAPI.allowedOrigins.map { $0.lowercased() }
        let sameOrigin = host.map { h in ["http://", "https://"].contains { origin.lowercased() == $0 + h.lowercased() } } ?? false
        guard sameOrigin || allowed.contains("*") || allowed.contains(origin.lowercased()) else { return nil }
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin"), ("Access-Control-Expose-Headers", "Location, Link, ETag")]
    }

    /// The configured STUN and TURN servers as RFC 9725 §4.4 `Link` headers; with a user (a valid
    /// token came), also the `turn` servers with time-limited credentials of that user's own.
    func iceServerLinks(for user: String?) -> [(String, String)] {
        iceServers(for: user).map { server in
            var link = "<\(server["urls"] ?? "")>; rel=\"ice-server\""
            if let username = server["username"] { link += "; username=\"\(username)\"" }
            if let credential = server["credential"] { link += "; credential=\"\(credential)\"; credential-type=\"password\"" }
            return ("Link", link)
        }
    }

    /// What may be dialled by URL: a SIP user part needing no escapes, as the dialplan matches it.
    static func isDialable(_ destination: String) -> Bool {
        (1...64).contains(destination.utf8.count) && destination.allSatisfy { c in
            c.isASCII && (c.isLetter || c.isNumber || "-_.!~*'()+".contains(c))
        }
    }
}
