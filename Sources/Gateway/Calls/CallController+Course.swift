import CallState
import Dialplan
import Foundation
import Media
import SIP
import SIPStack

/// Carrying out the call machine's actions: the only place its decisions turn into messages, media
/// and timers.
extension CallController {
    /// What an action may need from the event that caused it: the response of a branch, the offer it
    /// answered, the transaction of a request to answer.
    struct Cause {
        var response: SIPResponse?
        var context: OfferContext?
        var transaction: ServerTransactionHandle<SIPPeer>?
        var request: SIPRequest?
    }

    func perform(_ actions: [CallStateMachine.Action], on call: Call, _ cause: Cause = Cause()) {
        for action in actions { perform(action, on: call, cause) }
    }

    private func perform(_ action: CallStateMachine.Action, on call: Call, _ cause: Cause) {
        switch action {
        case .dial(let targets):
            guard let step = call.step else { return }
            let legs = targets.compactMap { $0 < step.legs.count ? step.legs[$0] : nil }
            if isCallerTransfer(call) {
                dialForCaller(call, legs)
            } else {
                dial(call, legs)
            }
        case .cancel(let id):
            if let branch = call.outbound[id] { cancel(branch) }
        case .acknowledge(let id, let tag):
            guard let branch = call.outbound[id], let response = cause.response else { return }
            if tag == branch.dialog?.id.remoteTag { acknowledge(branch, response) } else { fork(branch, response, acknowledge: true) }
        case .hangUp(let id, let tag, let outcome):
            guard let branch = call.outbound[id] else { return }
            if tag == branch.dialog?.id.remoteTag {
                hangUp(branch, status: outcome.code, reason: outcome.reason)
            } else if let response = cause.response {
                fork(branch, response, hangUp: true)
            }
        case .connectEarlyMedia:
            guard let response = cause.response, let context = cause.context else { return }
            connectMedia(call, from: response, context: context) { self.relayProvisional(call, response, withSDP: true) }
        case .relayProvisional:
            if let response = cause.response { relayProvisional(call, response, withSDP: false) }
        case .playRingback:
            ringback(call)
        case .answerCaller(let id):
            guard let branch = call.outbound[id], let response = cause.response, let context = cause.context else { return }
            if let granted = try? response.headers.sessionExpires() {
                armSessionTimer(call, .b, interval: granted.interval, weRefresh: granted.refresher != .uas)
            }
            call.answered = branch
            connectMedia(call, from: response, context: context) { self.answerCaller(call) }
        case .connectTransferTarget(let id, let replaced):
            guard let branch = call.outbound[id], let response = cause.response, let context = cause.context else { return }
            if replaced == .a {
                takeSideA(call, branch, response, context: context)
            } else {
                if let id = call.answered?.dialog?.id { dialogs[key(id)] = nil }
                call.answered = branch
                if let granted = try? response.headers.sessionExpires() {
                    armSessionTimer(call, .b, interval: granted.interval, weRefresh: granted.refresher != .uas)
                }
                connectMedia(call, from: response, context: context) {}
            }
        case .rejectCaller(let outcome):
            rejectCaller(call, outcome)
        case .bye(let side, let outcome):
            // Side a not answered yet (the callee's 2xx is still connecting): it hears the failure instead.
            if side == .a, call.phase == .proceeding, call.aLeg == nil {
                return rejectCaller(call, outcome.code >= 300 ? outcome : Outcome(480, outcome.reason))
            }
            bye(.side(call, LegSide(side)), status: outcome.code, reason: outcome.reason)
        case .notifyTransferor(let side, let sipfrag, let final):
            notify(.side(call, LegSide(side)), "SIP/2.0 \(sipfrag.code) \(sipfrag.reason)", final: final)
        case .respond(_, let code):
            guard let transaction = cause.transaction, let request = cause.request else { return }
            transaction.respond(SIPResponse(replyingTo: request, statusCode: code, reasonPhrase: code == 202 ? "Accepted" : nil))
        case .reoffer(let side):
            // Glare: offer again what the other side's hold asks of this one, if it still does then.
            let side = LegSide(side)
            retryAfterGlare(call, side: side, direction: call.heldDirection[side.other] ?? .sendrecv)
        case .stopRingTimer:
            call.ringTimer?.cancel()
        case .finish(let outcome, let by):
            finish(call, status: outcome.code, reason: outcome.reason, side: by)
        }
    }

    /// A transfer by the caller dials on side a's socket, even once the caller has hung up after its
    /// 202 (which `machine.transferor` no longer reports, since no NOTIFY is owed).
    private func isCallerTransfer(_ call: Call) -> Bool {
        if case .answered(let a) = call.machine.state { return a.transfer?.transferor == .a }
        return false
    }

    private func rejectCaller(_ call: Call, _ outcome: CallState.Outcome) {
        guard call.phase == .proceeding else { return }
        call.inbound.transaction.respond(SIPResponse(replyingTo: call.inbound.invite, statusCode: outcome.code, reasonPhrase: outcome.reason,
                                                     toTag: call.inbound.toTag))
    }

    /// Ends the call for the gateway's (or the callee's) reason: BYEs, CANCELs or a final response,
    /// whichever the call's state calls for.
    func fail(_ call: Call, code: Int, reason: String, side: String) {
        perform(call.machine.end(Outcome(code, reason), by: side), on: call)
    }
}

extension DialPlan {
    init(_ step: BridgeStep) {
        self.init(mode: step.mode, failover: step.failover, targets: step.legs.count)
    }
}
