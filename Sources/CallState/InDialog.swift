/// Events of a call once its legs exist: the caller giving up, hang-ups, re-offers, transfers and
/// the gateway's own reasons to end it.
extension CallStateMachine {
    /// The caller's CANCEL. After our 200 it has nothing to cancel (RFC 3261 §9.2): the 200 crossed it.
    public mutating func callerCancelled() -> [Action] {
        let outcome = Outcome(487, "Request Terminated")
        switch state {
        case .routing:
            state = .ended(outcome)
            return [.rejectCaller(outcome), .finish(outcome, endedBy: "caller")]
        case .dialling(let d):
            state = .ended(outcome)
            return d.ringing.map(Action.cancel) + [.stopRingTimer, .rejectCaller(outcome), .finish(outcome, endedBy: "caller")]
        default:
            return []
        }
    }

    /// A BYE from a side's answered leg (already answered 200 by the controller).
    public mutating func bye(from side: Side) -> [Action] {
        guard case .answered(var a) = state else { return [] }
        if var transfer = a.transfer, transfer.transferor == side {
            // Blind transfer lets the transferor leave once its REFER is accepted: the target is still
            // being dialled for the other party.
            transfer.transferorGone = true
            a.transfer = transfer
            state = .answered(a)
            return []
        }
        let other: Side = side == .a ? .b : .a
        let cancels = a.transfer?.dialling.ringing.map(Action.cancel) ?? []
        let outcome = Outcome(200, "BYE")
        state = .ended(outcome)
        let byes = a.hasLeft(other) ? [] : [Action.bye(other, outcome)]
        return cancels + byes + [.finish(outcome, endedBy: side == .a ? "caller" : "callee")]
    }

    /// A BYE on an early dialog of a branch still ringing: that branch is over.
    public mutating func earlyBye(_ branch: BranchID) -> [Action] {
        failed(branch, Outcome(480, "Ended in early dialog"))
    }

    /// A re-INVITE from a side: the controller answers it, unless ours to that side is still open
    /// (glare, RFC 3261 §14.2) or the call is not up.
    public func reoffered(from side: Side) -> [Action] {
        guard case .answered(let a) = state, !a.reoffering.contains(side) else { return [.respond(side, 491)] }
        return []
    }

    /// Our re-INVITE toward a side went out.
    public mutating func reofferSent(to side: Side) {
        guard case .answered(var a) = state else { return }
        a.reoffering.insert(side)
        state = .answered(a)
    }

    /// Our re-INVITE toward a side got its final response.
    public mutating func reofferAnswered(by side: Side, code: Int) -> [Action] {
        guard case .answered(var a) = state else { return [] }
        a.reoffering.remove(side)
        state = .answered(a)
        // 491: both sides re-offered at once; ours goes again after a random wait (§14.1).
        return code == 491 ? [.reoffer(to: side)] : []
    }

    /// A REFER from a side, its target routed to `plan`: 202, a first NOTIFY, and the target dialled.
    /// One transfer at a time.
    public mutating func referred(by side: Side, to plan: DialPlan) -> [Action] {
        guard case .answered(var a) = state, a.transfer == nil, plan.targets > 0 else { return [.respond(side, 491)] }
        var dialling = Dialling(plan: plan, remaining: Array(0..<plan.targets))
        let dial = dialling.dialNext()
        a.transfer = Transfer(transferor: side, dialling: dialling)
        state = .answered(a)
        return [.respond(side, 202), .notifyTransferor(side, sipfrag: Outcome(100, "Trying"), final: false)] + dial
    }

    /// The call ends for a reason of the gateway's or the callee's (`by`): media failed, an unusable
    /// answer, the maximum duration, a session timer, shutdown.
    public mutating func end(_ outcome: Outcome, by: String = "gateway") -> [Action] {
        switch state {
        case .routing:
            state = .ended(outcome)
            return [.rejectCaller(outcome), .finish(outcome, endedBy: by)]
        case .dialling(let d):
            state = .ended(outcome)
            return d.ringing.map(Action.cancel) + [.stopRingTimer, .rejectCaller(outcome), .finish(outcome, endedBy: by)]
        case .answered(let a):
            state = .ended(outcome)
            let cancels = a.transfer?.dialling.ringing.map(Action.cancel) ?? []
            let byes = [Side.a, .b].filter { !a.hasLeft($0) }.map { Action.bye($0, outcome) }
            return cancels + byes + [.finish(outcome, endedBy: by)]
        case .ended:
            return []
        }
    }
}

extension CallStateMachine.Answered {
    /// The side's leg is gone already: a transferor that hung up after its 202.
    func hasLeft(_ side: Side) -> Bool { transfer?.transferor == side && transfer?.transferorGone == true }
}
