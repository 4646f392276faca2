/// How the branches of a target decide its fate, shared by the call's bridge and a transfer's.
extension CallStateMachine.Dialling {
    /// Rings the next target (failover) or every one left (parallel); the best failure starts over.
    mutating func dialNext() -> [CallStateMachine.Action] {
        guard !remaining.isEmpty else { return [] }
        let targets = plan.mode == .parallel ? remaining : [remaining[0]]
        remaining.removeFirst(targets.count)
        bestFailure = nil
        early = nil
        pendingDials = 0
        return [.dial(targets: targets)]
    }

    /// RFC 3261 §16.7: a 6xx beats all; else the lowest class, with 401/407/415/420/484 worth more
    /// than other 4xx (the caller can do something about them).
    static func better(_ a: Int, than b: Int) -> Bool {
        if a / 100 == 6 { return b / 100 != 6 }
        if b / 100 == 6 { return false }
        let preferred: Set<Int> = [401, 407, 415, 420, 484]
        if a / 100 == b / 100 { return preferred.contains(a) && !preferred.contains(b) }
        return a / 100 < b / 100
    }

    mutating func consider(_ failure: Outcome) {
        if let best = bestFailure, !Self.better(failure.code, than: best.code) { return }
        bestFailure = failure
    }

    /// Nothing rings and nothing is being set up: the current target has failed.
    var settled: Bool { ringing.isEmpty && pendingDials == 0 }

    enum Next {
        case dial([CallStateMachine.Action])
        case exhausted(Outcome)
    }

    /// The current target failed with `code` (nil: it timed out): the next one when the plan fails
    /// over on that, else the best failure seen.
    mutating func targetFailed(code: Int?) -> Next {
        if plan.failover.retries(on: code), !remaining.isEmpty { return .dial(dialNext()) }
        remaining.removeAll()
        return .exhausted(bestFailure ?? Outcome(480, "No Answer"))
    }
}

extension CallStateMachine {
    /// What the caller is told when the callee's side fails: the callee's answer, except what is
    /// ours to deal with (auth toward a trunk, redirects we do not follow, transaction errors).
    public static func callerCode(for code: Int) -> Int {
        switch code {
        case 401, 407: 503
        case 300..<400: 480
        case 408: 480
        case 481, 482, 483, 491: 500
        default: code
        }
    }

    /// Runs `body` on whichever dialling `branch` belongs to (the bridge's, or a transfer's), and
    /// puts the result back.
    private mutating func withDialling<R>(of branch: BranchID?, _ body: (inout Dialling, _ isTransfer: Bool) -> R) -> R? {
        switch state {
        case .dialling(var d) where branch.map(d.ringing.contains) ?? true:
            let result = body(&d, false)
            state = .dialling(d)
            return result
        case .answered(var answered):
            guard var transfer = answered.transfer, branch.map(transfer.dialling.ringing.contains) ?? true else { return nil }
            let result = body(&transfer.dialling, true)
            answered.transfer = transfer
            state = .answered(answered)
            return result
        default:
            return nil
        }
    }

    // MARK: branches

    /// The controller is setting up INVITEs for `kinds` kinds of target (browsers, SIP) of a `dial`.
    public mutating func dialling(kinds: Int) {
        _ = withDialling(of: nil) { d, _ in d.pendingDials += kinds }
    }

    public mutating func branchStarted(_ branch: BranchID) {
        _ = withDialling(of: nil) { d, _ in d.ringing.append(branch) }
    }

    /// One kind of target has all its INVITEs out, or could send none (`failure`: no binding, no route).
    public mutating func dialSettled(failure: Outcome? = nil) -> [Action] {
        let settled = withDialling(of: nil) { d, _ -> (Bool, Int?) in
            d.pendingDials = max(0, d.pendingDials - 1)
            if let failure { d.consider(failure) }
            return (d.settled, d.bestFailure?.code)
        }
        guard let settled, settled.0 else { return [] }
        return targetFailed(code: settled.1, inTransfer: isTransferring)
    }

    /// A provisional response (not 100) from a branch.
    public mutating func provisional(_ branch: BranchID, hasSDP: Bool) -> [Action] {
        let callerIsBrowser = callerIsBrowser
        return withDialling(of: branch) { d, isTransfer -> [Action] in
            if hasSDP {
                d.early = branch
                return [.connectEarlyMedia(branch)]
            }
            return callerIsBrowser && !isTransfer ? [.playRingback] : [.relayProvisional(branch)]
        } ?? []
    }

    /// A 2xx from a branch, with its dialog's To tag.
    public mutating func answered(_ branch: BranchID, toTag: String) -> [Action] {
        switch state {
        case .answered(let a) where a.branch == branch && a.toTag == toTag:
            return [.acknowledge(branch, toTag: toTag)]  // a retransmission: our ACK was lost
        case .dialling(let d) where d.ringing.contains(branch):
            let others = d.ringing.filter { $0 != branch }
            state = .answered(Answered(branch: branch, toTag: toTag))
            return [.acknowledge(branch, toTag: toTag)] + others.map(Action.cancel) + [.stopRingTimer, .answerCaller(branch)]
        case .answered(var a) where a.transfer?.dialling.ringing.contains(branch) == true:
            let transfer = a.transfer!
            let others = transfer.dialling.ringing.filter { $0 != branch }
            var actions: [Action] = [.acknowledge(branch, toTag: toTag)] + others.map(Action.cancel) + [.stopRingTimer]
            if !transfer.transferorGone {
                actions += [.notifyTransferor(transfer.transferor, sipfrag: Outcome(200, "OK"), final: true),
                            .bye(transfer.transferor, Outcome(200, "Transferred"))]
            }
            actions.append(.connectTransferTarget(branch, replacing: transfer.transferor))
            // The target takes the transferor's side; a transfer by the caller keeps side b's branch.
            if transfer.transferor == .b {
                a.branch = branch
                a.toTag = toTag
            }
            a.transfer = nil
            a.reoffering = []
            state = .answered(a)
            return actions
        default:
            // Crossed our CANCEL, lost the race, or another fork after the answer: ACK, then BYE.
            return [.acknowledge(branch, toTag: toTag), .hangUp(branch, toTag: toTag, Outcome(200, "Call completed elsewhere"))]
        }
    }

    /// A final failure from a branch (after any retry with credentials or a longer session interval).
    public mutating func failed(_ branch: BranchID, _ failure: Outcome) -> [Action] {
        let settled = withDialling(of: branch) { d, _ -> Bool in
            d.ringing.removeAll { $0 == branch }
            if d.early == branch { d.early = nil }
            d.consider(failure)
            return d.settled
        }
        guard settled == true else { return [] }
        return targetFailed(code: failure.code, inTransfer: isTransferring)
    }

    /// Nobody answered in the route's ring time.
    public mutating func ringTimeout() -> [Action] {
        let ringing = withDialling(of: nil) { d, _ -> [BranchID] in
            defer {
                d.ringing = []
                d.early = nil
                d.bestFailure = Outcome(480, "No Answer")
            }
            return d.ringing
        }
        guard let ringing, !ringing.isEmpty else { return [] }
        return ringing.map(Action.cancel) + targetFailed(code: nil, inTransfer: isTransferring)
    }

    private var isTransferring: Bool {
        if case .answered(let a) = state { return a.transfer != nil }
        return false
    }

    private mutating func targetFailed(code: Int?, inTransfer: Bool) -> [Action] {
        guard let next = withDialling(of: nil, { d, _ in d.targetFailed(code: code) }) else { return [] }
        switch next {
        case .dial(let actions):
            return actions
        case .exhausted(let best):
            guard inTransfer, case .answered(var a) = state, let transfer = a.transfer else {
                let told = Outcome(Self.callerCode(for: best.code), best.reason)
                state = .ended(told)
                return [.stopRingTimer, .rejectCaller(told), .finish(told, endedBy: "callee")]
            }
            a.transfer = nil
            state = .answered(a)
            if transfer.transferorGone {
                // Nobody is left to take the call back: the other party hears the end.
                let other: Side = transfer.transferor == .a ? .b : .a
                let outcome = Outcome(480, "Transfer failed")
                state = .ended(outcome)
                return [.bye(other, outcome), .finish(outcome, endedBy: "gateway")]
            }
            // The transferor is told and may take the call back (RFC 5589 §6.1).
            return [.stopRingTimer, .notifyTransferor(transfer.transferor, sipfrag: best, final: true)]
        }
    }
}
