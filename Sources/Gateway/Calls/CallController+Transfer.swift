import Dialplan
import Foundation
import Logging
import Media
import NIOCore
import RTP
import SDP
import SIP
import SIPStack
import WebRTC

/// Transfers.
extension CallController {
    /// Blind transfer asked by the answered SIP leg (RFC 3515): 202, then the Refer-To user is routed
    /// in the call's context and dialled as side b's new leg; the transferor hears how it went by
    /// NOTIFY (message/sipfrag) and gets BYE once the new leg answers. The browser keeps its session.
    func refer(_ call: Call, _ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) {
        guard let branch = call.answered, let referTo = request.headers[HeaderName("Refer-To")],
              let target = try? NameAddress(referTo), let user = target.uri.sipURI?.user else {
            return transaction.respond(SIPResponse(replyingTo: request, statusCode: 400, reasonPhrase: "Bad Refer-To"))
        }
        guard let plan = dialplans.snapshot(), let step = plan.evaluate(
            call: CallFields(destination: user, caller: call.record.caller, source: .other, sourceIP: branch.peer.remote.ipAddress ?? "",
                             transport: branch.peer.transport.rawValue.lowercased()),
            context: call.record.context, at: Date()).firstBridge else {
            return transaction.respond(SIPResponse(replyingTo: request, statusCode: 403, reasonPhrase: "Transfer target not routable"))
        }
        transaction.respond(SIPResponse(replyingTo: request, statusCode: 202, reasonPhrase: "Accepted"))
        logger.info("call transferred", metadata: ["call": "\(call.id)", "to": "\(user)"])
        call.transferor = branch
        call.step = step
        call.remainingTargets = step.legs
        call.bestFailure = nil
        notify(branch, "SIP/2.0 100 Trying", final: false)
        dialNext(call)
    }

    /// The transfer target answered: it becomes side b, the transferor is told and hung up.
    func completeTransfer(_ call: Call, to branch: OutboundBranch, _ response: SIPResponse, context: OfferContext) {
        guard let transferor = call.transferor else { return }
        call.transferor = nil
        call.answered = branch
        for other in call.branches where other !== branch { cancel(other) }
        call.branches = [branch]
        call.ringTimer?.cancel()
        connectMedia(call, from: response, context: context) {
            self.notify(transferor, "SIP/2.0 200 OK", final: true)
            self.hangUp(transferor, reason: "Transferred")
            if let id = transferor.dialog?.id { self.dialogs[self.key(id)] = nil }
        }
    }

    /// A NOTIFY of the refer subscription with the transfer's progress as a sipfrag.
    func notify(_ branch: OutboundBranch, _ status: String, final: Bool) {
        guard var dialog = branch.dialog else { return }
        var r = dialog.makeRequest(.notify, via: endpoint.makeVia(branch.peer.transport))
        branch.dialog = dialog
        r.headers.add(HeaderName("Event"), "refer")
        r.headers.add(HeaderName("Subscription-State"), final ? "terminated;reason=noresource" : "active;expires=60")
        r.headers.add(.contentType, "message/sipfrag;version=2.0")
        r.body = Array((status + "\r\n").utf8)
        endpoint.send(r, to: peer(for: branch)) { _ in }
    }
}
