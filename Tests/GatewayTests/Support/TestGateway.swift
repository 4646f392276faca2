import Foundation
import Gateway
import Logging
import TestSupport

/// A gateway for end-to-end tests: loopback listeners on ports the kernel picks (UDP SIP and HTTP/WS),
/// fresh certificates in a temporary folder, the given users, trunks and dialplan folder, and a CDR
/// file beside the certificates, all removed when the gateway goes away.
final class TestGateway: @unchecked Sendable {
    let server: GatewayServer
    let directory: String
    var cdrPath: String { directory + "/cdr.jsonl" }

    init(dialplans: String = repositoryRoot + "/dialplans", trunks: [GatewayConfig.Trunk] = [],
         users: [GatewayConfig.User] = [GatewayConfig.User(name: "alice", password: "wonderland"), GatewayConfig.User(name: "bob", password: "b")],
         logger: Logger = Logger(label: "test"), configure: (inout GatewayConfig) -> Void = { _ in }) {
        var config = GatewayConfig()
        let any = ListenAddress(host: "127.0.0.1", port: 0)
        config.listen.sipUDP = any
        config.listen.sipTCP = nil
        config.listen.sipTLS = nil
        config.listen.https = nil
        config.listen.http = any
        config.users = users
        config.trunks = trunks
        config.dialplanDirectory = dialplans
        directory = NSTemporaryDirectory() + "tandem-test-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        config.certificateDirectory = directory
        config.cdrPath = directory + "/cdr.jsonl"
        config.webPhone.directory = repositoryRoot + "/web"
        configure(&config)
        server = GatewayServer(config: config, logger: logger, threads: 2)
    }

    func start() async throws { try await server.start() }

    var webSocketURL: String { "ws://127.0.0.1:\(server.boundAddresses["http+ws"]?.port ?? 0)/ws" }
    var sipPort: Int { server.boundAddresses["sip-udp"]?.port ?? 0 }

    func stop() async { await server.stop() }

    /// Runs `body` on the started gateway, then stops it, whether `body` throws or not.
    func run(_ body: (TestGateway) async throws -> Void) async throws {
        do {
            try await body(self)
        } catch {
            await stop()
            throw error
        }
        await stop()
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// The call records written so far, one object per line.
    func records() -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: cdrPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Writes a one-file dialplan folder for a test and returns its path.
    static func dialplan(_ xml: String) throws -> String {
        let dir = NSTemporaryDirectory() + "tandem-plan-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try xml.write(toFile: dir + "/plan.xml", atomically: true, encoding: .utf8)
        return dir
    }
}
