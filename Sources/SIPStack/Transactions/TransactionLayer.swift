import SIP

/// A timer the transaction layer armed.
public protocol TransactionTimerHandle: AnyObject {
    func cancel()
}

/// Arms timers for the transaction layer: NIO's event loop in production, a fake clock in tests.
public protocol TransactionScheduler: AnyObject {
    func schedule(after nanoseconds: UInt64, _ body: @escaping () -> Void) -> TransactionTimerHandle
}

/// Where a message came from or goes to, opaque to the transaction layer: the transport fills it in.
public protocol SIPPeerAddress: Sendable {
    /// Reliable transports (TCP, TLS, WS) need no retransmissions (§17.1.1.2).
    var isReliable: Bool { get }
}

/// Something that can deliver a request to the transaction user and hold its answer.
public final class ServerTransactionHandle<Peer: SIPPeerAddress> {
    let key: ServerTransactionKey
    public let request: SIPRequest
    public let peer: Peer
    weak var layer: TransactionLayer<Peer>?

    init(key: ServerTransactionKey, request: SIPRequest, peer: Peer, layer: TransactionLayer<Peer>) {
        self.key = key
        self.request = request
        self.peer = peer
        self.layer = layer
    }

    /// Sends a response through the transaction (which retransmits and absorbs as RFC 3261 says).
    public func respond(_ response: SIPResponse) {
        layer?.respond(key: key, response)
    }
}

/// Identifies a server transaction (§17.2.3): the top Via's branch and sent-by, and the method with
/// ACK folded into INVITE (an ACK for a non-2xx belongs to the INVITE's transaction). Call-ID and
/// CSeq number are compared too, which a retransmission and that ACK repeat: a client that reuses
/// a branch for a new request (RFC 4475's messages do) gets a transaction of its own instead of
/// the old one's answer. A request from an RFC 2543 element (no `z9hG4bK` branch) is matched the
/// way §17.2.3 says for those: by Request-URI, From tag, Call-ID, CSeq number and top Via (the
/// ACK's To tag, ours, is not compared).
public struct ServerTransactionKey: Hashable, Sendable {
    public var branch: String
    public var sentBy: String
    public var method: SIPMethod
    public var callID: String
    public var sequence: UInt32

    public init?(_ request: SIPRequest) {
        guard let via = try? request.headers.topVia(), let callID = try? request.headers.callID(),
              let cseq = try? request.headers.cseq() else { return nil }
        sentBy = via.sentBy.lowercased()
        method = request.method == .ack ? .invite : request.method
        self.callID = callID
        sequence = cseq.sequence
        if let branch = via.branch, branch.hasPrefix("z9hG4bK") {
            self.branch = branch
        } else {
            branch = "rfc2543 \(request.uri) \((try? request.headers.from().tag) ?? "") \(via.branch ?? "")"
        }
    }
}

/// Identifies a client transaction (§17.1.3): our branch and the CSeq method.
public struct ClientTransactionKey: Hashable, Sendable {
    public var branch: String
    public var method: SIPMethod

    public init(branch: String, method: SIPMethod) {
        self.branch = branch
        self.method = method
    }

    public init?(_ response: SIPResponse) {
        guard let via = try? response.headers.topVia(), let branch = via.branch, let cseq = try? response.headers.cseq() else { return nil }
        self.branch = branch
        method = cseq.method
    }
}

/// The outcome a client transaction reports to whoever sent the request.
public enum ClientTransactionEvent: Sendable {
    case response(SIPResponse)
    /// Timer B or F fired, or the transport failed: treat as 408 (§8.1.3.1).
    case timeout
}

/// The transaction layer of RFC 3261 §17 over any transport and clock: matches messages to
/// transactions, runs their state machines, and performs their actions. Confined to one event loop.
public final class TransactionLayer<Peer: SIPPeerAddress> {
    public typealias Send = (SIPMessage, Peer) -> Void

    private enum Server {
        case invite(ServerInviteTransaction)
        case nonInvite(ServerNonInviteTransaction)
    }

    private enum Client {
        case invite(ClientInviteTransaction)
        case nonInvite(ClientNonInviteTransaction)
    }

    private struct ServerEntry {
        var machine: Server
        let peer: Peer
        var timers: [SIPTimer: TransactionTimerHandle] = [:]
    }

    private struct ClientEntry {
        var machine: Client
        let peer: Peer
        let onEvent: (ClientTransactionEvent) -> Void
        var timers: [SIPTimer: TransactionTimerHandle] = [:]
    }

    private let scheduler: TransactionScheduler
    private let send: Send
    public let timers: SIPTimerSettings
    private var servers: [ServerTransactionKey: ServerEntry] = [:]
    private var clients: [ClientTransactionKey: ClientEntry] = [:]
    /// Sent with 100 Trying and other locally made responses.
    public var serverHeader: String?

    public init(scheduler: TransactionScheduler, timers: SIPTimerSettings = SIPTimerSettings(), send: @escaping Send) {
        self.scheduler = scheduler
        self.send = send
        self.timers = timers
    }

    public var activeServerTransactions: Int { servers.count }
    public var activeClientTransactions: Int { clients.count }

    /// What the layer did with an incoming request.
    public enum RequestDisposition {
        /// A new transaction: the TU must answer through the handle.
        case new(ServerTransactionHandle<Peer>)
        /// A retransmission or an ACK for a non-2xx final: handled here.
        case absorbed
        /// An ACK for a 2xx, or a request without an RFC 3261 branch: the TU takes it as is.
        case passToCore
    }

    /// Matches an incoming request to a transaction (§17.2.3) or starts one.
    public func receive(_ request: SIPRequest, from peer: Peer) -> RequestDisposition {
        guard let key = ServerTransactionKey(request) else { return .passToCore }
        if let entry = servers[key] {
            // An ACK whose transaction already sent a 2xx is the dialog's, not ours.
            if request.method == .ack, case .invite(let m) = entry.machine, m.state == .accepted || m.state == .terminated {
                return .passToCore
            }
            step(server: key, { $0.receive(request) }, { $0.receive(request) })
            return .absorbed
        }
        if request.method == .ack { return .passToCore }
        let reliable = peer.isReliable
        let machine: Server = request.method == .invite
            ? .invite(ServerInviteTransaction(request: request, reliable: reliable, timers: timers))
            : .nonInvite(ServerNonInviteTransaction(request: request, reliable: reliable, timers: timers))
        servers[key] = ServerEntry(machine: machine, peer: peer)
        if request.method == .invite {
            // Answer at once so the client stops retransmitting (§17.2.1).
            var trying = SIPResponse(replyingTo: request, statusCode: 100)
            if let serverHeader { trying.headers.add(.server, serverHeader) }
            respond(key: key, trying)
        }
        return .new(ServerTransactionHandle(key: key, request: request, peer: peer, layer: self))
    }

    /// The INVITE server transaction a CANCEL refers to (§9.2): same branch and sent-by.
    public func inviteTransaction(cancelledBy cancel: SIPRequest) -> SIPRequest? {
        guard var key = ServerTransactionKey(cancel) else { return nil }
        key.method = .invite
        guard case .invite(let m)? = servers[key]?.machine, m.state == .proceeding else { return nil }
        return m.request
    }

    /// Responds within the INVITE transaction a CANCEL refers to (the 487).
    public func respondToCancelledInvite(_ cancel: SIPRequest, _ response: SIPResponse) {
        guard var key = ServerTransactionKey(cancel) else { return }
        key.method = .invite
        respond(key: key, response)
    }

    func respond(key: ServerTransactionKey, _ response: SIPResponse) {
        step(server: key, { $0.respond(response) }, { $0.respond(response) })
    }

    /// Runs one input through a server transaction's machine and performs what it asks.
    private func step(server key: ServerTransactionKey, _ invite: (inout ServerInviteTransaction) -> [TransactionAction],
                      _ nonInvite: (inout ServerNonInviteTransaction) -> [TransactionAction]) {
        guard var entry = servers[key] else { return }
        let actions: [TransactionAction]
        switch entry.machine {
        case .invite(var m):
            actions = invite(&m)
            entry.machine = .invite(m)
        case .nonInvite(var m):
            actions = nonInvite(&m)
            entry.machine = .nonInvite(m)
        }
        servers[key] = entry
        perform(actions, server: key)
    }

    /// Runs one input through a client transaction's machine and performs what it asks.
    private func step(client key: ClientTransactionKey, _ invite: (inout ClientInviteTransaction) -> [TransactionAction],
                      _ nonInvite: (inout ClientNonInviteTransaction) -> [TransactionAction]) {
        guard var entry = clients[key] else { return }
        let actions: [TransactionAction]
        switch entry.machine {
        case .invite(var m):
            actions = invite(&m)
            entry.machine = .invite(m)
        case .nonInvite(var m):
            actions = nonInvite(&m)
            entry.machine = .nonInvite(m)
        }
        clients[key] = entry
        perform(actions, client: key)
    }

    /// Starts a client transaction for `request`, whose top Via must carry a fresh branch.
    public func start(_ request: SIPRequest, to peer: Peer, onEvent: @escaping (ClientTransactionEvent) -> Void) {
        guard let via = try? request.headers.topVia(), let branch = via.branch else {
            onEvent(.timeout)
            return
        }
        let key = ClientTransactionKey(branch: branch, method: request.method)
        var machine: Client
        let actions: [TransactionAction]
        if request.method == .invite {
            var m = ClientInviteTransaction(request: request, reliable: peer.isReliable, timers: timers)
            actions = m.start()
            machine = .invite(m)
        } else {
            var m = ClientNonInviteTransaction(request: request, reliable: peer.isReliable, timers: timers)
            actions = m.start()
            machine = .nonInvite(m)
        }
        clients[key] = ClientEntry(machine: machine, peer: peer, onEvent: onEvent)
        perform(actions, client: key)
    }

    /// Matches a response to its client transaction; false when none matches (a stray response).
    @discardableResult
    public func receive(_ response: SIPResponse) -> Bool {
        guard let key = ClientTransactionKey(response), clients[key] != nil else { return false }
        step(client: key, { $0.receive(response) }, { $0.receive(response) })
        return true
    }

    /// The transport could not deliver to `peer` (connection refused, closed): fail its client transactions.
    public func transportFailed(branch: String, method: SIPMethod) {
        step(client: ClientTransactionKey(branch: branch, method: method), { $0.transportFailed() }, { $0.transportFailed() })
    }

    private func perform(_ actions: [TransactionAction], server key: ServerTransactionKey) {
        for action in actions {
            guard let entry = servers[key] else { return }
            switch action {
            case .send(let message): send(message, entry.peer)
            case .startTimer(let timer, let ns):
                entry.timers[timer]?.cancel()
                servers[key]?.timers[timer] = scheduler.schedule(after: ns) { [weak self] in self?.serverTimer(timer, key) }
            case .cancelTimer(let timer):
                entry.timers[timer]?.cancel()
                servers[key]?.timers[timer] = nil
            case .terminated:
                for handle in entry.timers.values { handle.cancel() }
                servers[key] = nil
            case .deliver, .timedOut:
                // Server transactions have nothing to deliver; an H timeout is visible to the UAS core
                // through the missing ACK.
                break
            }
        }
    }

    private func perform(_ actions: [TransactionAction], client key: ClientTransactionKey) {
        for action in actions {
            guard let entry = clients[key] else { return }
            switch action {
            case .send(let message): send(message, entry.peer)
            case .startTimer(let timer, let ns):
                entry.timers[timer]?.cancel()
                clients[key]?.timers[timer] = scheduler.schedule(after: ns) { [weak self] in self?.clientTimer(timer, key) }
            case .cancelTimer(let timer):
                entry.timers[timer]?.cancel()
                clients[key]?.timers[timer] = nil
            case .deliver(let response): entry.onEvent(.response(response))
            case .timedOut: entry.onEvent(.timeout)
            case .terminated:
                for handle in entry.timers.values { handle.cancel() }
                clients[key] = nil
            }
        }
    }

    private func serverTimer(_ timer: SIPTimer, _ key: ServerTransactionKey) {
        servers[key]?.timers[timer] = nil
        step(server: key, { $0.timerFired(timer) }, { $0.timerFired(timer) })
    }

    private func clientTimer(_ timer: SIPTimer, _ key: ClientTransactionKey) {
        clients[key]?.timers[timer] = nil
        step(client: key, { $0.timerFired(timer) }, { $0.timerFired(timer) })
    }
}
