import NIOCore
import NIOHTTP1
import SIPStack

/// One HTTP answer: status, type and body, or, with `events`, a Server-Sent Events stream.
struct HTTPAnswer: Sendable {
    var status: HTTPResponseStatus
    var contentType: String
    var body: [UInt8]
    var headers: [(String, String)] = []
    var events: EventStream?

    /// Where a `text/event-stream` answer's frames come from: `attach` hands it the sink its
    /// channel writes through; `detach` runs when the browser goes away first.
    struct EventStream: Sendable {
        var attach: @Sendable (EventSink) -> Void
        var detach: @Sendable () -> Void
    }

    static func text(_ status: HTTPResponseStatus, _ text: String) -> HTTPAnswer {
        HTTPAnswer(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    static func json(_ status: HTTPResponseStatus, _ text: String) -> HTTPAnswer {
        HTTPAnswer(status: status, contentType: "application/json", body: Array(text.utf8))
    }

    /// A refusal as the HTTP call API gives them: `{"reason": ...}`.
    static func problem(_ status: HTTPResponseStatus, _ reason: String) -> HTTPAnswer {
        .json(status, HTTPCallSession.json(["reason": reason]) + "\n")
    }

    func adding(_ more: [(String, String)]) -> HTTPAnswer {
        var answer = self
        answer.headers += more
        return answer
    }
}

/// An answer that stops a route early: a refusal with its status and reason.
struct HTTPRefusal: Error {
    let answer: HTTPAnswer
}

/// A request as the operations routes see it.
struct HTTPRequest: Sendable {
    var method: HTTPMethod
    var path: String
    var headers: HTTPHeaders
    var body: [UInt8]
    var remote: SocketAddress?
    /// It came over HTTPS.
    var secure = false
}

/// Answers plain HTTP on the web port: the routes (health, readiness, metrics, admin, HTTP calls),
/// then the web phone's files. Each connection answers one request and closes; an event stream
/// stays open until its call ends or the browser leaves.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    /// Answers a request, or nil when it is not an operations route.
    typealias Routes = @Sendable (HTTPRequest, EventLoop) -> EventLoopFuture<HTTPAnswer>?

    static let maximumBody = 64 * 1024
    let routes: Routes
    let webPhone: WebPhoneFiles?
    let allowedOrigins: Set<String>
    let secure: Bool
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    /// An event stream is being written: what to call when the channel goes, and its keep-alive.
    private var stream: (detach: @Sendable () -> Void, keepAlive: RepeatedTask)?
    private var inactive = false
    /// A comment line this often keeps proxies from closing a quiet event stream.
    static let keepAliveInterval = TimeAmount.seconds(15)

    init(routes: @escaping Routes, webPhone: WebPhoneFiles? = nil, allowedOrigins: Set<String> = [], secure: Bool = false) {
        self.routes = routes
        self.webPhone = webPhone
        self.allowedOrigins = allowedOrigins
        self.secure = secure
    }

    func channelInactive(context: ChannelHandlerContext) {
        inactive = true
        if let stream {
            stream.keepAlive.cancel()
            stream.detach()
            self.stream = nil
        }
        context.fireChannelInactive()
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
            let request = HTTPRequest(method: head.method, path: path, headers: head.headers, body: body,
                                      remote: context.channel.remoteAddress, secure: secure)
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
        guard !inactive else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: answer.contentType)
        if answer.events == nil { headers.add(name: "Content-Length", value: String(answer.body.count)) }
        headers.add(name: "Cache-Control", value: "no-cache")
        headers.add(name: "Connection", value: "close")
        for (name, value) in answer.headers { headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: answer.status, headers: headers))), promise: nil)
        if let events = answer.events { return stream(context, events) }
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: answer.body)))), promise: nil)
        end(context)
    }

    private func end(_ context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Keeps the response open and writes what the sink is given, on this channel's loop, until
    /// the source closes it or the channel goes.
    private func stream(_ context: ChannelHandlerContext, _ events: HTTPAnswer.EventStream) {
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        let write: @Sendable (String) -> Void = { text in
            loop.execute {
                let (handler, context) = bound.value
                guard handler.stream != nil else { return }
                context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
            }
        }
        let keepAlive = loop.scheduleRepeatedTask(initialDelay: Self.keepAliveInterval, delay: Self.keepAliveInterval) { _ in
            write(": keep-alive\n\n")
        }
        stream = (events.detach, keepAlive)
        context.flush()
        events.attach(EventSink(send: write, close: {
            loop.execute {
                let (handler, context) = bound.value
                guard let stream = handler.stream else { return }
                stream.keepAlive.cancel()
                handler.stream = nil
                handler.end(context)
            }
        }))
    }
}
