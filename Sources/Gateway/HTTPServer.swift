import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import SIPStack

/// Answers plain HTTP on the web port: health for load balancers and monitoring.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let status: @Sendable () -> String

    init(status: @escaping @Sendable () -> String) {
        self.status = status
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let (code, type, body): (HTTPResponseStatus, String, String)
        switch (head.method, head.uri.split(separator: "?").first.map(String.init) ?? "/") {
        case (.GET, "/health"): (code, type, body) = (.ok, "application/json", status())
        case (.GET, _): (code, type, body) = (.notFound, "text/plain", "not found\n")
        default: (code, type, body) = (.methodNotAllowed, "text/plain", "method not allowed\n")
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: code, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// The web listener: HTTP (or HTTPS) for pages and health, upgraded to SIP over WebSocket on request.
enum WebListener {
    static func bind(address: ListenAddress, tls: NIOSSLContext?, group: EventLoopGroup,
                     status: @escaping @Sendable () -> String,
                     onMessage: @escaping @Sendable (InboundSIPBytes, Channel) -> Void) async throws -> Channel {
        let transport: SIPTransportKind = tls == nil ? .ws : .wss
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: 1 << 16,
                    shouldUpgrade: { channel, head in
                        channel.eventLoop.makeSucceededFuture(WebSocketSIPHandler.upgradeHeaders(for: head))
                    },
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            let ops = channel.pipeline.syncOperations
                            try ops.addHandler(NIOWebSocketFrameAggregator(
                                minNonFinalFragmentSize: 1, maxAccumulatedFrameCount: 64, maxAccumulatedFrameSize: 1 << 16))
                            try ops.addHandler(WebSocketSIPHandler(transport: transport, onMessage: onMessage))
                        }
                    })
                return channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    if let tls { try ops.addHandler(NIOSSLServerHandler(context: tls)) }
                    let http = HTTPHandler(status: status)
                    try ops.configureHTTPServerPipeline(withServerUpgrade: (
                        upgraders: [upgrader],
                        completionHandler: { context in context.pipeline.syncOperations.removeHandler(http, promise: nil) }))
                    try ops.addHandler(http)
                }
            }
            .bind(host: address.host, port: address.port).get()
    }
}
