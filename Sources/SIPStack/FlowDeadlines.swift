import NIOCore

/// Deadlines on one stream flow (TCP, TLS, WebSocket) against clients that connect and then send
/// slowly or not at all: the first whole message must come within `firstMessage` of the connect (a
/// TLS handshake or an HTTP upgrade that never ends falls under it), and on TCP and TLS a message
/// once begun must end within `message`. A flow past either is closed. Lives on the channel's loop.
final class FlowDeadlines: @unchecked Sendable {
    private let channel: Channel
    private let timeouts: StreamTimeouts
    private var pending: Scheduled<Void>?
    private var sawMessage = false
    private let onExpiry: () -> Void

    init(channel: Channel, timeouts: StreamTimeouts, onExpiry: @escaping () -> Void) {
        self.channel = channel
        self.timeouts = timeouts
        self.onExpiry = onExpiry
        arm(timeouts.firstMessage)
    }

    /// A whole message arrived.
    func messageEnded() {
        sawMessage = true
        pending?.cancel()
        pending = nil
    }

    /// Bytes of a message that has not ended are buffered.
    func messageBegun() {
        guard sawMessage, pending == nil else { return }
        arm(timeouts.message)
    }

    private func arm(_ after: TimeAmount) {
        pending = channel.eventLoop.scheduleTask(in: after) { [weak self] in
            guard let self else { return }
            self.onExpiry()
            self.channel.close(promise: nil)
        }
    }
}

/// How long a stream flow may take over its first message, and over any message it has begun;
/// and how many stream flows the endpoint holds at once.
public struct StreamTimeouts: Sendable, Equatable {
    public var firstMessage: TimeAmount
    public var message: TimeAmount
    public var maxFlows: Int
    /// RFC 5626 Flow-Timer: how often keep-alives are asked for (and WebSockets pinged); a flow
    /// silent for one and a half of it is dead.
    public var flowTimer: TimeAmount

    public init(firstMessage: TimeAmount = .seconds(10), message: TimeAmount = .seconds(10), maxFlows: Int = 10_000,
                flowTimer: TimeAmount = .seconds(30)) {
        self.firstMessage = firstMessage
        self.message = message
        self.maxFlows = maxFlows
        self.flowTimer = flowTimer
    }
}
