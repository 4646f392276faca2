import SIP

/// The INVITE server transaction (RFC 3261 §17.2.1, with RFC 6026's Accepted state): absorbs
/// retransmitted INVITEs by resending the last response, retransmits non-2xx finals until the ACK,
/// and leaves 2xx retransmission to the UAS core (`ReliableSuccessSender`).
public struct ServerInviteTransaction: Sendable {
    public enum State: Sendable, Equatable { case proceeding, completed, confirmed, accepted, terminated }

    public private(set) var state: State = .proceeding
    public let request: SIPRequest
    public let reliable: Bool
    let timers: SIPTimerSettings
    private var lastResponse: SIPResponse?
    private var intervalG: UInt64

    public init(request: SIPRequest, reliable: Bool, timers: SIPTimerSettings = SIPTimerSettings()) {
        self.request = request
        self.reliable = reliable
        self.timers = timers
        intervalG = timers.t1
    }

    /// The TU answers. A 100 Trying is sent by the layer as soon as the INVITE arrives.
    public mutating func respond(_ response: SIPResponse) -> [TransactionAction] {
        switch (state, response.statusCode) {
        case (.proceeding, 100..<200):
            lastResponse = response
            return [.send(.response(response))]
        case (.proceeding, 200..<300):
            state = .accepted
            lastResponse = response
            return [.send(.response(response)), .startTimer(.L, timers.transactionTimeout)]
        case (.accepted, 200..<300):
            // The UAS core retransmitting its 2xx goes out through here.
            return [.send(.response(response))]
        case (.proceeding, 300...):
            state = .completed
            lastResponse = response
            var actions: [TransactionAction] = [.send(.response(response))]
            if !reliable { actions.append(.startTimer(.G, intervalG)) }
            actions.append(.startTimer(.H, timers.transactionTimeout))
            return actions
        default:
            return []
        }
    }

    /// A retransmission of the INVITE, or the ACK for our non-2xx final.
    public mutating func receive(_ request: SIPRequest) -> [TransactionAction] {
        if request.method == .ack {
            guard state == .completed else { return [] }
            state = .confirmed
            return [.cancelTimer(.G), .cancelTimer(.H), .startTimer(.I, reliable ? 0 : timers.t4)]
        }
        switch state {
        case .proceeding, .completed:
            return lastResponse.map { [.send(.response($0))] } ?? []
        default:
            return []
        }
    }

    public mutating func timerFired(_ timer: SIPTimer) -> [TransactionAction] {
        switch (state, timer) {
        case (.completed, .G):
            intervalG = min(2 * intervalG, timers.t2)
            return (lastResponse.map { [TransactionAction.send(.response($0))] } ?? []) + [.startTimer(.G, intervalG)]
        case (.completed, .H):
            state = .terminated
            return [.cancelTimer(.G), .timedOut, .terminated]
        case (.confirmed, .I), (.accepted, .L):
            state = .terminated
            return [.terminated]
        default:
            return []
        }
    }
}
