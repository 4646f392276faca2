import Foundation
import Gateway
import Logging
import Synchronization
import Testing
import TestSupport

/// `media.stun_server` at start, against a real STUN server (coturn on loopback): the address it
/// sees is logged, a configured `media.public_address` that differs is warned about, and a server
/// that does not answer costs a bounded wait and a warning, never the start.
@Suite(.serialized) struct PublicAddressTests {
    /// What the gateway logged, kept for the test to read.
    final class Captured: Sendable {
        let lines = Mutex<[String]>([])
        var text: String { lines.withLock { $0.joined(separator: "\n") } }
    }

    struct Capture: LogHandler {
        let captured: Captured
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            let fields = (metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            captured.lines.withLock { $0.append("\(level) \(message) \(fields)") }
        }
    }

    func start(stun: String, publicAddress: String?) async throws -> (TestGateway, Captured) {
        let captured = Captured()
        let gateway = TestGateway(logger: Logger(label: "test") { _ in Capture(captured: captured) }) { config in
            config.media.stunServer = stun
            config.media.publicAddress = publicAddress
        }
        try await gateway.start()
        return (gateway, captured)
    }

    @Test func theAddressSeenIsLoggedAndAWrongPublicAddressIsWarnedAbout() async throws {
        let port = freePort(udp: true)
        let coturn = try ChildProcess("/usr/bin/turnserver", [
            "--listening-ip=127.0.0.1", "--listening-port=\(port)", "--stun-only", "--no-tls", "--no-dtls", "--no-cli",
            "--pidfile=\(NSTemporaryDirectory())stun-\(port).pid", "--log-file=stdout", "--simple-log"])
        defer { coturn.stop() }
        // coturn is up once it answers: the gateway's check makes three tries, so give it its socket first.
        #expect(await offPool { waitForUDPListener(port: port, timeout: 10) }, "coturn: \(coturn.text.suffix(1000))")
        let (gateway, log) = try await start(stun: "127.0.0.1:\(port)", publicAddress: "203.0.113.7")
        #expect(gateway.server.stunMappedAddress == "127.0.0.1", "\(log.text)")
        #expect(log.text.contains("public address seen by STUN address=127.0.0.1"), "\(log.text)")
        #expect(log.text.contains("warning media.public_address is not the address the STUN server sees")
                && log.text.contains("configured=203.0.113.7 seen=127.0.0.1"),
                "\(log.text)")
        await gateway.stop()
    }

    @Test func aSilentServerIsAWarningNotAFailedStart() async throws {
        let (gateway, log) = try await start(stun: "127.0.0.1:\(freePort(udp: true))", publicAddress: nil)
        #expect(gateway.server.stunMappedAddress == nil)
        #expect(log.text.contains("warning STUN server did not answer"), "\(log.text)")
        #expect(gateway.server.boundAddresses["sip-udp"] != nil, "the node started anyway")
        await gateway.stop()
    }
}

/// Whether something listens on UDP `port` on loopback (a socket bound there), within `timeout`.
func waitForUDPListener(port: Int, timeout: TimeInterval) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if let table = try? String(contentsOfFile: "/proc/net/udp", encoding: .utf8),
           table.contains(String(format: "0100007F:%04X", port)) { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return false
}
