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

/// Transfers: asked by the answered leg (side b is redialled), or by the leg that called in.
extension CallController {
    /// Blind transfer asked by the answered SIP leg (RFC 3515): 202, then the Refer-To user is routed
    /// in the call's context and dialled as side b's new leg; the transferor hears how it went by
    /// NOTIFY (message/sipfrag) and gets BYE once the new leg answers. The browser keeps its session.
    func refer(_ call: Call, _ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) {
        guard let branch = call.answered, let (user, step) = transferTarget(call, request, transaction) else { return }
        transaction.respond(SIPResponse(replyingTo: request, statusCode: 202, reasonPhrase: "Accepted"))
        logger.info("call transferred", metadata: ["call": "\(call.id)", "to": "\(user)"])
        call.transferor = branch
        call.step = step
        call.remainingTargets = step.legs
        call.bestFailure = nil
        notify(.branch(branch), "SIP/2.0 100 Trying", final: false)
        dialNext(call)
    }

    /// The Refer-To user routed in the call's context, from the REFER's own flow; nil once a 400 or
    /// 403 has said why not.
    func transferTarget(_ call: Call, _ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>)
        -> (user: String, step: BridgeStep)? {
        guard let referTo = try? request.headers.referTo(), let user = referTo.target.uri.sipURI?.user else {
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 400, reasonPhrase: "Bad Refer-To"))
            return nil
        }
        guard let plan = dialplans.snapshot(), let step = plan.evaluate(
            call: CallFields(destination: user, caller: call.record.caller, source: .other, sourceIP: transaction.peer.remote.ipAddress ?? "",
                             transport: transaction.peer.transport.rawValue.lowercased()),
            context: call.record.context, at: Date()).firstBridge else {
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 403, reasonPhrase: "Transfer target not routable"))
            return nil
        }
        return (user, step)
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
            self.notify(.branch(transferor), "SIP/2.0 200 OK", final: true)
            self.hangUp(transferor, reason: "Transferred")
            if let id = transferor.dialog?.id { self.dialogs[self.key(id)] = nil }
        }
    }

    /// Sends a NOTIFY of the refer subscription in the transferor's dialog, with the transfer's
    /// progress as a sipfrag.
    func notify(_ transferor: DialogLeg, _ status: String, final: Bool) {
        let state = final ? SubscriptionState(.terminated, reason: "noresource") : SubscriptionState(.active, expires: 60)
        guard let (r, peer) = request(in: transferor, { $0.notify(in: &$1, via: $2, sipfrag: status, state: state) }) else { return }
        endpoint.send(r, to: peer) { _ in }
    }

    /// Blind transfer asked by the phone or PBX that called in: 202, then the Refer-To user is routed
    /// in the call's context and its SIP targets are offered side a's own RTP socket (the other party,
    /// often a browser, keeps its session). The transferor hears how it went by NOTIFY and gets BYE once
    /// the target answers; it may also hang up as soon as its REFER is accepted.
    func referFromCaller(_ call: Call, _ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) {
        guard let (user, step) = transferTarget(call, request, transaction) else { return }
        let destinations = sipDestinations(step.legs, step)
        guard !destinations.isEmpty, destinations.count == step.legs.count, let media = call.media else {
            // Side a's socket is plain RTP: a browser target would need a socket of another kind.
            return transaction.respond(SIPResponse(replyingTo: request, statusCode: 488, reasonPhrase: "Transfer target must be a SIP destination"))
        }
        transaction.respond(SIPResponse(replyingTo: request, statusCode: 202, reasonPhrase: "Accepted"))
        logger.info("call transferred by the caller", metadata: ["call": "\(call.id)", "to": "\(user)"])
        call.aTransferring = true
        notify(.side(call, .a), "SIP/2.0 100 Trying", final: false)
        let callT = LoopTransfer(call), destinationsT = LoopTransfer(destinations), port = UInt16(media.port(.a) ?? 0)
        run(call) {
            let dialled = LoopTransfer(await self.reachable(destinationsT.value))
            self.endpoint.loop.execute {
                let call = callT.value
                guard call.aTransferring, call.phase == .answered else { return }
                for (destination, uri, peer) in dialled.value {
                    let template = RTPSessionTemplate(address: self.advertise.first ?? "127.0.0.1", port: port, codecs: destination.codecs)
                    self.sendInvite(call, to: uri, peer: peer, target: destination.target, isBrowser: false,
                                    body: template.offer().serializedBytes(), context: .phone(trunk: destination.trunk, template: template),
                                    replacingCaller: true)
                }
                if call.aBranches.isEmpty { return self.callerTransferFailed(call, "SIP/2.0 503 Unreachable") }
                // Targets that ring on are cancelled after the route's ring time; their 487 fails the transfer.
                let loop = self.endpoint.loop, ring = step.timeout ?? self.defaultRingTimeout
                Task {
                    try? await Task.sleep(for: ring)
                    loop.execute { if callT.value.aTransferring { for branch in callT.value.aBranches { self.cancel(branch) } } }
                }
            }
        }
    }

    /// What a target of the caller's transfer answers.
    func receivedForCaller(_ response: SIPResponse, on branch: OutboundBranch, of call: Call, context: OfferContext) {
        guard !response.isProvisional else { return }
        if response.isSuccess {
            if branch.dialog == nil || (try? response.headers.to().tag) != branch.dialog?.id.remoteTag {
                branch.dialog = Dialog(uac: branch.invite, response: response, localContact: branch.localContact)
            }
            branch.final = true
            acknowledge(branch, response)
            guard call.aTransferring, call.phase == .answered else { return hangUp(branch, reason: "Call completed elsewhere") }
            guard case .phone(let trunk, _) = context, let sdp = try? SessionDescription(parsing: response.body),
                  let agreed = sdp.acceptedByAnswer(),
                  let config = MediaLegConfig(agreed: agreed, ssrc: call.configA?.ssrc ?? UInt32.random(in: 1...UInt32.max), cname: "tandem",
                                              isBrowser: false, dtmfMode: Self.dtmfMode(trunk: trunk, policy: call.step?.media),
                                              ptime: sdp.media.first?.packetTime.map(Int.init)) else {
                hangUp(branch, status: 488, reason: "Unusable SDP answer")
                call.aBranches.removeAll { $0 === branch }
                if call.aBranches.isEmpty { callerTransferFailed(call, "SIP/2.0 488 Not Acceptable Here") }
                return
            }
            call.aTransferring = false
            for other in call.aBranches where other !== branch { cancel(other) }
            call.aBranches = []
            // The caller hears the outcome and is hung up; side a's signalling is the target's from now on.
            if !call.callerGone {
                notify(.side(call, .a), "SIP/2.0 200 OK", final: true)
                bye(.side(call, .a), status: 200, reason: "Transferred")
            }
            if let id = call.inbound.dialog?.id { dialogs[key(id)] = nil }
            call.sessionTimers[.a]?.task?.cancel()
            call.sessionTimers[.a] = nil
            call.aLeg = branch
            if let id = branch.dialog?.id { dialogs[key(id)] = (call, true) }
            if let granted = try? response.headers.sessionExpires() {
                armSessionTimer(call, .a, interval: granted.interval, weRefresh: granted.refresher != .uas)
            }
            call.configA = config
            call.record.legA.codec = config.codec.encodingName
            apply(config, to: .a, of: call, remote: Self.remoteAddress(agreed), payloadTypes: Self.payloadTypes(agreed), newFarEnd: true)
            watchSilence(call, .a, held: false)
            return
        }
        branch.final = true
        call.aBranches.removeAll { $0 === branch }
        if call.aBranches.isEmpty, call.aTransferring { callerTransferFailed(call, "SIP/2.0 \(response.statusCode) \(response.reasonPhrase)") }
    }

    /// No target of the caller's transfer answered: it hears why, and the call goes on as it was; if the
    /// caller already left, the call ends.
    func callerTransferFailed(_ call: Call, _ status: String) {
        call.aTransferring = false
        if call.callerGone { return end(call, reason: "Transfer failed", status: 480, side: "gateway", from: true) }
        notify(.side(call, .a), status, final: true)
    }
}
