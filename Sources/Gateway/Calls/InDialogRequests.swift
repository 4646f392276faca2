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

/// Requests inside a call's dialogs: those that come (BYE, re-INVITE and UPDATE for hold or a
/// session refresh, INFO, REFER, the ACK that answers our offer) and those we send (re-offers that
/// translate the other leg's hold, BYE, INFO).
struct InDialogRequests: CallPart {
    let controller: CallController

    func received(_ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) {
        guard let id = Dialog.ID(incoming: request), let (call, inbound) = table.leg(id) else {
            return transaction.respond(SIPResponse(replyingTo: request, statusCode: 481))
        }
        do {
            if inbound, let leg = call.aLeg {
                try leg.dialog?.receive(request)
            } else if inbound {
                try call.inbound.dialog?.receive(request)
            } else {
                try call.outbound.values.first { $0.dialog?.id == id }?.dialog?.receive(request)
            }
        } catch {
            return transaction.respond(SIPResponse(replyingTo: request, statusCode: 500, reasonPhrase: "CSeq Out of Order"))
        }
        switch request.method {
        case .bye:
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 200))
            table.remove(id)
            if inbound { return perform(call.machine.bye(from: .a), on: call) }
            if call.answered?.dialog?.id == id { return perform(call.machine.bye(from: .b), on: call) }
            if let branch = call.outbound.values.first(where: { $0.dialog?.id == id }), call.machine.isRinging(branch.id) {
                // BYE on an early dialog: that branch is over.
                controller.dialler.branchFailed(branch, of: call, Outcome(480, "Ended in early dialog"))
            }
        case .invite, .update:
            reoffered(call, side: inbound ? .a : .b, request, transaction)
        case .refer where call.phase == .answered && call.machine.isDialling:
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 491))  // one transfer at a time
        case .refer where !inbound && call.phase == .answered && call.answered?.dialog?.id == id:
            controller.transfers.refer(call, from: .b, request, transaction)
        case .refer where inbound && call.phase == .answered && !call.inbound.isBrowser && call.aLeg == nil:
            controller.transfers.refer(call, from: .a, request, transaction)
        case .info:
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 200))
            if let type = request.headers[.contentType],
               let digit = DTMFInfo.parse(contentType: type, body: String(decoding: request.body, as: UTF8.self)), let media = call.media {
                let mediaT = LoopTransfer(media)
                media.loop.execute {
                    mediaT.value.bridge?.receivedInfoDigit(from: inbound ? .a : .b, digit: digit.digit, durationMs: digit.durationMs,
                                                          now: NIODeadline.now().uptimeNanoseconds)
                }
            }
        case .options, .notify:
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 200))
        default:
            var r = SIPResponse(replyingTo: request, statusCode: 501)
            r.headers.add(.allow, SignallingCore.allow)
            transaction.respond(r)
        }
    }

    /// A re-INVITE or UPDATE from one leg. With an offer (hold, resume, a new address) it is answered
    /// from that leg's template and, when the direction changed, translated to the other leg as a
    /// re-offer of its own: hold never crosses as the phone's SDP (DESIGN: hold is translated, not
    /// relayed). Without SDP it is a session refresh (RFC 4028): an UPDATE gets a bare 200, a re-INVITE
    /// our session as an offer, which the ACK answers.
    func reoffered(_ call: Call, side: LegSide, _ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) {
        var ok = SIPResponse(replyingTo: request, statusCode: 200)
        ok.headers.add(.contact, services.contact(for: transaction.peer.transport))
        if request.method == .invite, case let refusal = call.machine.reoffered(from: side.side), !refusal.isEmpty {
            // Our own re-INVITE on this leg is still open (glare, RFC 3261 §14.2), or the call is not up.
            return perform(refusal, on: call, Cause(transaction: transaction, request: request))
        }
        if let timer = call.sessionTimers[side] {
            // A refresh from the other side restarts its timer, on the interval it now asks for.
            let interval = (try? request.headers.sessionExpires())?.interval ?? timer.interval
            ok.headers.setSessionExpires(SessionExpires(interval: interval, refresher: weAreUAS(call, side) ? .uac : .uas))
            if !timer.weRefresh { controller.timers.armSessionTimer(call, side, interval: interval, weRefresh: false) }
        }
        func send(_ response: SIPResponse) {
            if request.method == .invite { endpoint.sendSuccess(response, through: transaction) } else { transaction.respond(response) }
        }
        guard !request.body.isEmpty else {
            if request.method == .invite, call.phase == .answered, var sdp = call.sdp(side), let cseq = try? request.headers.cseq() {
                // Offer what the other leg wants now; the ACK's answer may hold or move this one.
                ok.headers.add(.contentType, "application/sdp")
                ok.body = sdp.offer(direction: call.heldDirection[side.other] ?? .sendrecv).serializedBytes()
                call.setSDP(side, sdp)
                call.awaitingAnswer[side] = cseq.sequence
            }
            return send(ok)
        }
        guard call.phase == .answered, var sdp = call.sdp(side), let offer = try? SessionDescription(parsing: request.body),
              let section = offer.media.first(where: { $0.media == "audio" }) else {
            return transaction.respond(SIPResponse(replyingTo: request, statusCode: 488))
        }
        if let ufrag = offer.iceUsernameFragment(for: section), let known = call.remoteUfrag[side], ufrag != known {
            restartICE(call, side, remoteUfrag: ufrag, &sdp)
        }
        let answer = sdp.answer(offer)
        guard let agreed = answer.accepted(), var config = call.config(side) else {
            return transaction.respond(SIPResponse(replyingTo: request, statusCode: 488))
        }
        call.setSDP(side, sdp)
        config.direction = Media.MediaDirection(agreed.direction)
        ok.headers.add(.contentType, "application/sdp")
        ok.body = answer.sessionDescription.serializedBytes()
        send(ok)
        settled(call, side, config: config, agreed: agreed, asked: offer.effectiveDirection(of: section))
    }

    /// An ICE restart by a browser (new ufrag and password in its re-offer, RFC 8839 §4.4.1.1.1): our
    /// answer gets new credentials too and the leg's agent takes both; the selected pair carries
    /// media until the browser nominates again, and DTLS, SRTP and the other leg go on untouched.
    private func restartICE(_ call: Call, _ side: LegSide, remoteUfrag: String, _ sdp: inout LegSDP) {
        guard case .browser(var template, let narrowband) = sdp, let media = call.media else { return }
        template.ufrag = ICELiteAgent.randomToken(length: 8)
        template.password = ICELiteAgent.randomToken(length: 24)
        sdp = .browser(template, narrowband: narrowband)
        call.remoteUfrag[side] = remoteUfrag
        let (ufrag, password) = (template.ufrag, template.password), mediaT = LoopTransfer(media)
        media.loop.execute { mediaT.value.browser(side)?.transport.ice.restart(localUfrag: ufrag, localPassword: password, remoteUfrag: remoteUfrag) }
        logger.info("ICE restart", metadata: ["call": "\(call.id)", "side": "\(side)"])
    }

    /// An ACK: when it answers the offer we put in a 200 (an INVITE without SDP), that leg's media
    /// follows the answer; an ACK without one ends the call (RFC 3261 §13.3.1.4).
    func acknowledged(_ ack: SIPRequest) {
        guard let id = Dialog.ID(incoming: ack), let (call, inbound) = table.leg(id), let cseq = try? ack.headers.cseq() else { return }
        let side: LegSide = inbound ? .a : .b
        guard call.awaitingAnswer[side] == cseq.sequence else { return }
        call.awaitingAnswer[side] = nil
        guard let answer = try? SessionDescription(parsing: ack.body), let section = answer.media.first(where: { $0.media == "audio" }),
              let agreed = answer.acceptedByAnswer() else {
            return fail(call, code: 488, reason: "No usable SDP answer in the ACK", side: "gateway")
        }
        let current = call.config(side)
        guard var config = MediaLegConfig(agreed: agreed, ssrc: current?.ssrc ?? UInt32.random(in: 1...UInt32.max),
                                          cname: current?.cname ?? "tandem",
                                          dtmfMode: current?.dtmfMode ?? call.callerDTMF,
                                          ptime: section.packetTime.map(Int.init)) else {
            return fail(call, code: 488, reason: "No common codec", side: "gateway")
        }
        config.direction = Media.MediaDirection(agreed.direction.reversed)
        guard current == nil else {
            return settled(call, side, config: config, agreed: agreed, asked: agreed.direction)
        }
        controller.mediaSetUp.startDelayedOffer(call, config: config, agreed: agreed)
    }

    /// A leg's SDP settled again (its re-offer answered, or our offer answered in its ACK): its media
    /// follows, its silence watch too, and a change of direction (`asked`, as the leg sees it) is
    /// translated to the other leg.
    func settled(_ call: Call, _ side: LegSide, config: MediaLegConfig, agreed: AcceptedMedia, asked: SDP.MediaDirection) {
        call.setConfig(side, config)
        controller.mediaSetUp.apply(config, to: side, of: call, remote: LegAgreement.remoteAddress(agreed), payloadTypes: LegAgreement.payloadTypes(agreed))
        controller.mediaSetUp.watchSilence(call, side, held: !Media.MediaDirection(asked).sends)
        if asked != (call.heldDirection[side] ?? .sendrecv) {
            call.heldDirection[side] = asked
            logger.info(asked == .sendrecv ? "call resumed" : "call held", metadata: ["call": "\(call.id)", "side": "\(side)", "direction": "\(asked)"])
            reoffer(call, to: side.other, direction: asked)
        }
    }

    /// Offers `direction` to the leg on `side` (re-INVITE in its dialog), then ACKs its answer.
    func reoffer(_ call: Call, to side: LegSide, direction: SDP.MediaDirection) {
        guard var sdp = call.sdp(side), var config = call.config(side) else { return }
        if side == .a, call.aLeg == nil, let session = call.inbound.http {
            // No re-offer over HTTP: our media follows the hold and the page hears of it.
            config.direction = Media.MediaDirection(direction)
            call.setConfig(side, config)
            controller.mediaSetUp.apply(config, to: side, of: call, remote: nil, payloadTypes: nil)
            return session.emit(direction == .sendrecv ? "resumed" : "held", ["direction": "\(direction)"])
        }
        let body = sdp.offer(direction: direction).serializedBytes()
        call.setSDP(side, sdp)
        guard let (r, peer) = request(in: .side(call, side), { $0.reinvite(in: &$1, via: $2, offer: body) }) else { return }
        config.direction = Media.MediaDirection(direction)
        call.setConfig(side, config)
        controller.mediaSetUp.apply(config, to: side, of: call, remote: nil, payloadTypes: nil)
        let sequence = (try? r.headers.cseq().sequence) ?? 0
        call.machine.reofferSent(to: side.side)
        endpoint.send(r, to: peer) { [weak call] event in
            guard let call, case .response(let response) = event, response.isFinal else { return }
            self.perform(call.machine.reofferAnswered(by: side.side, code: response.statusCode), on: call)
            guard response.isSuccess else { return }
            let dialog = side == .a ? (call.aLeg?.dialog ?? call.inbound.dialog) : call.answered?.dialog
            if let ack = dialog?.makeACK(sequence: sequence, via: self.endpoint.makeVia(peer.transport)) {
                self.endpoint.sendStateless(.request(ack), to: peer)
            }
        }
    }

    /// Both sides re-offered at once (491): try again after RFC 3261 §14.1's random wait, 2.1-4 s when
    /// we chose the dialog's Call-ID (side b, which we called), 0-2 s otherwise; only if still wanted.
    func retryAfterGlare(_ call: Call, side: LegSide, direction: SDP.MediaDirection) {
        let wait = side == .b ? Int.random(in: 2100...4000) : Int.random(in: 0...2000)
        controller.timers.after(.milliseconds(wait), call) { call in
            guard call.phase == .answered, (call.heldDirection[side.other] ?? .sendrecv) == direction else { return }
            self.reoffer(call, to: side, direction: direction)
        }
    }

    /// Whether we are the UAS of the dialog on `side`: side a's, unless a transfer replaced its caller.
    func weAreUAS(_ call: Call, _ side: LegSide) -> Bool { side == .a && call.aLeg == nil }

    /// A new request made by `make` in the dialog of `leg`, and where to send it.
    func request(in leg: DialogLeg, _ make: (RequestBuilder, inout Dialog, Via) -> SIPRequest) -> (SIPRequest, SIPPeer)? {
        switch leg {
        case .side(let call, .a) where call.aLeg == nil:
            guard var dialog = call.inbound.dialog, let peer = call.inbound.peer else { return nil }
            let r = make(services.requests, &dialog, endpoint.makeVia(peer.transport))
            call.inbound.dialog = dialog
            return (r, peer)
        case .side(let call, let side):
            guard let branch = side == .a ? call.aLeg : call.answered else { return nil }
            return request(in: .branch(branch), make)
        case .branch(let branch):
            guard var dialog = branch.dialog else { return nil }
            let r = make(services.requests, &dialog, endpoint.makeVia(branch.peer.transport))
            branch.dialog = dialog
            return (r, services.peer(for: branch))
        }
    }

    /// A digit for a leg whose DTMF mode is SIP INFO (`application/dtmf-relay`), in its dialog.
    func sendInfo(_ call: Call, to side: LegSide, digit: DTMFDigit, durationMs: Int) {
        guard call.phase == .answered else { return }
        let body = Array(DTMFInfo.relayBody(digit, durationMs: durationMs).utf8)
        guard let (r, peer) = request(in: .side(call, side), {
            $0.info(in: &$1, via: $2, contentType: DTMFInfo.relayContentType, body: body)
        }) else { return }
        endpoint.send(r, to: peer) { _ in }
    }

    /// Sends a BYE on a leg, saying why.
    func bye(_ leg: DialogLeg, status: Int, reason: String) {
        let why = Reason(cause: status, text: reason)
        guard let (bye, peer) = request(in: leg, { $0.bye(in: &$1, via: $2, reason: why) }) else { return }
        endpoint.send(bye, to: peer) { _ in }
    }
}
