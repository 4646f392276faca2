import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

extension SIPEndpoint {
    /// Binds an HTTP listener that upgrades to SIP over WebSocket (RFC 7118) when the client asks
    /// for the `sip` subprotocol, and otherwise hands the request to `http` (the web phone and health
    /// pages live above this module). `tls` adds the TLS handler first for WSS.
    public func bindWebSocket(_ transport: SIPTransportKind, host: String, port: Int,
                              tls: (@Sendable (Channel) throws -> Void)? = nil,
                              http: @escaping @Sendable () -> (ChannelHandler & RemovableChannelHandler)) async throws -> SocketAddress {
        let channel = try await ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                let deadlines: FlowDeadlines
                do {
                    deadlines = try self.admitFlow(channel)
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: 1 << 16,
                    shouldUpgrade: { channel, head in
                        channel.eventLoop.makeSucceededFuture(Self.webSocketUpgradeHeaders(for: head, allowedOrigins: self.allowedOrigins))
                    },
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            let ops = channel.pipeline.syncOperations
                            try ops.addHandler(NIOWebSocketFrameAggregator(
                                minNonFinalFragmentSize: 1, maxAccumulatedFrameCount: 64, maxAccumulatedFrameSize: 1 << 16))
                            try ops.addHandler(WebSocketHandler(endpoint: self, transport: transport, deadlines: deadlines))
                        }
                    })
                return channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    try tls?(channel)
                    let page = http(), seen = HTTPRequestSeen(deadlines: deadlines)
                    let bound = NIOLoopBound((page, seen), eventLoop: channel.eventLoop)
                    try ops.configureHTTPServerPipeline(withServerUpgrade: (
                        upgraders: [upgrader],
                        completionHandler: { context in
                            context.pipeline.syncOperations.removeHandler(bound.value.1, promise: nil)
                            context.pipeline.syncOperations.removeHandler(bound.value.0, promise: nil)
                        }))
                    try ops.addHandler(seen)
                    try ops.addHandler(page)
                }
            }
            .bind(host: host, port: port).get()
        guard let local = channel.localAddress else { throw ChannelError.unknownLocalAddress }
        try await loop.submit {
            self.listening(channel, transport: transport, local: local)
        }.get()
        return local
    }

    /// RFC 7118 §4: the client must offer the `sip` subprotocol; we answer with it or refuse. A
    /// page from an origin not allowed is refused too (the HTTP handler then says which).
    static func webSocketUpgradeHeaders(for head: HTTPRequestHead, allowedOrigins: Set<String>) -> HTTPHeaders? {
        guard originAllowed(head.headers.first(name: "Origin"), allowedOrigins) else { return nil }
        let offered = head.headers[canonicalForm: "Sec-WebSocket-Protocol"].map { $0.lowercased() }
        guard offered.contains("sip") else { return nil }
        return ["Sec-WebSocket-Protocol": "sip"]
    }

    /// Whether a page from `origin` may open SIP over WebSocket: any when `allowed` is empty; a
    /// client that sends no Origin is no browser page (Origin guards pages, not programs).
    public static func originAllowed(_ origin: String?, _ allowed: Set<String>) -> Bool {
        guard !allowed.isEmpty, let origin else { return true }
        return allowed.contains(origin.lowercased())
    }
}

/// An HTTP request (a page, /metrics) is the listener's "first message" too: a client that sends
/// one in time is no slow client, and keeps its connection.
final class HTTPRequestSeen: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    let deadlines: FlowDeadlines

    init(deadlines: FlowDeadlines) { self.deadlines = deadlines }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) { deadlines.messageEnded() }
        context.fireChannelRead(data)
    }
}
