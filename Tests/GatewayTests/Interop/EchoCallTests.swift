import Foundation
import Gateway
import MediaTransport
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
    /// Runs a gateway with the shipped dialplan and one call from alice to `destination`; the
    /// caller's result, and the gateway's call records when `records` is given.
    func call(_ destination: String, sending tone: Int, records: ((([[String: Any]]) -> Void))? = nil) async throws -> [String: Any] {
        let gateway = TestGateway()
        try await gateway.start()
        let caller = try PeerProcess(pythonBinary, [repositoryRoot + "/Tests/Interop/webrtc_sip_caller.py", gateway.webSocketURL,
                                                    "tandem", "alice", "wonderland", destination, "2", String(tone)])
        let reply = await offPool { LoopTransferJSON(caller.readJSON(timeout: 40)) }.value
        let result = reply ?? ["error": caller.stderr.suffix(2000)]
        caller.stop()
        await gateway.stop()
        records?(gateway.records())
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
        var records: [[String: Any]] = []
        let result = try await call("12345", sending: 1000) { records = $0 }
        #expect(result["status"] as? Int == 404, "\(result)")
        // Turned away, and on the books: who, whom, where the plan stopped.
        #expect(records.count == 1, "\(records)")
        let record = records.first ?? [:]
        #expect(record["status"] as? Int == 404 && record["caller"] as? String == "alice" && record["destination"] as? String == "12345"
                && record["context"] as? String == "from-browser" && record["route"] as? String == "no-route" && record["answer"] == nil && record["hangupSide"] as? String == "gateway",
                "\(record)")
    }

    /// `<playback>` plays a WAV from the sounds folder: a 600 Hz announcement reaches the caller.
    @Test func playbackPlaysAWAVFromTheSoundsFolder() async throws {
        let sounds = NSTemporaryDirectory() + "tandem-sounds-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: sounds, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: sounds) }
        let samples = (0..<8000 * 10).map { Int16(0.3 * 32767 * sin(2 * Double.pi * 600 * Double($0) / 8000)) }
        var wav = Data("RIFF".utf8)
        func le<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { wav.append(contentsOf: $0) } }
        le(UInt32(36 + samples.count * 2)); wav.append(contentsOf: Array("WAVEfmt ".utf8))
        le(UInt32(16)); le(UInt16(1)); le(UInt16(1)); le(UInt32(8000)); le(UInt32(16000)); le(UInt16(2)); le(UInt16(16))
        wav.append(contentsOf: Array("data".utf8)); le(UInt32(samples.count * 2))
        for s in samples { le(s) }
        try wav.write(to: URL(fileURLWithPath: sounds + "/welcome.wav"))
        let plan = try TestGateway.dialplan("""
            <dialplan><context name="from-browser">
              <route name="welcome"><match field="destination" pattern="^9198$"/><answer/><playback file="welcome.wav"/></route>
            </context><context name="from-trunk"><route name="none"><reject code="404"/></route></context></dialplan>
            """)
        let gateway = TestGateway(dialplans: plan) { $0.soundsDirectory = sounds }
        try await gateway.start()
        let caller = try PeerProcess(pythonBinary, [repositoryRoot + "/Tests/Interop/webrtc_sip_caller.py", gateway.webSocketURL,
                                                    "tandem", "alice", "wonderland", "9198", "2", "1000"])
        defer { caller.stop() }
        let result = await offPool { LoopTransferJSON(caller.readJSON(timeout: 40)) }.value ?? ["error": caller.stderr.suffix(2000)]
        await gateway.stop()
        #expect(result["status"] as? Int == 200, "\(result)")
        #expect(abs((result["frequency"] as? Double ?? 0) - 600) < 15, "the announcement: \(result)")
    }
}

