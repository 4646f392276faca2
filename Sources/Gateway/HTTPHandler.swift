import NIOCore
import NIOHTTP1
import SIPStack

/// One HTTP answer: status, type and body.
struct HTTPAnswer: Sendable {
    var status: HTTPResponseStatus
    var contentType: String
    var body: [UInt8]
    var headers: [(String, String)] = []

    static func text(_ status: HTTPResponseStatus, _ text: String) -> HTTPAnswer {
        HTTPAnswer(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    static func json(_ status: HTTPResponseStatus, _ text: String) -> HTTPAnswer {
        HTTPAnswer(status: status, contentType: "application/json", body: Array(text.utf8))
    }
}

/// A request as the operations routes see it.
struct HTTPRequest: Sendable {
    var method: HTTPMethod
    var path: String
    var headers: HTTPHeaders
    var body: [UInt8]
}

/// Answers plain HTTP on the web port: the operations routes (health, readiness, metrics, admin),
/// then the web phone's files. Each connection answers one request and closes.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    /// Answers a request, or nil when it is not an operations route.
    typealias Routes = @Sendable (HTTPRequest, EventLoop) -> EventLoopFuture<HTTPAnswer>?

    static let maximumBody = 64 * 1024
    let routes: Routes
    let webPhone: WebPhoneFiles?
    let allowedOrigins: Set<String>
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(routes: @escaping Routes, webPhone: WebPhoneFiles? = nil, allowedOrigins: Set<String> = []) {
        self.routes = routes
        self.webPhone = webPhone
        self.allowedOrigins = allowedOrigins
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(var chunk):
            guard body.count + chunk.readableBytes <= Self.maximumBody else {
                head = nil
                return respond(context, version: .http1_1, .text(.payloadTooLarge, "request body too large\n"))
            }
            body += chunk.readBytes(length: chunk.readableBytes) ?? []
        case .end:
            guard let head else { return }
            self.head = nil
            let path = head.uri.split(separator: "?").first.map(String.init) ?? "/"
            let request = HTTPRequest(method: head.method, path: path, headers: head.headers, body: body)
            if head.headers.first(name: "Upgrade")?.lowercased() == "websocket" {
                // The upgrader declined it: say why.
                respond(context, version: head.version, SIPEndpoint.originAllowed(head.headers.first(name: "Origin"), allowedOrigins)
                    ? .text(.badRequest, "SIP over WebSocket needs the subprotocol \"sip\" (RFC 7118)\n")
                    : .text(.forbidden, "this page's origin may not use this gateway (websocket.allowed_origins)\n"))
            } else if let answer = routes(request, context.eventLoop) {
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                answer.whenComplete { result in
                    let (handler, context) = bound.value
                    handler.respond(context, version: head.version, (try? result.get()) ?? .text(.internalServerError, "error\n"))
                }
            } else if head.method == .GET, let file = webPhone?.file(for: path) {
                respond(context, version: head.version, HTTPAnswer(status: .ok, contentType: file.contentType, body: file.body))
            } else if head.method == .GET {
                respond(context, version: head.version, .text(.notFound, "not found\n"))
            } else {
                respond(context, version: head.version, .text(.methodNotAllowed, "method not allowed\n"))
            }
        }
    }

    private func respond(_ context: ChannelHandlerContext, version: HTTPVersion, _ answer: HTTPAnswer) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: answer.contentType)
        headers.add(name: "Content-Length", value: String(answer.body.count))
        headers.add(name: "Cache-Control", value: "no-cache")
        headers.add(name: "Connection", value: "close")
        for (name, value) in answer.headers { headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: answer.status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: answer.body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
