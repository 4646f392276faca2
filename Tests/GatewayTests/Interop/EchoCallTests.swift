import Foundation
import Gateway
import Logging
import Testing
import TestSupport

/// A JSON object carried across threads (it is only read afterwards).
struct LoopTransferJSON: @unchecked Sendable {
    let value: [String: Any]?
    init(_ value: [String: Any]?) { self.value = value }
}

/// The default install's echo test end to end: a JsSIP-style caller (SIP over WebSocket, aiortc for
/// WebRTC) dials 9196 on a running gateway with the shipped dialplan, answers the digest challenge,
/// and hears its own 1 kHz tone back through the full codec path; BYE ends the call.
@Suite(.serialized) struct EchoCallTests {
    /// Runs a gateway with the shipped dialplan and one call from alice to `destination`.
    func call(_ destination: String, sending tone: Int) async throws -> [String: Any] {
        var config = GatewayConfig()
        let any = ListenAddress(host: "127.0.0.1", port: 0)
        config.listen.sipUDP = any
        config.listen.sipTCP = nil
        config.listen.sipTLS = nil
        config.listen.https = nil
        config.listen.http = any
        config.users = [GatewayConfig.User(name: "alice", password: "wonderland"), GatewayConfig.User(name: "bob", password: "b")]
        config.dialplanDirectory = repositoryRoot + "/dialplans"
        let dir = NSTemporaryDirectory() + "tandem-echo-\(UUID().uuidString)"
        config.certificateDirectory = dir
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = GatewayServer(config: config, logger: Logger(label: "test"), threads: 2)
        try await server.start()
        let port = try #require(server.boundAddresses["http+ws"]?.port)
        let caller = try PeerProcess(pythonBinary, [repositoryRoot + "/Tests/Interop/webrtc_sip_caller.py",
                                                    "ws://127.0.0.1:\(port)/ws", "tandem", "alice", "wonderland", destination, "2",
                                                    String(tone)])
        let reply = await offPool { LoopTransferJSON(caller.readJSON(timeout: 40)) }.value
        let result = reply ?? ["error": caller.stderr.suffix(2000)]
        caller.stop()
        await server.stop()
        return result
    }

    @Test func browserCallsTheEchoTestAndHearsItself() async throws {
        let result = try await call("9196", sending: 1000)
        #expect(result["status"] as? Int == 200, "\(result)")
        #expect(abs((result["frequency"] as? Double ?? 0) - 1000) < 15, "\(result)")
        // Its own tone back through Opus decode and encode: aiortc's -16.5 dBFS, within 2 dB.
        #expect(abs((result["dbfs"] as? Double ?? -200) - -16.5) < 2, "\(result)")
        #expect(result["bye"] as? Int == 200, "\(result)")
    }

    @Test func browserCallsTheToneTestAndHearsTheTone() async throws {
        let result = try await call("9197", sending: 440)
        #expect(result["status"] as? Int == 200, "\(result)")
        #expect(abs((result["frequency"] as? Double ?? 0) - 1000) < 15, "the dialplan's 1 kHz, not our 440 Hz: \(result)")
        #expect(result["bye"] as? Int == 200, "\(result)")
    }

    @Test func unknownDestinationIsRejectedByTheDialplan() async throws {
        let result = try await call("12345", sending: 1000)
        #expect(result["status"] as? Int == 404, "\(result)")
    }
}
