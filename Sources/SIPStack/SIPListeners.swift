import Logging
import NIOCore
import NIOPosix

/// Receives SIP datagrams on a UDP socket and hands each to `onMessage`.
final class SIPDatagramHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let onMessage: @Sendable (InboundSIPBytes, Channel) -> Void

    init(onMessage: @escaping @Sendable (InboundSIPBytes, Channel) -> Void) {
        self.onMessage = onMessage
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        onMessage(InboundSIPBytes(transport: .udp, remote: envelope.remoteAddress, local: context.channel.localAddress,
                                  bytes: envelope.data), context.channel)
    }
}

/// Receives bytes of a SIP stream connection (TCP or TLS) and hands each chunk to `onMessage`;
/// Content-Length framing happens above, in the stream framer.
final class SIPStreamHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let transport: SIPTransportKind
    let onMessage: @Sendable (InboundSIPBytes, Channel) -> Void

    init(transport: SIPTransportKind, onMessage: @escaping @Sendable (InboundSIPBytes, Channel) -> Void) {
        self.transport = transport
        self.onMessage = onMessage
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let remote = context.channel.remoteAddress else { return }
        onMessage(InboundSIPBytes(transport: transport, remote: remote, local: context.channel.localAddress,
                                  bytes: unwrapInboundIn(data)), context.channel)
    }
}

/// Binds the SIP listeners of one process.
public enum SIPListeners {
    public static func bindUDP(host: String, port: Int, group: EventLoopGroup,
                               onMessage: @escaping @Sendable (InboundSIPBytes, Channel) -> Void) async throws -> Channel {
        try await DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SIPDatagramHandler(onMessage: onMessage))
                }
            }
            .bind(host: host, port: port).get()
    }

    /// TCP, or TLS when `tls` adds its handler first.
    public static func bindStream(transport: SIPTransportKind, host: String, port: Int, group: EventLoopGroup,
                                  tls: (@Sendable (Channel) throws -> Void)? = nil,
                                  onMessage: @escaping @Sendable (InboundSIPBytes, Channel) -> Void) async throws -> Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try tls?(channel)
                    try channel.pipeline.syncOperations.addHandler(SIPStreamHandler(transport: transport, onMessage: onMessage))
                }
            }
            .bind(host: host, port: port).get()
    }
}
