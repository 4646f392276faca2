import NIOCore
import NIOHTTP1

/// Answers plain HTTP on the web port: health for load balancers and monitoring, and the web phone.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let status: @Sendable () -> String
    let webPhone: WebPhoneFiles?

    init(status: @escaping @Sendable () -> String, webPhone: WebPhoneFiles? = nil) {
        self.status = status
        self.webPhone = webPhone
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let (code, type, body): (HTTPResponseStatus, String, [UInt8])
        let path = head.uri.split(separator: "?").first.map(String.init) ?? "/"
        switch (head.method, path) {
        case (.GET, "/health"): (code, type, body) = (.ok, "application/json", Array(status().utf8))
        case (.GET, _):
            if let file = webPhone?.file(for: path) {
                (code, type, body) = (.ok, file.contentType, file.body)
            } else {
                (code, type, body) = (.notFound, "text/plain", Array("not found\n".utf8))
            }
        default: (code, type, body) = (.methodNotAllowed, "text/plain", Array("method not allowed\n".utf8))
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Cache-Control", value: "no-cache")
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: code, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}

