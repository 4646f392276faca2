import NIOCore
import NIOHTTP1

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

