import SIP

/// The non-INVITE client transaction (RFC 3261 §17.1.2): REGISTER, OPTIONS, BYE, INFO and the rest.
public struct ClientNonInviteTransaction: Sendable {
    public enum State: Sendable, Equatable { case trying, proceeding, completed, terminated }

    public private(set) var state: State = .trying
    public let request: SIPRequest
    public let reliable: Bool
    let timers: SIPTimerSettings
    private var intervalE: UInt64

    public init(request: SIPRequest, reliable: Bool, timers: SIPTimerSettings = SIPTimerSettings()) {
        self.request = request
        self.reliable = reliable
        self.timers = timers
        intervalE = timers.t1
    }

    public mutating func start() -> [TransactionAction] {
        var actions: [TransactionAction] = [.send(.request(request))]
        if !reliable { actions.append(.startTimer(.E, intervalE)) }
        actions.append(.startTimer(.F, timers.transactionTimeout))
        return actions
    }

    public mutating func receive(_ response: SIPResponse) -> [TransactionAction] {
        switch (state, response.statusCode) {
        case (.trying, 100..<200), (.proceeding, 100..<200):
            state = .proceeding
            return [.deliver(response)]
        case (.trying, 200...), (.proceeding, 200...):
            state = .completed
            return [.cancelTimer(.E), .cancelTimer(.F), .deliver(response), .startTimer(.K, reliable ? 0 : timers.t4)]
        default:
            // Retransmitted finals in Completed are absorbed.
            return []
        }
    }

    public mutating func timerFired(_ timer: SIPTimer) -> [TransactionAction] {
        switch (state, timer) {
        case (.trying, .E):
            intervalE = min(2 * intervalE, timers.t2)
            return [.send(.request(request)), .startTimer(.E, intervalE)]
        case (.proceeding, .E):
            intervalE = timers.t2
            return [.send(.request(request)), .startTimer(.E, intervalE)]
        case (.trying, .F), (.proceeding, .F):
            state = .terminated
            return [.cancelTimer(.E), .timedOut, .terminated]
        case (.completed, .K):
            state = .terminated
            return [.terminated]
        default:
            return []
        }
    }

    public mutating func transportFailed() -> [TransactionAction] {
        guard state == .trying || state == .proceeding else { return [] }
        state = .terminated
        return [.cancelTimer(.E), .cancelTimer(.F), .timedOut, .terminated]
    }
}
