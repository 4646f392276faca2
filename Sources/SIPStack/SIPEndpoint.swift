import Logging
import NIOCore
import NIOPosix
import NIOWebSocket
import SIP

/// What the endpoint hands to the layer above it (the registrar, the call controller).
public protocol SIPEndpointDelegate: AnyObject {
    /// A new request in its own server transaction; answer through the handle.
    func endpoint(_ endpoint: SIPEndpoint, received request: SIPRequest, transaction: ServerTransactionHandle<SIPPeer>)
    /// An ACK for a 2xx (or another request outside any transaction): dialog business.
    func endpoint(_ endpoint: SIPEndpoint, receivedOutsideTransaction request: SIPRequest, from peer: SIPPeer)
    /// A response no client transaction matched: a retransmitted 2xx to an INVITE whose transaction
    /// ended, which the dialog must ACK again.
    func endpoint(_ endpoint: SIPEndpoint, receivedStray response: SIPResponse, from peer: SIPPeer)
    /// A connection-oriented flow closed (a browser's WebSocket went away).
    func endpoint(_ endpoint: SIPEndpoint, flowClosed peer: SIPPeer)
}

/// Counts of what arrived that could not be used, by reason; read by metrics and tests.
public struct SIPEndpointCounters: Sendable, Equatable {
    public var received = 0
    public var malformed = 0
    public var answeredWith400 = 0
    public var strayResponses = 0
}

/// One row of SIP traffic: messages in or out over a transport, requests by method, responses by
/// their request's method and status class (2 for 2xx). Made per message, so it holds only what
/// the message already has: labels are written at scrape time.
public struct SIPTrafficKey: Hashable, Sendable {
    public var inbound: Bool
    public var method: SIPMethod
    /// Nil for a request.
    public var statusClass: Int?
    public var transport: SIPTransportKind

    init(_ message: SIPMessage, inbound: Bool, transport: SIPTransportKind) {
        self.inbound = inbound
        self.transport = transport
        switch message {
        case .request(let r):
            method = r.method
            statusClass = nil
        case .response(let r):
            method = (try? r.headers.cseq().method) ?? "?"
            statusClass = r.statusCode / 100
        }
    }
}

/// What the layer above says about a request before it reaches the transaction layer.
public enum RequestVerdict: Sendable, Equatable {
    case accept
    /// No answer at all: a flood costs its sender more than it costs us.
    case drop
    /// A stateless final response, with Retry-After when given.
    case reject(status: Int, reason: String, retryAfter: Int?)
}

/// Tandem's SIP endpoint: every transport (UDP, TCP, TLS, WS, WSS) feeding one transaction layer on
/// one event loop. It parses, answers malformed requests with 400 and the parser's reason, fixes up
/// Via (received/rport, RFC 3581), runs RFC 3261 §17 transactions, and routes responses back the way
/// §18.2.2 says. The layer above sees only parsed requests and responses.
public final class SIPEndpoint: @unchecked Sendable {
    public let loop: EventLoop
    public let logger: Logger
    public let limits: SIPLimits
    public weak var delegate: SIPEndpointDelegate?
    public private(set) var transactions: TransactionLayer<SIPPeer>!
    public private(set) var counters = SIPEndpointCounters()
    /// Every message received and sent (retransmissions too), read by metrics.
    public private(set) var traffic: [SIPTrafficKey: Int] = [:]
    /// Asked about each request outside a dialog (no To tag) before the transaction layer sees it:
    /// where rate limits turn a flood away for the cost of a table lookup.
    public var gate: ((SIPRequest, SIPPeer) -> RequestVerdict)?
    private let scheduler: LoopScheduler
    /// Our address per transport as written in Via and Contact (`host:port`).
    public private(set) var sentBy: [SIPTransportKind: (host: String, port: Int)] = [:]
    private var udpChannel: Channel?
    private var channels: [Channel] = []
    /// Outgoing TCP/TLS connections we opened, by remote address text, for reuse.
    private var outbound: [String: Channel] = [:]
    /// 2xx responses to INVITE retransmitted by the UAS core until their ACK (§13.3.1.4), by Call-ID and CSeq.
    private var unacknowledged: [String: (timer: TransactionTimerHandle?, onTimeout: () -> Void)] = [:]
    public var userAgent = "Tandem"
    /// Answer UDP requests at their source address and port whether or not they asked with rport.
    public var forceRport = false
    /// The page origins (`https://phone.example.com`, lower case) that may open SIP over WebSocket;
    /// empty allows any.
    public var allowedOrigins: Set<String> = []
    /// Deadlines and the cap on stream flows (slow or silent clients, connection floods).
    public var streamTimeouts = StreamTimeouts()
    /// Stream flows open now (all are on `loop`) and the most ever open at once, and those closed
    /// for a deadline or refused at the cap.
    public private(set) var openFlows = 0
    public private(set) var peakFlows = 0
    public private(set) var flowsTimedOut = 0
    public private(set) var flowsRefused = 0

    public init(loop: EventLoop, logger: Logger, limits: SIPLimits = .default, timers: SIPTimerSettings = SIPTimerSettings()) {
        self.loop = loop
        self.logger = logger
        self.limits = limits
        scheduler = LoopScheduler(loop: loop)
        transactions = TransactionLayer<SIPPeer>(scheduler: scheduler, timers: timers) { [weak self] message, peer in
            self?.write(message, to: peer)
        }
        transactions.serverHeader = userAgent
    }

    // MARK: listening

    public func bindUDP(host: String, port: Int) async throws -> SocketAddress {
        let channel = try await DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(.so_rcvbuf), value: 1 << 20)
            // NIO reads datagrams into 2 KiB by default, which cuts a long INVITE (RFC 4475's
            // longreq is 3.5 kB) short; a UDP datagram holds up to 64 KiB, the parser's own limit.
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(UDPHandler(endpoint: self)) }
            }
            .bind(host: host, port: port).get()
        return try await adopt(channel, transport: .udp, udp: true)
    }

    /// TCP, or TLS when `tls` adds its handler first.
    public func bindStream(_ transport: SIPTransportKind, host: String, port: Int,
                           tls: (@Sendable (Channel) throws -> Void)? = nil) async throws -> SocketAddress {
        let channel = try await ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    let deadlines = try self.admitFlow(ch)
                    try tls?(ch)
                    try ch.pipeline.syncOperations.addHandler(StreamHandler(endpoint: self, transport: transport, deadlines: deadlines))
                }
            }
            .bind(host: host, port: port).get()
        return try await adopt(channel, transport: transport, udp: false)
    }

    /// Counts a new stream flow in and starts its deadlines; throws (the flow is closed) at the cap.
    func admitFlow(_ channel: Channel) throws -> FlowDeadlines {
        loop.preconditionInEventLoop()
        guard openFlows < streamTimeouts.maxFlows else {
            flowsRefused += 1
            throw ChannelError.inappropriateOperationForState
        }
        openFlows += 1
        peakFlows = max(peakFlows, openFlows)
        channel.closeFuture.whenComplete { _ in self.openFlows -= 1 }
        return FlowDeadlines(channel: channel, timeouts: streamTimeouts) { [weak self] in
            self?.flowsTimedOut += 1
            self?.logger.debug("stream flow closed: too slow", metadata: ["remote": "\(channel.remoteAddress.map { "\($0)" } ?? "?")"])
        }
    }

    private func adopt(_ channel: Channel, transport: SIPTransportKind, udp: Bool) async throws -> SocketAddress {
        guard let local = channel.localAddress else { throw ChannelError.unknownLocalAddress }
        try await loop.submit {
            self.listening(channel, transport: transport, local: local)
            if udp { self.udpChannel = channel }
        }.get()
        return local
    }

    func listening(_ channel: Channel, transport: SIPTransportKind, local: SocketAddress) {
        channels.append(channel)
        sentBy[transport] = (local.ipAddress ?? "127.0.0.1", local.port ?? 0)
    }

    public func close() async {
        let all = try? await loop.submit { self.channels + Array(self.outbound.values) }.get()
        for c in all ?? [] { try? await c.close() }
    }

    // MARK: receiving

    /// One complete message's bytes from a peer; runs on `loop`.
    func receive(_ bytes: [UInt8], from peer: SIPPeer) {
        loop.preconditionInEventLoop()
        // Keepalives (RFC 5626 §3.5.1): CRLFCRLF ping answered with CRLF pong on streams; ignored on UDP.
        if bytes.allSatisfy({ $0 == 13 || $0 == 10 }) {
            if bytes.count >= 4, peer.isReliable { writeRaw(Array("\r\n".utf8), to: peer) }
            return
        }
        do {
            receive(try SIPMessage(datagram: bytes, limits: limits), from: peer)
        } catch {
            counters.received += 1
            rejectMalformed(error, from: peer)
        }
    }

    /// One message a stream framer has already parsed; runs on `loop`.
    func receive(_ message: SIPMessage, from peer: SIPPeer) {
        loop.preconditionInEventLoop()
        counters.received += 1
        traffic[SIPTrafficKey(message, inbound: true, transport: peer.transport), default: 0] += 1
        handle(message, from: peer)
    }

    func rejectMalformed(_ error: SIPParseError, from peer: SIPPeer) {
        counters.malformed += 1
        logger.debug("malformed SIP", metadata: ["from": "\(peer)", "error": "\(error)"])
        guard var response = SIPResponse(replyingTo: error) else { return }
        if error.partial?.headers.contains(.via) == true, var via = try? response.headers.topVia() {
            stampReceived(&via, from: peer)
            response.headers.setTopVia(via)
        }
        response.headers.add(.server, userAgent)
        response.headers.add(.warning, "399 tandem \"\(error.reason.replacingQuotes())\"")
        counters.answeredWith400 += 1
        write(.response(response), to: peer)
    }

    private func handle(_ message: SIPMessage, from peer: SIPPeer) {
        switch message {
        case .request(var request):
            guard var via = try? request.headers.topVia() else { return }
            stampReceived(&via, from: peer)
            request.headers.setTopVia(via)
            if let gate, request.method != .ack, (try? request.headers.to().tag) == nil {
                switch gate(request, peer) {
                case .accept: break
                case .drop: return
                case .reject(let status, let reason, let retryAfter):
                    var r = SIPResponse(replyingTo: request, statusCode: status, reasonPhrase: reason, toTag: Self.randomToken(8))
                    if let retryAfter { r.headers.add(HeaderName("Retry-After"), String(retryAfter)) }
                    r.headers.add(.server, userAgent)
                    return write(.response(r), to: peer)
                }
            }
            switch transactions.receive(request, from: peer) {
            case .new(let handle): delegate?.endpoint(self, received: request, transaction: handle)
            case .absorbed: break
            case .passToCore:
                if request.method == .ack, let key = Self.ackKey(request), let pending = unacknowledged.removeValue(forKey: key) {
                    pending.timer?.cancel()
                }
                delegate?.endpoint(self, receivedOutsideTransaction: request, from: peer)
            }
        case .response(let response):
            if !transactions.receive(response) {
                counters.strayResponses += 1
                delegate?.endpoint(self, receivedStray: response, from: peer)
            }
        }
    }

    /// RFC 3261 §18.2.1 and RFC 3581: note where the request really came from (with `forceRport`,
    /// as if every UDP request had asked for rport).
    private func stampReceived(_ via: inout Via, from peer: SIPPeer) {
        guard let ip = peer.remote.ipAddress else { return }
        let rport = via.rport != nil || (forceRport && peer.transport == .udp)
        if via.host.trimmingCharacters(in: ["[", "]"]) != ip || rport {
            via.parameters.set("received", value: ip)
        }
        if rport, let port = peer.remote.port {
            via.parameters.set("rport", value: String(port))
        }
    }

    func flowClosed(_ peer: SIPPeer) {
        outbound = outbound.filter { $0.value !== peer.channel }
        delegate?.endpoint(self, flowClosed: peer)
    }

    // MARK: sending

    /// Starts a client transaction; the callback runs on `loop` for each response and on timeout.
    public func send(_ request: SIPRequest, to peer: SIPPeer, onEvent: @escaping (ClientTransactionEvent) -> Void) {
        loop.preconditionInEventLoop()
        transactions.start(request, to: peer, onEvent: onEvent)
    }

    /// Sends a 2xx to an INVITE and, over UDP, retransmits it from T1 doubling to T2 until the ACK
    /// arrives; `onTimeout` runs when no ACK came within 64×T1 (the UAS then ends the dialog with BYE).
    public func sendSuccess(_ response: SIPResponse, through transaction: ServerTransactionHandle<SIPPeer>,
                            onTimeout: @escaping () -> Void = {}) {
        loop.preconditionInEventLoop()
        transaction.respond(response)
        guard let key = Self.ackKey(response) else { return }
        let reliable = transaction.peer.isReliable
        let timers = transactions.timers
        let peer = transaction.peer
        var interval = timers.t1
        var elapsed: UInt64 = 0
        func arm() -> TransactionTimerHandle? {
            // Over TCP/TLS/WS the transport is reliable; only the ACK timeout remains.
            let wait = reliable ? timers.transactionTimeout : interval
            return scheduler.schedule(after: wait) { [weak self] in
                guard let self, self.unacknowledged[key] != nil else { return }
                elapsed += wait
                if reliable || elapsed >= timers.transactionTimeout {
                    self.unacknowledged.removeValue(forKey: key)?.onTimeout()
                    return
                }
                self.write(.response(response), to: peer)
                interval = min(2 * interval, timers.t2)
                self.unacknowledged[key]?.timer = arm()
            }
        }
        unacknowledged[key] = (nil, onTimeout)
        unacknowledged[key]?.timer = arm()
    }

    /// Call-ID and CSeq number: what ties an ACK to the 2xx it acknowledges.
    static func ackKey(_ message: some SIPMessageHeaders) -> String? {
        guard let callID = try? message.headers.callID(), let cseq = try? message.headers.cseq() else { return nil }
        return "\(callID) \(cseq.sequence)"
    }

    /// A message outside any transaction: the ACK for a 2xx, or a 2xx retransmission by the UAS core.
    public func sendStateless(_ message: SIPMessage, to peer: SIPPeer) {
        write(message, to: peer)
    }

    /// A fresh Via for a request we send over `transport`, with an RFC 3261 branch and rport.
    /// An outbound registration came over a TCP or TLS flow: its UA now sends CRLF keep-alives,
    /// and the flow is closed if they stop (WebSocket flows are watched from the start).
    static func expectKeepalives(on peer: SIPPeer) {
        guard peer.transport == .tcp || peer.transport == .tls else { return }
        let channel = peer.channel
        channel.eventLoop.execute { (try? channel.pipeline.syncOperations.handler(type: StreamHandler.self))?.keepalive?.start() }
    }

    public func makeVia(_ transport: SIPTransportKind) -> Via {
        let (host, port) = sentBy[transport] ?? sentBy[.udp] ?? ("127.0.0.1", 5060)
        var via = Via(transport: transport.rawValue, host: host.contains(":") ? "[\(host)]" : host, port: UInt16(port),
                      branch: "z9hG4bK" + SIPEndpoint.randomToken(16))
        via.parameters.set("rport", value: nil)
        return via
    }

    /// Resolves where to send a request for `uri`-style destination `host:port` over `transport`:
    /// UDP uses the listener; TCP/TLS reuse or open a connection.
    public func peer(host: String, port: Int, transport: SIPTransportKind,
                     tlsHandler: (@Sendable (Channel) throws -> Void)? = nil) async throws -> SIPPeer {
        let remote = try SocketAddress.makeAddressResolvingHost(host, port: port)
        switch transport {
        case .udp:
            guard let udp = try await loop.submit({ self.udpChannel }).get() else { throw ChannelError.ioOnClosedChannel }
            return SIPPeer(transport: .udp, remote: remote, channel: udp)
        case .tcp, .tls:
            let key = "\(transport.rawValue):\(remote)"
            if let existing = try await loop.submit({ self.outbound[key] }).get(), existing.isActive {
                return SIPPeer(transport: transport, remote: remote, channel: existing)
            }
            let channel = try await ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { ch in
                    ch.eventLoop.makeCompletedFuture {
                        try tlsHandler?(ch)
                        try ch.pipeline.syncOperations.addHandler(StreamHandler(endpoint: self, transport: transport))
                    }
                }
                .connect(to: remote).get()
            try await loop.submit { self.outbound[key] = channel }.get()
            return SIPPeer(transport: transport, remote: remote, channel: channel)
        case .ws, .wss:
            // We never dial browsers: they are reached over the connection they registered on.
            throw ChannelError.operationUnsupported
        }
    }

    /// Serializes and writes per transport. Responses over UDP go where §18.2.2 and RFC 3581 say.
    func write(_ message: SIPMessage, to peer: SIPPeer) {
        traffic[SIPTrafficKey(message, inbound: false, transport: peer.transport), default: 0] += 1
        var destination = peer
        if case .response(let response) = message, peer.transport == .udp, let via = try? response.headers.topVia() {
            destination.remote = responseAddress(via, peer.remote)
        }
        writeRaw(message.serialized(), to: destination)
    }

    private func responseAddress(_ via: Via, _ source: SocketAddress) -> SocketAddress {
        if case .port(let port)? = via.rport, let addr = try? SocketAddress(ipAddress: via.received ?? source.ipAddress ?? "", port: Int(port)) {
            return addr
        }
        if via.rport != nil { return source }
        let host = via.received ?? source.ipAddress ?? ""
        return (try? SocketAddress(ipAddress: host, port: Int(via.port ?? 5060))) ?? source
    }

    private func writeRaw(_ bytes: [UInt8], to peer: SIPPeer) {
        let channel = peer.channel
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        switch peer.transport {
        case .udp:
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: peer.remote, data: buffer), promise: nil)
        case .tcp, .tls:
            channel.writeAndFlush(buffer, promise: nil)
        case .ws, .wss:
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: buffer), promise: nil)
        }
    }

    public static func randomToken(_ length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var g = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(g.next(upperBound: UInt32(alphabet.count)))] })
    }
}

/// Requests and responses alike carry headers.
public protocol SIPMessageHeaders {
    var headers: SIPHeaders { get }
}

extension SIPRequest: SIPMessageHeaders {}
extension SIPResponse: SIPMessageHeaders {}

/// The transaction layer's timers on an event loop.
final class LoopScheduler: TransactionScheduler {
    final class Handle: TransactionTimerHandle {
        let task: Scheduled<Void>
        init(_ task: Scheduled<Void>) { self.task = task }
        func cancel() { task.cancel() }
    }

    let loop: EventLoop
    init(loop: EventLoop) { self.loop = loop }

    func schedule(after nanoseconds: UInt64, _ body: @escaping () -> Void) -> TransactionTimerHandle {
        let work = LoopTransferBox(body)
        return Handle(loop.scheduleTask(in: .nanoseconds(Int64(nanoseconds))) { work.value() })
    }
}

/// Carries a closure that is only ever run on the loop that scheduled it.
struct LoopTransferBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

extension String {
    func replacingQuotes() -> String { String(map { $0 == "\"" ? "'" : $0 }) }
    func trimmingCharacters(in set: Set<Character>) -> String {
        guard let s = firstIndex(where: { !set.contains($0) }), let e = lastIndex(where: { !set.contains($0) }) else { return "" }
        return String(self[s...e])
    }
}
