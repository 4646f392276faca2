import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Dialplan
import Gateway
import Logging
import SIPStack

@main
struct Tandem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tandem: a WebRTC-to-SIP gateway.",
        subcommands: [Run.self, Drain.self, Reload.self, Token.self, Certs.self, DialplanCommand.self, Version.self])
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the gateway.")

    @Option(name: .long, help: "The config file.")
    var config = "tandem.yaml"

    func run() async throws {
        let cfg: GatewayConfig
        do {
            cfg = try ConfigLoader.load(file: config)
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("tandem: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let level = Logger.Level(rawValue: cfg.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            switch cfg.logFormat {
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        let logger = Logger(label: "tandem")
        logger.info("starting", metadata: ["version": "\(tandemVersion)", "config": "\(config)"])
        let signals = TerminationSignals()
        let server = GatewayServer(config: cfg, logger: logger)
        do {
            try await server.start()
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
        logger.notice("ready")
        await signals.wait(for: server)
        logger.notice("stopping")
        await server.stop()
    }
}

/// SIGTERM and SIGINT, watched from before the listeners open so that a signal sent the moment the
/// node says "ready" is never lost: the first starts a drain, and the drain's end (or a second
/// signal) ends `wait`.
final class TerminationSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var server: GatewayServer?
    private var done: CheckedContinuation<Void, Never>?
    private var finished = false
    private var sources: [DispatchSourceSignal] = []

    init() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [unowned self] in self.received() }
            source.resume()
            sources.append(source)
        }
    }

    /// Suspends until `server` has drained after a signal or `POST /admin/drain`.
    func wait(for server: GatewayServer) async {
        server.onDrained = { [self] in finish() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            let early = count
            self.server = server
            if finished {
                lock.unlock()
                continuation.resume()
                return
            }
            done = continuation
            lock.unlock()
            if early >= 1 { server.startDrain() }
            if early >= 2 { finish() }
        }
    }

    private func received() {
        lock.lock()
        count += 1
        let (n, server) = (count, self.server)
        lock.unlock()
        guard let server else { return }  // `wait` starts the drain it missed
        if n == 1 {
            server.startDrain()
        } else {
            server.logger.notice("second signal: ending every call now")
            finish()
        }
    }

    private func finish() {
        lock.lock()
        let continuation = done
        done = nil
        finished = true
        lock.unlock()
        continuation?.resume()
    }
}

/// Asks a running node to drain, over its HTTP listener's admin API (the config's `admin.token`).
struct Drain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drain a running Tandem: refuse new calls, let calls in progress finish, then exit.")

    @Option(name: .long, help: "The config file of the running node.")
    var config = "tandem.yaml"

    func run() async throws {
        try await postToAdmin(config: config, path: "/admin/drain", command: "drain", success: 202)
    }
}

/// Reloads a running node's dialplans, as SIGHUP does, and prints the outcome: exit 1 and every
/// error's file:line:column when the folder is refused (the previous plan keeps serving).
struct Reload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reload a running Tandem's dialplans; a broken folder is refused and the old plan keeps serving.")

    @Option(name: .long, help: "The config file of the running node.")
    var config = "tandem.yaml"

    func run() async throws {
        try await postToAdmin(config: config, path: "/admin/reload", command: "reload", success: 200)
    }
}

/// POSTs to a running node's admin API on its HTTP listener, prints the answer, and exits 1 unless
/// the status is `success`.
private func postToAdmin(config: String, path: String, command: String, success: Int) async throws {
    let cfg = try ConfigLoader.load(file: config)
    guard let token = cfg.admin.token else { throw usage("\(command) needs admin.token in \(config)") }
    guard let http = cfg.listen.http else { throw usage("\(command) needs the http listener in \(config)") }
    let host = http.host == "0.0.0.0" ? "127.0.0.1" : http.host == "::" ? "::1" : http.host
    let address = ListenAddress(host: host, port: http.port)
    guard let url = URL(string: "http://\(address)\(path)") else { throw ExitCode(2) }
    var request = URLRequest(url: url)
    request.httpMethod = "POST"
    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    let (body, response) = try await URLSession.shared.data(for: request)
    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
    print(String(decoding: body, as: UTF8.self), terminator: "")
    if status != success { throw ExitCode(1) }
}

/// Mints a bearer token for a configured user from the config's `token_secret`: what a web app's
/// backend hands a visitor to place HTTP calls, or to register over SIP with it as user and password.
struct Token: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a time-limited bearer token for a configured user (HTTP calls, SIP over WebSocket).")

    @Option(name: .long, help: "The config file.")
    var config = "tandem.yaml"

    @Option(name: .long, help: "The user the token is for (one of the config's users).")
    var user: String

    @Option(name: .long, help: "How long the token is good for, as dialplans write durations: 90s, 30m, 1h, 1h30m.")
    var ttl = "1h"

    func run() throws {
        let cfg = try ConfigLoader.load(file: config)
        guard let secret = cfg.tokenSecret else { throw usage("tokens need token_secret in \(config)") }
        guard cfg.users.contains(where: { $0.name == user }) else { throw usage("no user '\(user)' in \(config)") }
        guard let ttl = DurationText.parse(ttl), ttl.components.seconds > 0 else {
            throw usage("--ttl '\(self.ttl)' is not a duration such as 90s, 30m or 1h")
        }
        print(BearerToken(user: user, expiry: Int(Date().timeIntervalSince1970) + Int(ttl.components.seconds)).signed(secret: secret))
    }
}

/// Says what is wrong with how the command was asked for, and exits 2.
func usage(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("tandem: \(message)\n".utf8))
    return ExitCode(2)
}

struct Certs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage certificates.", subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the TLS (WSS, SIP-TLS) and DTLS certificates: ECDSA P-256, self-signed.")

        @Option(name: .long, help: "The certificates folder.")
        var dir = "certs"

        @Flag(name: .long, help: "Replace existing certificates.")
        var force = false

        func run() throws {
            let store = CertificateStore(directory: dir)
            for (name, make) in [("tls", store.tls), ("dtls", store.dtls)] {
                let (identity, created) = try make(force)
                let path = name == "tls" ? store.tlsCertificatePath : store.dtlsCertificatePath
                print("\(name): \(path) \(created ? "created" : "exists")")
                print("\(name): sha-256 \(identity.fingerprint)")
            }
        }
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")
    func run() { print("tandem \(tandemVersion)") }
}

