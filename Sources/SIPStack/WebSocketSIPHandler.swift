import NIOCore
import NIOHTTP1
import NIOWebSocket

/// SIP over WebSocket (RFC 7118): after the upgrade, each text or binary frame carries one SIP message.
/// Answers pings and closes, reassembles fragmented frames, and hands each message to `onMessage`.
public final class WebSocketSIPHandler: ChannelInboundHandler, Sendable {
    public typealias InboundIn = WebSocketFrame
    public typealias OutboundOut = WebSocketFrame

    let transport: SIPTransportKind
    let onMessage: @Sendable (InboundSIPBytes, Channel) -> Void

    public init(transport: SIPTransportKind, onMessage: @escaping @Sendable (InboundSIPBytes, Channel) -> Void) {
        self.transport = transport
        self.onMessage = onMessage
    }

    /// The subprotocol RFC 7118 §4 requires; an upgrade without it is refused.
    public static let subprotocol = "sip"

    /// Headers for the upgrade response, or nil to refuse: the client must offer the `sip` subprotocol.
    public static func upgradeHeaders(for head: HTTPRequestHead) -> HTTPHeaders? {
        let offered = head.headers[canonicalForm: "Sec-WebSocket-Protocol"].map { $0.lowercased() }
        guard offered.contains(subprotocol) else { return nil }
        return ["Sec-WebSocket-Protocol": subprotocol]
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            guard let remote = context.channel.remoteAddress else { return }
            onMessage(InboundSIPBytes(transport: transport, remote: remote, local: context.channel.localAddress,
                                      bytes: frame.unmaskedData), context.channel)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: context.channel.allocator.buffer(capacity: 0))
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(close)).whenComplete { _ in channel.close(promise: nil) }
        default:
            break
        }
    }
}
