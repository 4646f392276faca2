import NIOCore
import NIOWebSocket
import SIP

/// UDP: each datagram is one message.
final class UDPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let endpoint: SIPEndpoint
    init(endpoint: SIPEndpoint) { self.endpoint = endpoint }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = Array(envelope.data.readableBytesView)
        endpoint.receive(bytes, from: SIPPeer(transport: .udp, remote: envelope.remoteAddress, channel: context.channel))
    }
}

/// TCP and TLS: frames messages by Content-Length across partial and pipelined reads. A framing
/// error desynchronises the stream, so after the 400 the connection is closed.
final class StreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let endpoint: SIPEndpoint
    let transport: SIPTransportKind
    private var framer: SIPStreamFramer
    private let deadlines: FlowDeadlines?
    /// After a framing error: what the client still sends is read and dropped until it stops.
    private var discarding = false
    /// Started once an outbound registration asks this flow's UA for CRLF keep-alives.
    private(set) var keepalive: FlowKeepalive?

    init(endpoint: SIPEndpoint, transport: SIPTransportKind, deadlines: FlowDeadlines? = nil) {
        self.endpoint = endpoint
        self.transport = transport
        self.deadlines = deadlines
        framer = SIPStreamFramer(limits: endpoint.limits)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        keepalive = FlowKeepalive(channel: context.channel, flowTimer: endpoint.streamTimeouts.flowTimer, ping: nil)
    }

    /// The stream is out of step, so the flow ends, but closing with the client's bytes unread
    /// would reset the connection and lose the 400/513 on its way out: our side is shut, the rest
    /// of what it sends is dropped (nothing is kept), and the flow closes when it stops or after
    /// the message deadline.
    private func lingerAndClose(_ context: ChannelHandlerContext) {
        discarding = true
        framer = SIPStreamFramer(limits: endpoint.limits)
        let channel = context.channel
        context.close(mode: .output, promise: nil)
        channel.eventLoop.scheduleTask(in: endpoint.streamTimeouts.message) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if discarding { return }
        guard let remote = context.channel.remoteAddress else { return }
        let peer = SIPPeer(transport: transport, remote: remote, channel: context.channel)
        keepalive?.heard()
        let buffer = unwrapInboundIn(data)
        // RFC 5626 keepalive ping on its own: answer pong without bothering the framer.
        if framer.bufferedByteCount == 0, buffer.readableBytesView.elementsEqual("\r\n\r\n".utf8) {
            endpoint.receive(Array(buffer.readableBytesView), from: peer)
            return
        }
        framer.append(buffer.readableBytesView)
        while true {
            do {
                guard let message = try framer.next() else {
                    if framer.bufferedByteCount > 0 { deadlines?.messageBegun() }
                    return
                }
                deadlines?.messageEnded()
                endpoint.receive(message, from: peer)
            } catch {
                endpoint.rejectMalformed(error, from: peer)
                if framer.isFailed {
                    lingerAndClose(context)
                    return
                }
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        keepalive?.stop()
        if let remote = context.channel.remoteAddress {
            endpoint.flowClosed(SIPPeer(transport: transport, remote: remote, channel: context.channel))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

/// SIP over WebSocket (RFC 7118): one message per text or binary frame; pings answered; the flow's
/// end reported so bindings over it can go.
final class WebSocketHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame
    let endpoint: SIPEndpoint
    let transport: SIPTransportKind
    private var remote: SocketAddress?
    private let deadlines: FlowDeadlines?
    private var keepalive: FlowKeepalive?

    init(endpoint: SIPEndpoint, transport: SIPTransportKind, deadlines: FlowDeadlines? = nil) {
        self.endpoint = endpoint
        self.transport = transport
        self.deadlines = deadlines
    }

    func handlerAdded(context: ChannelHandlerContext) {
        remote = context.channel.remoteAddress
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        keepalive = FlowKeepalive(channel: context.channel, flowTimer: endpoint.streamTimeouts.flowTimer) {
            let (handler, context) = bound.value
            let frame = WebSocketFrame(fin: true, opcode: .ping, data: context.channel.allocator.buffer(capacity: 0))
            context.writeAndFlush(handler.wrapOutboundOut(frame), promise: nil)
        }
        keepalive?.start()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        keepalive?.stop()
        keepalive = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        keepalive?.heard()
        switch frame.opcode {
        case .text, .binary:
            deadlines?.messageEnded()
            guard let remote = remote ?? context.channel.remoteAddress else { return }
            endpoint.receive(Array(frame.unmaskedData.readableBytesView), from: SIPPeer(transport: transport, remote: remote, channel: context.channel))
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: channel.allocator.buffer(capacity: 0))))
                .whenComplete { _ in channel.close(promise: nil) }
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let remote = remote ?? context.channel.remoteAddress {
            endpoint.flowClosed(SIPPeer(transport: transport, remote: remote, channel: context.channel))
        }
        context.fireChannelInactive()
    }
}
