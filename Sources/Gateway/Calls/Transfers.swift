import CallState
import Dialplan
import Foundation
import Logging
import Media
import MediaTransport
import NIOCore
import RTP
import SDP
import SIP
import SIPStack
import WebRTC

/// Transfers: asked by the answered leg (side b is redialled), or by the leg that called in.
struct Transfers: CallPart {
    let controller: CallController

    /// Blind transfer (RFC 3515) asked by either leg: 202, then the Refer-To user is routed in the
    /// call's context and dialled for the other party; the transferor hears how it went by NOTIFY
    /// (message/sipfrag) and gets BYE once the target answers, or may hang up right after its 202.
    /// Asked by the answered SIP leg, the target becomes side b (the browser keeps its session);
    /// asked by the phone or PBX that called in, its SIP targets are offered side a's own RTP socket.
    func refer(_ call: Call, from side: LegSide, _ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) {
        guard let (user, step) = transferTarget(call, request, transaction) else { return }
        if side == .a {
            let destinations = controller.dialler.sipDestinations(step.legs, step)
            guard !destinations.isEmpty, destinations.count == step.legs.count, call.media != nil else {
                // Side a's socket is plain RTP: a browser target would need a socket of another kind.
                return transaction.respond(SIPResponse(replyingTo: request, statusCode: 488,
                                                       reasonPhrase: "Transfer target must be a SIP destination"))
            }
        }
        logger.info("call transferred", metadata: ["call": "\(call.id)", "by": "\(side)", "to": "\(user)"])
        call.inbound.http?.emit("transferred", ["to": user])
        call.step = step
        perform(call.machine.referred(by: side.side, to: DialPlan(step)), on: call, Cause(transaction: transaction, request: request))
    }

    /// The Refer-To user routed in the call's context, from the REFER's own flow; nil once a 400 or
    /// 403 has said why not.
    func transferTarget(_ call: Call, _ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>)
        -> (user: String, step: BridgeStep)? {
        guard let referTo = try? request.headers.referTo(), let user = referTo.target.uri.sipURI?.user else {
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 400, reasonPhrase: "Bad Refer-To"))
            return nil
        }
        guard let plan = services.dialplans.snapshot(), let step = plan.evaluate(
            call: CallFields(destination: user, caller: call.record.caller, source: .other, sourceIP: transaction.peer.remote.ipAddress ?? "",
                             transport: transaction.peer.transport.rawValue.lowercased()),
            context: call.record.context, at: Date()).firstBridge else {
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 403, reasonPhrase: "Transfer target not routable"))
            return nil
        }
        return (user, step)
    }

    /// Sends a NOTIFY of the refer subscription in the transferor's dialog, with the transfer's
    /// progress as a sipfrag.
    func notify(_ transferor: DialogLeg, _ status: String, final: Bool) {
        let state = final ? SubscriptionState(.terminated, reason: "noresource") : SubscriptionState(.active, expires: 60)
        guard let (r, peer) = controller.dialogRequests.request(in: transferor, { $0.notify(in: &$1, via: $2, sipfrag: status, state: state) }) else { return }
        endpoint.send(r, to: peer) { _ in }
    }

    /// Dials the targets of the caller's own transfer on side a's RTP socket.
    func dialForCaller(_ call: Call, _ legs: [BridgeLeg]) {
        guard let step = call.step, let media = call.media else { return }
        let dialler = controller.dialler
        let destinations = dialler.sipDestinations(legs, step)
        call.machine.dialling(kinds: 1)
        let callT = LoopTransfer(call), destinationsT = LoopTransfer(destinations), port = UInt16(media.port(.a) ?? 0)
        controller.run(call) {
            let dialled = LoopTransfer(await dialler.reachable(destinationsT.value))
            self.endpoint.loop.execute {
                let call = callT.value
                guard call.machine.isDialling else { return }
                for (destination, uri, peer) in dialled.value {
                    let template = RTPSessionTemplate(address: self.services.rtpAddress, port: port, codecs: destination.codecs)
                    dialler.sendInvite(call, to: uri, peer: peer, target: destination.target, isBrowser: false,
                                    body: template.offer().serializedBytes(),
                                    context: .phone(trunk: destination.trunk, template: template,
                                                    dtmf: dialler.dtmfMode(toward: destination.target, step: call.step)),
                                    replacingCaller: true)
                }
                if let leg = legs.first { self.controller.timers.armRingTimer(call, leg) }
                dialler.dialSettled(call, failure: dialled.value.isEmpty ? Outcome(503, "Unreachable") : nil)
            }
        }
    }

    /// Side a's media config from the answer of a target of the caller's transfer; nil when unusable.
    func sideAConfig(_ call: Call, _ response: SIPResponse, _ context: OfferContext) -> (MediaLegConfig, AcceptedMedia)? {
        guard case .phone(_, _, let dtmf) = context, let sdp = try? SessionDescription(parsing: response.body),
              let agreed = sdp.acceptedByAnswer(),
              let config = MediaLegConfig(agreed: agreed, ssrc: call.configA?.ssrc ?? UInt32.random(in: 1...UInt32.max), cname: "tandem", dtmfMode: dtmf,
                                          ptime: sdp.media.first?.packetTime.map(Int.init)) else { return nil }
        return (config, agreed)
    }

    /// The target of the caller's transfer answered: side a's signalling and media are its from now on.
    func takeSideA(_ call: Call, _ branch: OutboundBranch, _ response: SIPResponse, context: OfferContext) {
        guard let (config, agreed) = sideAConfig(call, response, context) else { return }
        table.remove(call.inbound.dialog?.id)
        table.remove(call.aLeg?.dialog?.id)
        call.sessionTimers[.a]?.task?.cancel()
        call.sessionTimers[.a] = nil
        call.aLeg = branch
        if let id = branch.dialog?.id { table.add(id, call, inbound: true) }
        controller.timers.armSessionTimer(call, .a, grantedIn: response)
        call.configA = config
        call.record.legA.codec = config.codec.encodingName
        controller.mediaSetUp.apply(config, to: .a, of: call, remote: LegAgreement.remoteAddress(agreed), payloadTypes: LegAgreement.payloadTypes(agreed), newFarEnd: true)
        controller.mediaSetUp.watchSilence(call, .a, held: false)
    }
}
