import ArgumentParser
import Foundation
import Gateway
import Logging

@main
struct Tandem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tandem: a WebRTC-to-SIP gateway.",
        subcommands: [Run.self, Certs.self, DialplanCommand.self, Version.self])
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
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: cfg.logLevel) ?? .info
            return handler
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
        await waitForTermination()
        logger.notice("stopping")
        await server.stop()
    }
}

/// Suspends until SIGINT or SIGTERM.
func waitForTermination() async {
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
        let once = Once()
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .main)
            source.setEventHandler { if once.fire() { done.resume() } }
            source.resume()
            Signals.keep.append(source)
        }
    }
}

final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false
    func fire() -> Bool {
        lock.lock(); defer { lock.unlock() }
        if fired { return false }
        fired = true
        return true
    }
}

enum Signals {
    nonisolated(unsafe) static var keep: [DispatchSourceSignal] = []
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

