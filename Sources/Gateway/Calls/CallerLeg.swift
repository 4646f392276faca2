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

/// What the caller's leg hears before and at the answer: provisional responses, ringback, the 200,
/// failures, and its CANCEL.
struct CallerLeg: CallPart {
    let controller: CallController

    /// Ringing without early media, toward a browser: browsers play no ringback of their own on 180
    /// (JsSIP and SIP.js leave it to the page), so the caller gets our SDP in a 183 and a ringback
    /// tone from the bridge until the callee's media replaces it.
    func ringback(_ call: Call) {
        guard call.phase == .proceeding, let media = call.media, let configA = call.configA, !call.hearsRingback else { return }
        call.hearsRingback = true
        let mediaT = LoopTransfer(media)
        media.loop.execute {
            guard mediaT.value.bridge == nil else { return }
            try? mediaT.value.start(a: configA, b: nil, app: .source(ToneSource(frequencies: (425, nil), onMilliseconds: 1000,
                                                                               offMilliseconds: 4000, durationMilliseconds: nil)))
        }
        if let session = call.inbound.http { return session.emit("ringing") }
        relayProvisional(call, SIPResponse(statusCode: 183), withSDP: true)
    }

    func relayProvisional(_ call: Call, _ response: SIPResponse, withSDP: Bool) {
        guard call.phase == .proceeding else { return }
        guard case .sip(let transaction, let peer) = call.inbound.signalling else {
            // Over HTTP the browser has had our SDP since the 201: only what the far end does is news.
            call.inbound.http?.emit(withSDP ? "early-media" : "ringing")
            return
        }
        // A caller that made no offer gets ours only in the 200 (no reliable provisionals here).
        let withSDP = withSDP && call.inbound.offer != nil
        var r = SIPResponse(replyingTo: call.inbound.invite, statusCode: withSDP ? 183 : response.statusCode,
                            reasonPhrase: withSDP ? "Session Progress" : response.reasonPhrase, toTag: call.inbound.toTag)
        r.headers.add(.contact, services.contact(for: peer.transport))
        if withSDP, let body = call.sdpForCaller {
            r.headers.add(.contentType, "application/sdp")
            r.body = body
        }
        transaction.respond(r)
    }

    func answer(_ call: Call) {
        guard call.phase == .proceeding, let body = call.sdpForCaller else { return }
        call.phase = .answered
        let now = Date()
        call.record.answer = now
        services.metrics.callAnswered(setUpIn: .milliseconds(Int64(now.timeIntervalSince(call.record.start) * 1000)))
        logger.info("call answered", metadata: ["call": "\(call.id)", "target": "\(call.record.target ?? "app")"])
        for side in LegSide.allCases { controller.mediaSetUp.watchSilence(call, side, held: false) }
        if let limit = call.maxDuration { controller.timers.armMaxDuration(call, limit) }
        guard case .sip(let transaction, let peer) = call.inbound.signalling else {
            // An HTTP caller has had our SDP since its 201: no 200, ACK, dialog or session timer.
            call.inbound.http?.emit("answered")
            return
        }
        var ok = SIPResponse(replyingTo: call.inbound.invite, statusCode: 200, toTag: call.inbound.toTag)
        let localContact = services.contact(for: peer.transport)
        ok.headers.add(.contact, localContact)
        ok.headers.add(.contentType, "application/sdp")
        ok.headers.add(.allow, SignallingCore.allow)
        ok.headers.add(.supported, "timer")
        if let asked = try? call.inbound.invite.headers.sessionExpires() {
            // The caller's interval; it refreshes when it supports timers, else we do (RFC 4028 §9).
            let callerSupports = call.inbound.invite.headers.listValues(.supported).contains { $0.lowercased() == "timer" }
            let refresher = asked.refresher ?? (callerSupports ? .uac : .uas)
            ok.headers.setSessionExpires(SessionExpires(interval: asked.interval, refresher: refresher))
            if refresher == .uac { ok.headers.add(.require, "timer") }
            controller.timers.armSessionTimer(call, .a, interval: asked.interval, weRefresh: refresher == .uas)
        }
        ok.body = body
        if call.inbound.offer == nil, let cseq = try? call.inbound.invite.headers.cseq() { call.awaitingAnswer[.a] = cseq.sequence }
        if let dialog = Dialog(uas: call.inbound.invite, localTag: call.inbound.toTag, localContact: localContact, confirmed: true) {
            call.inbound.dialog = dialog
            table.add(dialog.id, call, inbound: true)
        }
        endpoint.sendSuccess(ok, through: transaction) { [weak call] in
            guard let call else { return }
            self.fail(call, code: 408, reason: "No ACK from the caller", side: "caller")
        }
    }

    /// A CANCEL for a call still ringing: 200 for the CANCEL, 487 for the INVITE, CANCEL every branch.
    func cancel(_ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) {
        guard let callID = try? request.headers.callID(), let call = table.calls[callID], call.phase == .proceeding,
              endpoint.transactions.inviteTransaction(cancelledBy: request) != nil else {
            return transaction.respond(SIPResponse(replyingTo: request, statusCode: 481))
        }
        transaction.respond(SIPResponse(replyingTo: request, statusCode: 200))
        // After the callee's 2xx the call is taken: our 200 crosses this CANCEL (RFC 3261 §9.2).
        perform(call.machine.callerCancelled(), on: call)
    }

    func reject(_ call: Call, _ outcome: CallState.Outcome) {
        guard call.phase == .proceeding else { return }
        switch call.inbound.signalling {
        case .sip(let transaction, _):
            transaction.respond(SIPResponse(replyingTo: call.inbound.invite, statusCode: outcome.code, reasonPhrase: outcome.reason,
                                            toTag: call.inbound.toTag))
        case .http(let session):
            session.refused(outcome.code, outcome.reason)
        }
    }
}
