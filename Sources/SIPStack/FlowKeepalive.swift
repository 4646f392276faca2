import NIOCore
import NIOWebSocket

/// RFC 5626 keep-alive on one stream flow: a flow that has been silent for one and a half
/// `flowTimer`s is dead and closed (its bindings go with it). A WebSocket flow is pinged every
/// `flowTimer` (browsers answer pings without the page), so every WebSocket is watched; a TCP or
/// TLS flow is watched once an outbound registration (reg-id, `Flow-Timer` in our 200) tells its
/// UA to send CRLF keep-alives. Touched only on the flow's loop.
final class FlowKeepalive {
    private let channel: Channel
    private let flowTimer: TimeAmount
    private let ping: (() -> Void)?
    private var lastHeard: NIODeadline
    private var task: RepeatedTask?

    init(channel: Channel, flowTimer: TimeAmount, ping: (() -> Void)?) {
        self.channel = channel
        self.flowTimer = flowTimer
        self.ping = ping
        lastHeard = .now()
    }

    /// Anything arrived: a message, a keep-alive, a pong.
    func heard() { lastHeard = .now() }

    /// Starts watching (and, for WebSocket, pinging); once is enough.
    func start() {
        guard task == nil else { return }
        lastHeard = .now()
        let channel = channel
        task = channel.eventLoop.scheduleRepeatedTask(initialDelay: flowTimer, delay: flowTimer) { [weak self] _ in
            guard let self else { return }
            if NIODeadline.now() - self.lastHeard > .nanoseconds(self.flowTimer.nanoseconds * 3 / 2) {
                self.stop()
                channel.close(promise: nil)
            } else {
                self.ping?()
            }
        }
    }

    func stop() {
        task?.cancel()
        task = nil
    }
}
