import SIP

/// The INVITE client transaction (RFC 3261 §17.1.1, with RFC 6026's Accepted state): retransmits the
/// INVITE over unreliable transports, ACKs non-2xx finals itself, and passes every 2xx to the TU,
/// which ACKs those (they belong to the dialog, not the transaction).
public struct ClientInviteTransaction: Sendable {
    public enum State: Sendable, Equatable { case calling, proceeding, completed, accepted, terminated }

    public private(set) var state: State = .calling
    public let request: SIPRequest
    public let reliable: Bool
    let timers: SIPTimerSettings
    private var intervalA: UInt64

    public init(request: SIPRequest, reliable: Bool, timers: SIPTimerSettings = SIPTimerSettings()) {
        self.request = request
        self.reliable = reliable
        self.timers = timers
        intervalA = timers.t1
    }

    /// Sends the INVITE and arms A (unreliable only) and B.
    public mutating func start() -> [TransactionAction] {
        var actions: [TransactionAction] = [.send(.request(request))]
        if !reliable { actions.append(.startTimer(.A, intervalA)) }
        actions.append(.startTimer(.B, timers.transactionTimeout))
        return actions
    }

    public mutating func receive(_ response: SIPResponse) -> [TransactionAction] {
        switch (state, response.statusCode) {
        case (.calling, 100..<200), (.proceeding, 100..<200):
            let wasCalling = state == .calling
            state = .proceeding
            return (wasCalling ? [.cancelTimer(.A)] : []) + [.deliver(response)]
        case (.calling, 200..<300), (.proceeding, 200..<300):
            state = .accepted
            return [.cancelTimer(.A), .cancelTimer(.B), .deliver(response), .startTimer(.M, timers.transactionTimeout)]
        case (.accepted, 200..<300):
            // A retransmitted 2xx (or one from another fork): the TU ACKs it again.
            return [.deliver(response)]
        case (.calling, 300...), (.proceeding, 300...):
            state = .completed
            return [.cancelTimer(.A), .cancelTimer(.B), .send(.request(ack(for: response))), .deliver(response),
                    .startTimer(.D, reliable ? 0 : 32_000_000_000)]
        case (.completed, 300...):
            return [.send(.request(ack(for: response)))]
        default:
            return []
        }
    }

    public mutating func timerFired(_ timer: SIPTimer) -> [TransactionAction] {
        switch (state, timer) {
        case (.calling, .A):
            intervalA *= 2
            return [.send(.request(request)), .startTimer(.A, intervalA)]
        case (.calling, .B), (.proceeding, .B):
            state = .terminated
            return [.cancelTimer(.A), .timedOut, .terminated]
        case (.completed, .D), (.accepted, .M):
            state = .terminated
            return [.terminated]
        default:
            return []
        }
    }

    /// The transport reported it cannot deliver (§17.1.1.2): same as a timeout.
    public mutating func transportFailed() -> [TransactionAction] {
        guard state == .calling || state == .proceeding else { return [] }
        state = .terminated
        return [.cancelTimer(.A), .cancelTimer(.B), .timedOut, .terminated]
    }

    /// The ACK for a non-2xx final (§17.1.1.3): same Request-URI, Call-ID, From, CSeq number and top
    /// Via as the INVITE, the To of the response, and the INVITE's Route headers.
    func ack(for response: SIPResponse) -> SIPRequest {
        var headers = SIPHeaders()
        if let via = request.headers.values(.via).first { headers.add(.via, via) }
        for route in request.headers.values(.route) { headers.add(.route, route) }
        headers.add(.maxForwards, "70")
        if let from = request.headers[.from] { headers.add(.from, from) }
        if let to = response.headers[.to] { headers.add(.to, to) }
        if let callID = request.headers[.callID] { headers.add(.callID, callID) }
        let sequence = (try? request.headers.cseq().sequence) ?? 1
        headers.add(.cseq, CSeq(sequence, .ack).description)
        headers.add(.contentLength, "0")
        return SIPRequest(method: .ack, uri: request.uri, headers: headers)
    }
}
