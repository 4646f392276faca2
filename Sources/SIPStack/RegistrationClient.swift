import Logging
import NIOCore
import SIP

/// Keeps Tandem registered with an upstream registrar (a PBX or carrier trunk): REGISTER with digest
/// (401 or 407, MD5 or SHA-256), refresh before expiry, retry with back-off after failures, and an
/// OPTIONS keepalive in between. Every state change is logged. Runs on the endpoint's event loop.
public final class RegistrationClient: @unchecked Sendable {
    public enum State: Sendable, Equatable, CustomStringConvertible {
        case idle
        case registering
        case registered(expires: UInt32)
        case failed(String)

        public var description: String {
            switch self {
            case .idle: "idle"
            case .registering: "registering"
            case .registered(let e): "registered for \(e) s"
            case .failed(let why): "failed: \(why)"
            }
        }
    }

    public struct Settings: Sendable {
        public var user: String
        public var domain: String
        public var username: String
        public var password: String
        public var expires: UInt32 = 600
        /// Re-register when this fraction of the granted time has passed.
        public var refreshFraction = 0.8
        public var retryMinimum: UInt64 = 2_000_000_000
        public var retryMaximum: UInt64 = 300_000_000_000
        public var keepaliveInterval: UInt64? = 30_000_000_000

        public init(user: String, domain: String, username: String, password: String) {
            self.user = user
            self.domain = domain
            self.username = username
            self.password = password
        }
    }

    public let settings: Settings
    public let name: String
    private let endpoint: SIPEndpoint
    private let peer: SIPPeer
    private let logger: Logger
    private var digest: DigestClient
    private let callID = SIPEndpoint.randomToken(20)
    private let fromTag = SIPEndpoint.randomToken(10)
    private var cseq: UInt32 = 0
    private var retryDelay: UInt64
    private var refreshTask: Scheduled<Void>?
    private var keepaliveTask: RepeatedTask?
    public private(set) var state: State = .idle
    /// Successful registrations so far (first one and refreshes).
    public private(set) var successes = 0
    public var onStateChange: ((State) -> Void)?

    public init(name: String, settings: Settings, endpoint: SIPEndpoint, peer: SIPPeer, logger: Logger) {
        self.name = name
        self.settings = settings
        self.endpoint = endpoint
        self.peer = peer
        self.logger = logger
        digest = DigestClient(username: settings.username, password: settings.password)
        retryDelay = settings.retryMinimum
    }

    public func start() {
        endpoint.loop.execute { self.register(expires: self.settings.expires) }
    }

    /// Removes the registration (Expires: 0) and stops refreshing; returns once the registrar has
    /// answered, or after two seconds, so an endpoint closed next does not swallow the request.
    public func stop() async {
        let done = endpoint.loop.makePromise(of: Void.self)
        endpoint.loop.execute {
            self.refreshTask?.cancel()
            self.keepaliveTask?.cancel()
            if case .registered = self.state {
                self.register(expires: 0, whenAnswered: { done.succeed() })
            } else {
                done.succeed()
            }
            self.set(.idle)
        }
        let timeout = endpoint.loop.scheduleTask(in: .seconds(2)) { done.succeed() }
        try? await done.futureResult.get()
        timeout.cancel()
    }

    private func set(_ new: State) {
        guard new != state else { return }
        state = new
        let level: Logger.Level = { if case .failed = new { return .warning }; return .info }()
        logger.log(level: level, "trunk registration \(new)", metadata: ["trunk": "\(name)", "registrar": "\(peer)"])
        onStateChange?(new)
    }

    private var contact: String {
        let (host, port) = endpoint.sentBy[peer.transport] ?? ("127.0.0.1", 5060)
        let h = host.contains(":") ? "[\(host)]" : host
        let transport = peer.transport == .udp ? "" : ";transport=\(peer.transport.rawValue.lowercased())"
        return "<sip:\(settings.user)@\(h):\(port)\(transport)>"
    }

    private func makeRequest(expires: UInt32) -> SIPRequest? {
        guard let uri = try? URI("sip:\(settings.domain)") else { return nil }
        cseq += 1
        var r = SIPRequest(method: .register, uri: uri)
        r.headers.add(.via, endpoint.makeVia(peer.transport).description)
        r.headers.add(.maxForwards, "70")
        r.headers.add(.from, "<sip:\(settings.user)@\(settings.domain)>;tag=\(fromTag)")
        r.headers.add(.to, "<sip:\(settings.user)@\(settings.domain)>")
        r.headers.add(.callID, callID)
        r.headers.add(.cseq, CSeq(cseq, .register).description)
        r.headers.add(.contact, contact)
        r.headers.add(.expires, String(expires))
        r.headers.add(.userAgent, endpoint.userAgent)
        r.headers.add(.contentLength, "0")
        return r
    }

    private func register(expires: UInt32, authorizedFor challenge: SIPResponse? = nil, whenAnswered: (() -> Void)? = nil) {
        guard var request = makeRequest(expires: expires) else { return set(.failed("bad domain \(settings.domain)")) }
        if let challenge, !digest.authorize(&request, for: challenge) {
            return retry("cannot answer the challenge (unsupported algorithm or realm)")
        }
        if expires > 0, state != .registering, challenge == nil { set(.registering) }
        endpoint.send(request, to: peer) { [weak self] event in
            guard let self else { return }
            switch event {
            case .response(let r) where r.statusCode < 200:
                return
            case .response(let r) where r.statusCode == 401 || r.statusCode == 407:
                // One authorized retry per challenge; a second challenge for the same nonce means wrong credentials.
                if challenge == nil || r.headers.contains(.wwwAuthenticate) && self.isStale(r) {
                    return self.register(expires: expires, authorizedFor: r, whenAnswered: whenAnswered)
                } else if expires > 0 {
                    self.retry("credentials refused (\(r.statusCode))")
                }
            case .response(let r) where r.isSuccess:
                if expires > 0 { self.registered(granted: self.grantedExpires(r) ?? expires) }
            case .response(let r) where expires > 0:
                self.retry("\(r.statusCode) \(r.reasonPhrase)")
            case .timeout where expires > 0:
                self.retry("no answer")
            default:
                break
            }
            whenAnswered?()
        }
    }

    private func isStale(_ r: SIPResponse) -> Bool {
        (try? r.headers.wwwAuthenticate())?.contains { $0.stale } ?? false
    }

    /// The expiry the registrar granted our contact: its Contact's expires parameter, else Expires.
    private func grantedExpires(_ r: SIPResponse) -> UInt32? {
        if case .addresses(let list)? = try? r.headers.contacts() {
            let mine = try? NameAddress(contact)
            if let match = list.first(where: { $0.uri == mine?.uri }), let e = match.expires { return e }
        }
        return (try? r.headers.expires()) ?? nil
    }

    private func registered(granted: UInt32) {
        successes += 1
        retryDelay = settings.retryMinimum
        set(.registered(expires: granted))
        let refresh = UInt64(Double(granted) * settings.refreshFraction * 1e9)
        refreshTask?.cancel()
        refreshTask = endpoint.loop.scheduleTask(in: .nanoseconds(Int64(max(refresh, 500_000_000)))) { [weak self] in
            self?.register(expires: self?.settings.expires ?? 600)
        }
        if keepaliveTask == nil, let interval = settings.keepaliveInterval {
            keepaliveTask = endpoint.loop.scheduleRepeatedTask(initialDelay: .nanoseconds(Int64(interval)),
                                                               delay: .nanoseconds(Int64(interval))) { [weak self] _ in self?.keepalive() }
        }
    }

    private func retry(_ reason: String) {
        set(.failed(reason))
        refreshTask?.cancel()
        let delay = retryDelay
        retryDelay = min(retryDelay * 2, settings.retryMaximum)
        logger.info("trunk registration retry", metadata: ["trunk": "\(name)", "in_seconds": "\(delay / 1_000_000_000)"])
        refreshTask = endpoint.loop.scheduleTask(in: .nanoseconds(Int64(delay))) { [weak self] in
            self?.register(expires: self?.settings.expires ?? 600)
        }
    }

    /// OPTIONS to the registrar between refreshes: a dead peer shows up in the log before calls fail.
    private func keepalive() {
        guard let uri = try? URI("sip:\(settings.domain)") else { return }
        var r = SIPRequest(method: .options, uri: uri)
        r.headers.add(.via, endpoint.makeVia(peer.transport).description)
        r.headers.add(.maxForwards, "70")
        r.headers.add(.from, "<sip:\(settings.user)@\(settings.domain)>;tag=\(SIPEndpoint.randomToken(8))")
        r.headers.add(.to, "<sip:\(settings.domain)>")
        r.headers.add(.callID, SIPEndpoint.randomToken(20))
        r.headers.add(.cseq, "1 OPTIONS")
        r.headers.add(.contentLength, "0")
        endpoint.send(r, to: peer) { [weak self] event in
            guard let self else { return }
            if case .timeout = event {
                self.logger.warning("trunk keepalive unanswered", metadata: ["trunk": "\(self.name)"])
                self.retry("keepalive unanswered")
            }
        }
    }
}
