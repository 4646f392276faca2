import Dialplan
import Foundation
import Logging
import MediaTransport
import NIOCore
import NIOPosix
import NIOSSL
import SIPStack
import WebRTC

/// One running Tandem: its event loops, listeners and certificates. `start` binds every configured
/// listener and logs where it listens; `stop` closes them.
public final class GatewayServer: @unchecked Sendable {
    public let config: GatewayConfig
    public let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private var bound: [String: SocketAddress] = [:]
    /// The SIP endpoint (all transports) and what answers its requests.
    public private(set) var endpoint: SIPEndpoint?
    var core: SignallingCore?
    public private(set) var dtlsContext: DTLSContext?
    /// The routing plan; calls take a snapshot when they start, reloads swap it atomically.
    public let dialplans: DialplanStore
    private(set) var watcher: DialplanWatcher?
    private(set) var stopped = false
    private var started = false
    var registrations: [RegistrationClient] = []
    /// The node's metrics and its event loops' load, for /metrics, /ready and admission.
    let metrics = GatewayMetrics()
    let load: LoadMonitor
    /// Called once a drain has let every call finish (or ended the rest): `tandem run` exits then.
    public var onDrained: (@Sendable () -> Void)?
    var drainTask: Task<Void, Never>?
    var trunkProbe: TrunkProbe?
    /// Media ports of every call, for the ports-in-use gauge.
    let mediaPorts: MediaPortAllocator
    /// The admin page's files (web/admin/), read at start when `admin.token` is set.
    var adminPage: WebPhoneFiles?
    /// The address `media.stun_server` saw our media host as at start; nil without one, or when it
    /// did not answer.
    public private(set) var stunMappedAddress: String?
    /// The HTTP calls' OpenAPI description (web/openapi.json), served at /openapi.json.
    var apiDescription: [UInt8]?

    /// TLS 1.2's suites for SIP-TLS and WSS (TLS 1.3 has its own, all AEAD): forward secret, AEAD,
    /// for our ECDSA certificate. docs/security.md lists them.
    static let tlsCipherSuites = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305"

    public init(config: GatewayConfig, logger: Logger, threads: Int = System.coreCount) {
        self.config = config
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        mediaPorts = MediaPortAllocator(range: config.media.portRange)
        load = LoadMonitor(group: group)
        dialplans = DialplanStore(directory: config.dialplanDirectory, environment: DialplanEnvironment(
            trunks: Set(config.trunks.map(\.name)), users: Set(config.users.map(\.name))))
    }

    /// A dialplan folder that does not check clean at start: Tandem refuses to start on it.
    public struct DialplanRefused: Error, CustomStringConvertible {
        public let diagnostics: [String]
        public var description: String { diagnostics.joined(separator: "\n") }
    }

    /// Where each listener ended up (a configured port 0 gets a free one from the kernel).
    public var boundAddresses: [String: SocketAddress] { bound }

    public func start() async throws {
        switch dialplans.reload() {
        case .loaded(let plan, _, let warnings):
            for w in warnings { logger.warning("dialplan: \(w)") }
            logger.info("dialplan loaded", metadata: ["files": "\(plan.files.count)", "contexts": "\(plan.contexts.count)"])
            for user in config.users where plan.contexts[user.context] == nil {
                logger.warning("a user's context is not in the dialplan: its calls get 404", metadata: ["user": "\(user.name)", "context": "\(user.context)"])
            }
        case .refused(let errors):
            throw DialplanRefused(diagnostics: errors.map(\.description))
        }
        let log = logger, metrics = metrics
        let watcher = DialplanWatcher(store: dialplans) { outcome in
            switch outcome {
            case .loaded(_, let generation, let warnings):
                for w in warnings { log.warning("dialplan: \(w)") }
                log.notice("dialplan reloaded", metadata: ["generation": "\(generation)"])
                metrics.dialplanReloaded(ok: true)
            case .refused(let errors):
                for e in errors { log.error("dialplan refused, the previous plan keeps serving: \(e)") }
                metrics.dialplanReloaded(ok: false)
            }
        }
        watcher.start()
        watcher.reloadOnSignal(SIGHUP)
        self.watcher = watcher

        let store = CertificateStore(directory: config.certificateDirectory)
        let (dtls, dtlsNew) = try store.dtls()
        if dtlsNew { logger.notice("generated DTLS certificate", metadata: ["path": "\(store.dtlsCertificatePath)"]) }
        logger.info("DTLS fingerprint", metadata: ["sha-256": "\(dtls.fingerprint)"])
        dtlsContext = try DTLSContext(identity: dtls)

        var tlsContext: NIOSSLContext?
        if config.listen.sipTLS != nil || config.listen.https != nil {
            let (tls, tlsNew) = try store.tls()
            if tlsNew { logger.notice("generated TLS certificate", metadata: ["path": "\(store.tlsCertificatePath)"]) }
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(tls.certificatePEM.utf8), format: .pem))],
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(tls.privateKeyPEM.utf8), format: .pem)))
            configuration.minimumTLSVersion = .tlsv12
            configuration.cipherSuites = Self.tlsCipherSuites
            tlsContext = try NIOSSLContext(configuration: configuration)
        }

        let credentials = RegistrationCredentials(
            realm: config.realm,
            ha1: Dictionary(config.users.map { u in (u.name, u.digestHA1(realm: config.realm)) }, uniquingKeysWith: { a, _ in a }),
            algorithms: config.digestAlgorithms,
            tokenSecret: config.tokenSecret)
        let endpoint = SIPEndpoint(loop: group.next(), logger: logger)
        endpoint.forceRport = config.sip.forceRport
        endpoint.streamTimeouts = StreamTimeouts(firstMessage: .seconds(Int64(config.sip.firstMessageTimeoutSeconds)),
                                                 message: .seconds(Int64(config.sip.messageTimeoutSeconds)),
                                                 maxFlows: config.sip.maxConnections,
                                                 flowTimer: .seconds(Int64(config.sip.flowTimerSeconds)))
        let registrar = Registrar(credentials: credentials, logger: logger)
        registrar.flowTimerSeconds = config.sip.flowTimerSeconds
        let core = SignallingCore(registrar: registrar, logger: logger)
        endpoint.delegate = core
        core.metrics = metrics
        core.abuse = AbuseGuard(limits: config.limits, trunkHosts: Set(config.trunks.map(\.host)))
        endpoint.gate = { [unowned core] request, peer in core.gate(request, from: peer) }
        self.endpoint = endpoint
        self.core = core
        if let dtlsContext {
            let host = config.mediaHost
            let settings = CallSettings(rtpTimeout: config.media.rtpTimeoutSeconds > 0 ? .seconds(config.media.rtpTimeoutSeconds) : nil,
                                        consentTimeoutSeconds: UInt64(config.media.consentTimeoutSeconds))
            let services = CallServices(
                endpoint: endpoint, registrar: core.registrar, dialplans: dialplans, dtls: dtlsContext,
                ports: mediaPorts, mediaLoops: group,
                advertise: config.media.candidateAddresses(fallback: host),
                bindHost: config.mediaBindHost, trunks: config.trunks,
                cdr: config.cdrPath.map(CDRWriter.init(path:)), logger: logger, settings: settings, metrics: metrics, load: load,
                users: Dictionary(config.users.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }))
            core.calls = CallController(services: services, soundsDirectory: config.soundsDirectory)
            core.calls?.admission.limits = config.limits
            core.calls?.admission.users = services.users
        }
        let listen = config.listen
        var tls: (@Sendable (Channel) throws -> Void)?
        if let context = tlsContext {
            tls = { channel in try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
        }
        let routes: HTTPHandler.Routes = { [weak self] request, loop in self?.answer(request, on: loop) }
        var webPhone: WebPhoneFiles?
        if config.webPhone.enabled {
            do {
                webPhone = try WebPhoneFiles(directory: config.webPhone.directory, prefix: config.webPhone.path)
                logger.info("web phone", metadata: ["path": "\(config.webPhone.path)", "files": "\(config.webPhone.directory)"])
            } catch {
                logger.warning("web phone not served: cannot read \(config.webPhone.directory): \(error)")
            }
        }
        let phoneFiles = webPhone
        if config.admin.token != nil {
            adminPage = try? WebPhoneFiles(directory: config.webPhone.directory + "/admin", prefix: "/admin")
        }
        apiDescription = FileManager.default.contents(atPath: config.webPhone.directory + "/openapi.json").map(Array.init)
        let origins = Set(config.allowedOrigins.map { $0.lowercased() })
        endpoint.allowedOrigins = origins
        do {
            if let a = listen.sipUDP { announce("sip-udp", try await endpoint.bindUDP(host: a.host, port: a.port)) }
            if let a = listen.sipTCP { announce("sip-tcp", try await endpoint.bindStream(.tcp, host: a.host, port: a.port)) }
            if let a = listen.sipTLS, let tls { announce("sip-tls", try await endpoint.bindStream(.tls, host: a.host, port: a.port, tls: tls)) }
            if let a = listen.http {
                announce("http+ws", try await endpoint.bindWebSocket(.ws, host: a.host, port: a.port) { HTTPHandler(routes: routes, webPhone: phoneFiles, allowedOrigins: origins) })
            }
            if let a = listen.https, let tls {
                announce("https+wss", try await endpoint.bindWebSocket(.wss, host: a.host, port: a.port, tls: tls) {
                    HTTPHandler(routes: routes, webPhone: phoneFiles, allowedOrigins: origins, secure: true)
                })
            }
        } catch {
            await stop()
            throw error
        }
        if let stun = config.media.stunServer { await checkPublicAddress(stun) }
        for trunk in config.trunks where trunk.register {
            await registerTrunk(trunk, endpoint: endpoint)
        }
        load.start(on: endpoint.loop)
        let probe = TrunkProbe(endpoint: endpoint, trunks: config.trunks, realm: config.realm)
        probe.start()
        trunkProbe = probe
        started = true
    }

    /// Listeners bound and the start finished: what readiness asks first.
    var isListening: Bool { started && !stopped && !bound.isEmpty }

    /// Logs the address the STUN server sees our media from, and warns when that is not the
    /// configured `media.public_address`: browsers and phones would be sent somewhere else.
    private func checkPublicAddress(_ server: String) async {
        guard let address = ListenAddress(parsing: server),
              let remote = try? SocketAddress.makeAddressResolvingHost(address.host.unbracketed, port: address.port) else {
            return logger.warning("media.stun_server does not resolve", metadata: ["server": "\(server)"])
        }
        guard let mapped = await PublicAddressCheck.mappedAddress(asking: remote, from: config.mediaBindHost, on: group.next()) else {
            return logger.warning("STUN server did not answer: the public address is unchecked", metadata: ["server": "\(server)"])
        }
        stunMappedAddress = mapped.host
        logger.notice("public address seen by STUN", metadata: ["address": "\(mapped.host)", "server": "\(server)"])
        if let configured = config.media.publicAddress, configured != mapped.host {
            logger.warning("media.public_address is not the address the STUN server sees: browsers and phones are told the wrong one",
                           metadata: ["configured": "\(configured)", "seen": "\(mapped.host)"])
        } else if config.media.publicAddress == nil, !config.media.candidateAddresses(fallback: config.mediaHost).contains(mapped.host) {
            logger.warning("behind NAT: the STUN server sees another address than we advertise; set media.public_address",
                           metadata: ["seen": "\(mapped.host)"])
        }
    }

    /// Keeps Tandem registered with a trunk that asks for it (`register: true`), so the PBX or carrier
    /// sends its calls here; an unreachable trunk is logged and left unregistered.
    private func registerTrunk(_ trunk: GatewayConfig.Trunk, endpoint: SIPEndpoint) async {
        guard let username = trunk.username, let password = trunk.password else {
            return logger.warning("trunk asks to register without username and password", metadata: ["trunk": "\(trunk.name)"])
        }
        do {
            let peer = try await endpoint.peer(host: trunk.host, port: trunk.port ?? 5060, transport: SIPTransportKind(trunk.transport))
            let client = RegistrationClient(name: trunk.name, settings: .init(user: username, domain: trunk.host, username: username,
                                                                              password: password),
                                            endpoint: endpoint, peer: peer, logger: logger)
            registrations.append(client)
            client.start()
        } catch {
            logger.warning("trunk registration: \(error)", metadata: ["trunk": "\(trunk.name)"])
        }
    }

    /// Each registering trunk's state, by trunk name, read on the SIP loop.
    public func trunkRegistrations() async -> [String: RegistrationClient.State] {
        guard let endpoint else { return [:] }
        let clients = registrations
        return (try? await endpoint.loop.submit {
            Dictionary(clients.map { ($0.name, $0.state) }, uniquingKeysWith: { a, _ in a })
        }.get()) ?? [:]
    }

    /// A user's current registrations, read on the SIP loop.
    public func bindings(of user: String) async throws -> [Binding] {
        guard let endpoint, let core else { return [] }
        let coreT = LoopTransfer(core)
        return try await endpoint.loop.submit { LoopTransfer(coreT.value.registrar.lookup(user)) }.get().value
    }

    private func announce(_ name: String, _ address: SocketAddress) {
        bound[name] = address
        let host = address.ipAddress ?? "?"
        logger.info("listening", metadata: ["listener": "\(name)", "address": "\(host.contains(":") ? "[\(host)]" : host):\(address.port ?? 0)"])
    }

    /// Ends every call, closes the listeners and stops the event loops; a second call does nothing
    /// (work submitted to a stopped loop would never complete).
    public func stop() async {
        guard !stopped else { return }
        stopped = true
        load.stop()
        trunkProbe?.stop()
        drainTask?.cancel()
        watcher?.stop()
        for client in registrations { await client.stop() }
        await core?.calls?.shutdown()
        await endpoint?.close()
        bound.removeAll()
        try? await group.shutdownGracefully()
    }
}
