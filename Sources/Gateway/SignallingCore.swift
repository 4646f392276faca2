import Logging
import SIP
import SIPStack

/// What Tandem does with each SIP request: REGISTER goes to the registrar, OPTIONS is answered (it
/// is how PBXs and load balancers check we are alive), and calls go to the call controller once it
/// exists. Runs on the SIP endpoint's event loop.
final class SignallingCore: SIPEndpointDelegate {
    let registrar: Registrar
    let logger: Logger
    /// Calls the dialplan answers with a media app; nil until the media side is set up.
    var appCalls: BrowserAppCalls?
    static let allow = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE, NOTIFY, REFER"

    init(registrar: Registrar, logger: Logger) {
        self.registrar = registrar
        self.logger = logger
    }

    func endpoint(_ endpoint: SIPEndpoint, received request: SIPRequest, transaction: ServerTransactionHandle<SIPPeer>) {
        switch request.method {
        case .register:
            registrar.handle(request, transaction: transaction)
        case .options:
            var ok = SIPResponse(replyingTo: request, statusCode: 200, toTag: SIPEndpoint.randomToken(8))
            ok.headers.add(.allow, Self.allow)
            ok.headers.add(.supported, "path, outbound")
            ok.headers.add(.server, endpoint.userAgent)
            transaction.respond(ok)
        case .invite where appCalls != nil:
            appCalls?.invite(request, transaction)
        case .bye where appCalls != nil:
            appCalls?.bye(request, transaction)
        case .cancel:
            // 487 for the INVITE if it is still unanswered (RFC 3261 §9.2), 200 for the CANCEL either way.
            if let invite = endpoint.transactions.inviteTransaction(cancelledBy: request) {
                endpoint.transactions.respondToCancelledInvite(request, SIPResponse(replyingTo: invite, statusCode: 487,
                                                                                    toTag: SIPEndpoint.randomToken(8)))
                transaction.respond(SIPResponse(replyingTo: request, statusCode: 200))
            } else {
                transaction.respond(SIPResponse(replyingTo: request, statusCode: 481))
            }
        default:
            var r = SIPResponse(replyingTo: request, statusCode: 501, toTag: SIPEndpoint.randomToken(8))
            r.headers.add(.allow, Self.allow)
            transaction.respond(r)
        }
    }

    func endpoint(_ endpoint: SIPEndpoint, receivedOutsideTransaction request: SIPRequest, from peer: SIPPeer) {}

    func endpoint(_ endpoint: SIPEndpoint, receivedStray response: SIPResponse, from peer: SIPPeer) {}

    func endpoint(_ endpoint: SIPEndpoint, flowClosed peer: SIPPeer) {
        registrar.flowClosed(peer)
    }
}
