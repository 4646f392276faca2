import Foundation
import Logging
import SIP
import SIPStack

/// What Tandem does with each SIP request: REGISTER goes to the registrar, OPTIONS is answered (it
/// is how PBXs and load balancers check we are alive), and calls go to the call controller once it
/// exists. Runs on the SIP endpoint's event loop.
final class SignallingCore: SIPEndpointDelegate {
    let registrar: Registrar
    let logger: Logger
    /// The B2BUA; nil until the media side is set up.
    var calls: CallController? {
        didSet { calls?.onAuthFailure = { [unowned self] user, peer in self.authenticationFailed(user, peer, method: "INVITE") } }
    }
    /// Rate limits and digest-failure throttling, asked before any transaction (`gate`).
    var abuse: AbuseGuard?
    var metrics: GatewayMetrics?
    /// While the node drains, OPTIONS gets 503 (a dispatcher in front takes the node out) and new
    /// INVITEs get 503; registrations and calls in progress go on.
    var draining = false {
        didSet { calls?.draining = draining }
    }
    static let allow = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE, NOTIFY, REFER"
    /// The extensions Tandem implements: session timers (RFC 4028), and Path and outbound on the
    /// registrar (RFC 3327, 5626).
    static let checks = UASChecks(supported: ["timer", "path", "outbound"])

    init(registrar: Registrar, logger: Logger) {
        self.registrar = registrar
        self.logger = logger
        registrar.onAuthFailure = { [unowned self] user, peer in self.authenticationFailed(user, peer, method: "REGISTER") }
    }

    /// The endpoint's gate: a request over a rate or from a refused user or source goes no further.
    func gate(_ request: SIPRequest, from peer: SIPPeer) -> RequestVerdict {
        // Mutated in place: a copy would duplicate its tables on every request.
        guard let (verdict, reason) = abuse?.verdict(request, from: peer.remote.ipAddress ?? "?", now: Date().timeIntervalSince1970) else {
            return .accept
        }
        if let reason {
            metrics?.refused(reason.rawValue)
            logger.debug("request limited", metadata: ["source": "\(peer.remote.ipAddress ?? "?")", "method": "\(request.method)",
                                                       "reason": "\(reason.rawValue)"])
        }
        return verdict
    }

    /// One line per failed digest answer, for fail2ban (docs/operations.md has the filter), and
    /// the count that refuses a guesser.
    func authenticationFailed(_ user: String?, _ peer: SIPPeer, method: String) {
        authenticationFailed(user, source: peer.remote.ipAddress ?? "?", method: method)
    }

    func authenticationFailed(_ user: String?, source: String, method: String) {
        logger.warning("authentication failed", metadata: ["source": "\(source)", "user": "\(user ?? "-")", "method": "\(method)"])
        if abuse?.authenticationFailed(user: user, source: source, now: Date().timeIntervalSince1970) == true {
            logger.warning("authentication failures over the limit: refusing for a while", metadata: [
                "source": "\(source)", "user": "\(user ?? "-")"])
        }
    }

    /// Whether a source (or the user it claims) is refused for now after too many failed attempts.
    func refusesAfterFailures(source: String, user: String?) -> Bool {
        abuse?.refuses(source: source, user: user, now: Date().timeIntervalSince1970) ?? false
    }

    func endpoint(_ endpoint: SIPEndpoint, received request: SIPRequest, transaction: ServerTransactionHandle<SIPPeer>) {
        if var refusal = Self.checks.refusal(for: request) {
            refusal.headers.add(.server, endpoint.userAgent)
            return transaction.respond(refusal)
        }
        let inDialog = (try? request.headers.to().tag) != nil
        switch request.method {
        case .register:
            registrar.handle(request, transaction: transaction)
        case .invite where calls != nil:
            calls?.invite(request, transaction)
        case .cancel where calls != nil:
            calls?.cancel(request, transaction)
        case _ where inDialog && calls != nil:
            calls?.inDialog(request, transaction)
        case .options where draining:
            var r = SIPResponse(replyingTo: request, statusCode: 503, reasonPhrase: "Draining", toTag: SIPEndpoint.randomToken(8))
            r.headers.add(HeaderName("Retry-After"), String(CallController.retryAfterSeconds))
            transaction.respond(r)
        case .options:
            var ok = SIPResponse(replyingTo: request, statusCode: 200, toTag: SIPEndpoint.randomToken(8))
            ok.headers.add(.allow, Self.allow)
            ok.headers.add(.supported, "path, outbound")
            ok.headers.add(.server, endpoint.userAgent)
            transaction.respond(ok)
        case .bye, .cancel:
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 481))
        default:
            var r = SIPResponse(replyingTo: request, statusCode: 501, toTag: SIPEndpoint.randomToken(8))
            r.headers.add(.allow, Self.allow)
            transaction.respond(r)
        }
    }

    /// ACKs for our 2xx (the endpoint has stopped retransmitting): one may carry the answer to an
    /// offer we made in the 200.
    func endpoint(_ endpoint: SIPEndpoint, receivedOutsideTransaction request: SIPRequest, from peer: SIPPeer) {
        if request.method == .ack { calls?.acknowledged(request) }
    }

    func endpoint(_ endpoint: SIPEndpoint, receivedStray response: SIPResponse, from peer: SIPPeer) {
        calls?.stray(response)
    }

    func endpoint(_ endpoint: SIPEndpoint, flowClosed peer: SIPPeer) {
        registrar.flowClosed(peer)
    }
}
