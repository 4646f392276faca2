import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Gateway
import Logging

@main
struct Tandem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tandem: a WebRTC-to-SIP gateway.",
        subcommands: [Run.self, Drain.self, Certs.self, DialplanCommand.self, Version.self])
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
        let server = GatewayServer(config: cfg, logger: logger)
        do {
            try await server.start()
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
        logger.notice("ready")
        await waitForTermination(of: server)
        logger.notice("stopping")
        await server.stop()
    }
}

/// Suspends until the node has drained: the first SIGTERM or SIGINT (or `POST /admin/drain`) starts
/// a drain, and its end or a second signal returns.
func waitForTermination(of server: GatewayServer) async {
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
        let resumed = Counter()
        server.onDrained = { if resumed.next() == 1 { done.resume() } }
        let signals = Counter()
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .main)
            source.setEventHandler {
                if signals.next() == 1 {
                    server.startDrain()
                } else if resumed.next() == 1 {
                    server.logger.notice("second signal: ending every call now")
                    done.resume()
                }
            }
            source.resume()
            Signals.keep.append(source)
        }
    }
}

/// Counts events from any thread: the first signal drains, the second ends at once, and the
/// continuation is resumed only once.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func next() -> Int {
        lock.lock(); defer { lock.unlock() }
        count += 1
        return count
    }
}

enum Signals {
    nonisolated(unsafe) static var keep: [DispatchSourceSignal] = []
}

/// Asks a running node to drain, over its HTTP listener's admin API (the config's `admin.token`).
struct Drain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drain a running Tandem: refuse new calls, let calls in progress finish, then exit.")

    @Option(name: .long, help: "The config file of the running node.")
    var config = "tandem.yaml"

    func run() async throws {
        let cfg = try ConfigLoader.load(file: config)
        guard let token = cfg.admin.token else {
            FileHandle.standardError.write(Data("tandem: drain needs admin.token in \(config)\n".utf8))
            throw ExitCode(2)
        }
        guard let http = cfg.listen.http else {
            FileHandle.standardError.write(Data("tandem: drain needs the http listener in \(config)\n".utf8))
            throw ExitCode(2)
        }
        let host = http.host == "0.0.0.0" ? "127.0.0.1" : http.host == "::" ? "::1" : http.host
        let address = ListenAddress(host: host, port: http.port)
        guard let url = URL(string: "http://\(address)/admin/drain") else { throw ExitCode(2) }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (body, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        print(String(decoding: body, as: UTF8.self), terminator: "")
        if status != 202 { throw ExitCode(1) }
    }
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

