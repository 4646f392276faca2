import SIP

/// The non-INVITE server transaction (RFC 3261 §17.2.2): answers retransmitted requests with the
/// last response and lingers for Timer J so late retransmissions are absorbed, not re-processed.
public struct ServerNonInviteTransaction: Sendable {
    public enum State: Sendable, Equatable { case trying, proceeding, completed, terminated }

    public private(set) var state: State = .trying
    public let request: SIPRequest
    public let reliable: Bool
    let timers: SIPTimerSettings
    private var lastResponse: SIPResponse?

    public init(request: SIPRequest, reliable: Bool, timers: SIPTimerSettings = SIPTimerSettings()) {
        self.request = request
        self.reliable = reliable
        self.timers = timers
    }

    public mutating func respond(_ response: SIPResponse) -> [TransactionAction] {
        switch (state, response.statusCode) {
        case (.trying, 100..<200), (.proceeding, 100..<200):
            state = .proceeding
            lastResponse = response
            return [.send(.response(response))]
        case (.trying, 200...), (.proceeding, 200...):
            state = .completed
            lastResponse = response
            return [.send(.response(response)), .startTimer(.J, reliable ? 0 : timers.transactionTimeout)]
        default:
            return []
        }
    }

    public mutating func receive(_ request: SIPRequest) -> [TransactionAction] {
        switch state {
        case .proceeding, .completed: return lastResponse.map { [.send(.response($0))] } ?? []
        default: return []
        }
    }

    public mutating func timerFired(_ timer: SIPTimer) -> [TransactionAction] {
        guard state == .completed, timer == .J else { return [] }
        state = .terminated
        return [.terminated]
    }
}
