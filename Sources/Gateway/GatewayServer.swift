import Dialplan
import Foundation
import Logging
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
    private var channels: [(name: String, channel: Channel)] = []
    public private(set) var dtlsContext: DTLSContext?
    /// The routing plan; calls take a snapshot when they start, reloads swap it atomically.
    public let dialplans: DialplanStore
    private var watcher: DialplanWatcher?

    public init(config: GatewayConfig, logger: Logger, threads: Int = System.coreCount) {
        self.config = config
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        dialplans = DialplanStore(directory: config.dialplanDirectory, environment: DialplanEnvironment(
            trunks: Set(config.trunks.map(\.name)), users: Set(config.users.map(\.name))))
    }

    /// A dialplan folder that does not check clean at start: Tandem refuses to start on it.
    public struct DialplanRefused: Error, CustomStringConvertible {
        public let diagnostics: [String]
        public var description: String { diagnostics.joined(separator: "\n") }
    }

    /// Where each listener ended up (a configured port 0 gets a free one from the kernel).
    public var boundAddresses: [String: SocketAddress] {
        Dictionary(channels.compactMap { entry in entry.channel.localAddress.map { (entry.name, $0) } }, uniquingKeysWith: { a, _ in a })
    }

    public func start() async throws {
        switch dialplans.reload() {
        case .loaded(let plan, _, let warnings):
            for w in warnings { logger.warning("dialplan: \(w)") }
            logger.info("dialplan loaded", metadata: ["files": "\(plan.files.count)", "contexts": "\(plan.contexts.count)"])
        case .refused(let errors):
            throw DialplanRefused(diagnostics: errors.map(\.description))
        }
        let log = logger
        let watcher = DialplanWatcher(store: dialplans) { outcome in
            switch outcome {
            case .loaded(_, let generation, let warnings):
                for w in warnings { log.warning("dialplan: \(w)") }
                log.notice("dialplan reloaded", metadata: ["generation": "\(generation)"])
            case .refused(let errors):
                for e in errors { log.error("dialplan refused, the previous plan keeps serving: \(e)") }
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
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(tls.certificatePEM.utf8), format: .pem))],
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(tls.privateKeyPEM.utf8), format: .pem)))
            tlsContext = try NIOSSLContext(configuration: configuration)
        }

        let onMessage: @Sendable (InboundSIPBytes, Channel) -> Void = { message, _ in
            // Call handling arrives with the SIP stack; until then every message is only logged.
            log.debug("SIP bytes received", metadata: [
                "transport": "\(message.transport.rawValue)", "from": "\(message.remote)",
                "bytes": "\(message.bytes.readableBytes)"])
        }
        let listen = config.listen
        do {
            if let a = listen.sipUDP {
                try await add("sip-udp", SIPListeners.bindUDP(host: a.host, port: a.port, group: group, onMessage: onMessage))
            }
            if let a = listen.sipTCP {
                try await add("sip-tcp", SIPListeners.bindStream(transport: .tcp, host: a.host, port: a.port, group: group, onMessage: onMessage))
            }
            if let a = listen.sipTLS, let tlsContext {
                try await add("sip-tls", SIPListeners.bindStream(
                    transport: .tls, host: a.host, port: a.port, group: group,
                    tls: { try $0.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tlsContext)) },
                    onMessage: onMessage))
            }
            let status: @Sendable () -> String = { #"{"status":"ok"}"# + "\n" }
            if let a = listen.http {
                try await add("http+ws", WebListener.bind(address: a, tls: nil, group: group, status: status, onMessage: onMessage))
            }
            if let a = listen.https, let tlsContext {
                try await add("https+wss", WebListener.bind(address: a, tls: tlsContext, group: group, status: status, onMessage: onMessage))
            }
        } catch {
            await stop()
            throw error
        }
    }

    private func add(_ name: String, _ channel: Channel) {
        channels.append((name, channel))
        let address = channel.localAddress.map { a in
            let host = a.ipAddress ?? "?"
            return host.contains(":") ? "[\(host)]:\(a.port ?? 0)" : "\(host):\(a.port ?? 0)"
        } ?? "?"
        logger.info("listening", metadata: ["listener": "\(name)", "address": "\(address)"])
    }

    public func stop() async {
        watcher?.stop()
        for (_, channel) in channels { try? await channel.close() }
        channels.removeAll()
        try? await group.shutdownGracefully()
    }
}
