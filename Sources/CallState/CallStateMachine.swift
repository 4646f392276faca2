import Dialplan

/// Which leg of a call: `a` called in, `b` is the one Tandem placed.
public enum Side: Sendable, Hashable { case a, b }

/// One outbound INVITE (a target, or one binding of a browser user), numbered by the controller.
public struct BranchID: Sendable, Hashable, CustomStringConvertible {
    public let raw: Int
    public init(_ raw: Int) { self.raw = raw }
    public var description: String { "#\(raw)" }
}

/// A SIP status and why, as the caller, the far end and the CDR will read it.
public struct Outcome: Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var reason: String
    public init(_ code: Int, _ reason: String) {
        self.code = code
        self.reason = reason
    }
    public var description: String { "\(code) \(reason)" }
}

/// The dialplan's answer for a call, as far as the call's course depends on it: its targets in
/// order, rung one after another or all at once, and which failures move on to the next one.
public struct DialPlan: Sendable, Equatable {
    public var mode: BridgeMode
    public var failover: FailoverPolicy
    public var targets: Int
    public init(mode: BridgeMode, failover: FailoverPolicy, targets: Int) {
        self.mode = mode
        self.failover = failover
        self.targets = targets
    }
}

/// The life of one call through the B2BUA, without sockets: an enum of states holding only what
/// each needs, one mutating function per event, each returning what the controller must do (the
/// SwiftNIO way). The controller owns the I/O (messages, media, timers) and reports what happened.
///
/// What belongs here is every decision about the call's course: which branch wins, what a late 2xx
/// or a crossing CANCEL gets, when a failover moves on, what the caller hears, who is hung up. How
/// a request is made, retried with credentials, or routed stays in the controller.
public struct CallStateMachine: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// The caller's INVITE is in; the dialplan has not spoken yet.
        case routing
        /// Targets are being tried; the caller has had no final response.
        case dialling(Dialling)
        /// A branch answered and the caller has its 200 (or the call went on after a transfer).
        case answered(Answered)
        /// Over: nothing more is dialled or relayed; late answers are hung up.
        case ended(Outcome)
    }

    /// Trying the plan's targets: the current one's branches, what is left, the best failure yet.
    public struct Dialling: Sendable, Equatable {
        public var plan: DialPlan
        /// Targets after the current one, by index in the plan.
        public var remaining: [Int]
        /// Kinds of target (browsers, SIP) of the current one whose INVITEs are still being set up.
        public var pendingDials = 0
        public var ringing: [BranchID] = []
        /// The branch whose early media the caller hears.
        public var early: BranchID?
        public var bestFailure: Outcome?

        init(plan: DialPlan, remaining: [Int]) {
            self.plan = plan
            self.remaining = remaining
        }
    }

    /// An answered call: the branch kept (none when a media app answered), our re-INVITEs in flight,
    /// and a transfer if one was asked.
    public struct Answered: Sendable, Equatable {
        public var branch: BranchID?
        /// The answer's To tag: another fork's 2xx (another tag) is a second dialog to hang up.
        public var toTag: String?
        /// Sides where our re-INVITE awaits its answer: a re-INVITE from them meanwhile is glare.
        public var reoffering: Set<Side> = []
        public var transfer: Transfer?
    }

    /// A blind transfer (RFC 3515) asked by one side: the other party is offered to the REFER's
    /// target, dialled like a bridge while the call stays up.
    public struct Transfer: Sendable, Equatable {
        public var transferor: Side
        /// The transferor hung up after its 202, as blind transfer allows: no NOTIFY is owed.
        public var transferorGone = false
        public var dialling: Dialling
    }

    public enum Action: Sendable, Equatable {
        /// Send INVITEs for these plan targets; report `dialling(kinds:)`, then each branch's fate.
        case dial(targets: [Int])
        case cancel(BranchID)
        /// ACK a 2xx (a retransmission, or one about to be hung up).
        case acknowledge(BranchID, toTag: String)
        /// BYE a 2xx's dialog that the call does not keep (a crossing CANCEL, a lost race, another fork).
        case hangUp(BranchID, toTag: String, Outcome)
        /// Bridge early media from the branch and send the caller our 183 with SDP.
        case connectEarlyMedia(BranchID)
        case relayProvisional(BranchID)
        case playRingback
        /// Bridge the answering branch's media and send the caller our 200.
        case answerCaller(BranchID)
        /// Bridge the transfer target's media in place of the transferor (told and hung up before).
        case connectTransferTarget(BranchID, replacing: Side)
        case rejectCaller(Outcome)
        /// BYE the answered leg on a side, saying why.
        case bye(Side, Outcome)
        case notifyTransferor(Side, sipfrag: Outcome, final: Bool)
        /// Answer a request from a side with this status (491 glare, 202, 481...).
        case respond(Side, Int)
        /// Send our re-offer to the side again (after a 491, RFC 3261 §14.1).
        case reoffer(to: Side)
        case stopRingTimer
        /// Free the media, write the record: the call is over.
        case finish(Outcome, endedBy: String)
    }

    public internal(set) var state: State = .routing
    /// A browser caller hears our ringback tone; a phone is told `180` and rings itself.
    public let callerIsBrowser: Bool

    public init(callerIsBrowser: Bool) { self.callerIsBrowser = callerIsBrowser }

    /// Whether branches may be dialled and their answers taken: before the answer, or for a transfer.
    public var isDialling: Bool {
        switch state {
        case .dialling: true
        case .answered(let a): a.transfer != nil
        default: false
        }
    }

    /// Whether the branch still rings for the call or a transfer (not cancelled, not failed, not lost).
    public func isRinging(_ branch: BranchID) -> Bool {
        switch state {
        case .dialling(let d): d.ringing.contains(branch)
        case .answered(let a): a.transfer?.dialling.ringing.contains(branch) == true
        default: false
        }
    }

    /// Who asked for the transfer under way, if one is.
    public var transferor: Side? {
        if case .answered(let a) = state, let transfer = a.transfer, !transfer.transferorGone { return transfer.transferor }
        return nil
    }

    // MARK: routing

    /// The dialplan chose a bridge: ring its first target, or all of them at once.
    public mutating func routed(_ plan: DialPlan) -> [Action] {
        guard case .routing = state, plan.targets > 0 else { return [] }
        var dialling = Dialling(plan: plan, remaining: Array(0..<plan.targets))
        let actions = dialling.dialNext()
        state = .dialling(dialling)
        return actions
    }

    /// A media app (echo, tone, announcement) answered the caller itself.
    public mutating func answeredLocally() {
        guard case .routing = state else { return }
        state = .answered(Answered(branch: nil, toTag: nil))
    }

    /// The dialplan rejected the call, or it could not be routed.
    public mutating func refused(_ outcome: Outcome) -> [Action] {
        guard case .routing = state else { return [] }
        state = .ended(outcome)
        return [.rejectCaller(outcome), .finish(outcome, endedBy: "gateway")]
    }
}
