import Logging
import SIP
import SIPStack

/// What Tandem does with each SIP request: REGISTER goes to the registrar, OPTIONS is answered (it
/// is how PBXs and load balancers check we are alive), and calls go to the call controller once it
/// exists. Runs on the SIP endpoint's event loop.
final class SignallingCore: SIPEndpointDelegate {
    let registrar: Registrar
    let logger: Logger
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
        default:
            // Calls arrive with the gateway issue; until then say so rather than time out.
            var r = SIPResponse(replyingTo: request, statusCode: 501, toTag: SIPEndpoint.randomToken(8))
            r.headers.add(.allow, "OPTIONS, REGISTER")
            transaction.respond(r)
        }
    }

    func endpoint(_ endpoint: SIPEndpoint, receivedOutsideTransaction request: SIPRequest, from peer: SIPPeer) {}

    func endpoint(_ endpoint: SIPEndpoint, receivedStray response: SIPResponse, from peer: SIPPeer) {}

    func endpoint(_ endpoint: SIPEndpoint, flowClosed peer: SIPPeer) {
        registrar.flowClosed(peer)
    }
}
