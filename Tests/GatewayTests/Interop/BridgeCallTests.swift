import Foundation
import Gateway
import MediaTransport
import Testing
import TestSupport

/// Browser ⇄ phone calls end to end through the B2BUA, every peer real: aiortc as a JsSIP-style
/// browser user (SIP over WebSocket, digest, WebRTC with Opus) and baresip as the SIP phone behind a
/// trunk (plain RTP, PCMU, auto-answer, a 440 Hz tone, its received audio recorded). Each side's tone
/// must reach the other (FFT), hang-ups cross to the other leg, and each call writes its CDR line.
@Suite(.serialized) struct BridgeCallTests {
    static let plan = #"""
    <dialplan>
      <context name="from-browser">
        <route name="to-phone">
          <match field="destination" pattern="^(2\d{3})$"/>
          <bridge timeout="10s"><target trunk="phone" user="phone"/></bridge>
        </route>
        <route name="to-user">
          <match field="destination" pattern="^([a-z]+)$"/>
          <bridge timeout="10s"><target user="$1"/></bridge>
        </route>
      </context>
      <context name="from-trunk">
        <route name="to-user">
          <match field="destination" pattern="^([a-z]+)$"/>
          <bridge timeout="10s"><target user="$1"/></bridge>
        </route>
      </context>
    </dialplan>
    """#

    /// baresip with its tone, and a gateway whose trunk "phone" is that baresip.
    func withPhone(codec: String = "PCMU", _ body: (TestGateway, PeerProcess) async throws -> Void) async throws {
        let work = NSTemporaryDirectory() + "baresip-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: work) }
        let (phone, trunk) = try await Self.phoneTrunk(work: work, codec: codec)
        defer { phone.stop() }
        let gateway = TestGateway(dialplans: try TestGateway.dialplan(Self.plan), trunks: [trunk])
        try await gateway.start()
        try await gateway.run { try await body($0, phone) }
    }

    /// baresip auto-answering with a 440 Hz tone and recording what it hears, once it is up: the
    /// process (the caller stops it) and trunk "phone" pointing at it.
    static func phoneTrunk(work: String, codec: String = "PCMU") async throws -> (PeerProcess, GatewayConfig.Trunk) {
        let phone = try PeerProcess(pythonBinary, [repositoryRoot + "/Tests/Interop/baresip_phone.py", work, "440", codec])
        let ready = await offPool { LoopTransferJSON(phone.readJSON(timeout: 20)) }.value
        guard let sipPort = ready?["sip"] as? Int else {
            phone.stop()
            throw PhoneDidNotStart(detail: "baresip: \(ready ?? [:]) \(phone.stderr)")
        }
        var trunk = GatewayConfig.Trunk(name: "phone", address: "127.0.0.1:\(sipPort)")
        trunk.codecs = [codec]
        return (phone, trunk)
    }

    struct PhoneDidNotStart: Error, CustomStringConvertible {
        let detail: String
        var description: String { detail }
    }

    /// The RFC 4733 digits the phone reports until its call closes (15 s at most), and whether it closed.
    static func digitsUntilClosed(_ phone: PeerProcess) async -> (digits: String, closed: Bool) {
        let digits = Digits()
        let closed = await offPool { () -> LoopTransferJSON in
            LoopTransferJSON(phone.readJSON(timeout: 15) { event in
                if event["event"] as? String == "CALL_DTMF_START", let digit = event["param"] as? String { digits.text += digit }
                return event["event"] as? String == "CALL_CLOSED"
            })
        }.value
        return (digits.text, closed != nil)
    }

    /// The phone's next event of `name`, skipping others.
    static func event(_ phone: PeerProcess, _ name: String, timeout: TimeInterval = 15) async -> [String: Any]? {
        await offPool { LoopTransferJSON(phone.readJSON(timeout: timeout) { $0["event"] as? String == name }) }.value
    }

    static func analysis(_ phone: PeerProcess) async throws -> [String: Any] {
        try phone.writeJSON(["cmd": "analyse"])
        return await offPool { LoopTransferJSON(phone.readJSON(timeout: 10) { $0["type"] as? String == "analysis" }) }.value ?? [:]
    }

    /// Also: RFC 4733 digits from the browser (telephone-event/48000 beside Opus) reach the phone
    /// (telephone-event/8000 beside PCMU) in order.
    @Test func browserCallsPhoneAndHangsUp() async throws {
        try await withPhone { gateway, phone in
            let caller = try PeerProcess(pythonBinary, [repositoryRoot + "/Tests/Interop/webrtc_sip_caller.py", gateway.webSocketURL,
                                                        "tandem", "alice", "wonderland", "2001", "3", "1000", "hangup", "123#"])
            defer { caller.stop() }
            let result = await offPool { LoopTransferJSON(caller.readJSON(timeout: 40)) }.value ?? ["error": caller.stderr.suffix(2000)]
            #expect(result["status"] as? Int == 200, "\(result)")
            #expect(abs((result["frequency"] as? Double ?? 0) - 440) < 15, "browser heard \(result)")
            #expect(result["bye"] as? Int == 200, "\(result)")
            let (digits, closed) = await Self.digitsUntilClosed(phone)
            #expect(digits == "123#", "RFC 4733 from the browser reached the phone in order")
            #expect(closed, "the caller's BYE reached the phone")
            let heard = try await Self.analysis(phone)
            #expect(abs((heard["frequency"] as? Double ?? 0) - 1000) < 15, "phone heard \(heard)")
            await gateway.stop()
            let records = gateway.records()
            #expect(records.count == 1, "\(records)")
            #expect(records.first?["status"] as? Int == 200 && records.first?["hangupSide"] as? String == "caller", "\(records)")
        }
    }

    /// Registers alice as an aiortc callee in `mode` for `seconds`, then has the phone call her.
    static func phoneCallsAlice(_ gateway: TestGateway, _ phone: PeerProcess, seconds: String, mode: String) async throws -> PeerProcess {
        let callee = try browser("webrtc_sip_callee.py", [gateway.webSocketURL, "tandem", "alice", "wonderland", seconds, "1000", mode])
        #expect(await line(callee, "registered")["status"] as? Int == 200)
        try phone.writeJSON(["cmd": "dial", "uri": "sip:alice@127.0.0.1:\(gateway.sipPort)"])
        return callee
    }

    /// A JsSIP-style caller or callee on aiortc.
    static func browser(_ script: String, _ arguments: [String]) throws -> PeerProcess {
        try PeerProcess(pythonBinary, [repositoryRoot + "/Tests/Interop/" + script] + arguments)
    }

    static func line(_ peer: PeerProcess, _ type: String, timeout: TimeInterval = 40) async -> [String: Any] {
        await offPool { LoopTransferJSON(peer.readJSON(timeout: timeout) { $0["type"] as? String == type }) }.value
            ?? ["error": peer.stderr.suffix(2000)]
    }

    /// Opus ⇄ G.722 (wideband both sides, 16 kHz inside the bridge) with baresip's G.722.
    @Test func browserCallsAG722Phone() async throws {
        try await withPhone(codec: "G722") { gateway, phone in
            let caller = try Self.browser("webrtc_sip_caller.py", [gateway.webSocketURL, "tandem", "alice", "wonderland", "2001", "2", "1000"])
            defer { caller.stop() }
            let result = await Self.line(caller, "result")
            #expect(result["status"] as? Int == 200 && result["bye"] as? Int == 200, "\(result)")
            #expect(abs((result["frequency"] as? Double ?? 0) - 440) < 15, "browser heard \(result)")
            #expect(await Self.event(phone, "CALL_CLOSED") != nil)
            let heard = try await Self.analysis(phone)
            #expect(abs((heard["frequency"] as? Double ?? 0) - 1000) < 15, "phone heard \(heard)")
            await gateway.stop()
            let legB = gateway.records().first?["legB"] as? [String: Any]
            #expect(legB?["codec"] as? String == "G722", "\(gateway.records())")
        }
    }

    @Test func phoneHangsUpAndTheBrowserGetsBYE() async throws {
        try await withPhone { gateway, phone in
            let caller = try Self.browser("webrtc_sip_caller.py", [gateway.webSocketURL, "tandem", "alice", "wonderland", "2001", "2",
                                                                   "1000", "wait"])
            defer { caller.stop() }
            #expect(await Self.line(caller, "recorded")["error"] == nil)
            try phone.writeJSON(["cmd": "hangup"])
            let result = await Self.line(caller, "result")
            #expect(abs((result["frequency"] as? Double ?? 0) - 440) < 15, "browser heard \(result)")
            #expect(result["hangup"] as? String == "remote", "\(result)")
            await gateway.stop()
            #expect(gateway.records().first?["hangupSide"] as? String == "callee", "\(gateway.records())")
        }
    }

    /// Also: the phone's RFC 4733 digits reach the browser as telephone-events on its payload type.
    @Test func phoneCallsARegisteredBrowserUser() async throws {
        try await withPhone { gateway, phone in
            let callee = try await Self.phoneCallsAlice(gateway, phone, seconds: "3", mode: "hangup")
            defer { callee.stop() }
            #expect(await Self.line(callee, "recording")["error"] == nil)
            try phone.writeJSON(["cmd": "dtmf", "digits": "45*"])
            let result = await Self.line(callee, "result")
            #expect(result["digits"] as? String == "45*", "the phone's digits reached the browser as telephone-events: \(result)")
            #expect(abs((result["frequency"] as? Double ?? 0) - 440) < 15, "browser heard \(result)")
            #expect(result["hangup"] as? String == "local" && result["bye"] as? Int == 200, "\(result)")
            #expect(await Self.event(phone, "CALL_CLOSED") != nil, "the browser's BYE reached the phone")
            let heard = try await Self.analysis(phone)
            #expect(abs((heard["frequency"] as? Double ?? 0) - 1000) < 15, "phone heard \(heard)")
            await gateway.stop()
            let record = gateway.records().first
            #expect(record?["context"] as? String == "from-trunk" && record?["hangupSide"] as? String == "callee", "\(gateway.records())")
        }
    }

    @Test func phoneHangsUpWhileTheBrowserRingsAndTheBrowserGetsCANCEL() async throws {
        try await withPhone { gateway, phone in
            let callee = try await Self.phoneCallsAlice(gateway, phone, seconds: "2", mode: "ring")
            defer { callee.stop() }
            #expect(await Self.line(callee, "ringing")["error"] == nil)
            try phone.writeJSON(["cmd": "hangup"])
            #expect(await Self.line(callee, "result")["cancelled"] as? Bool == true, "the phone's CANCEL reached the browser")
            #expect(await Self.event(phone, "CALL_CLOSED") != nil)
            await gateway.stop()
            #expect(gateway.records().first?["status"] as? Int == 487, "\(gateway.records())")
        }
    }

    @Test func phoneHangsUpOnTheBrowserItCalled() async throws {
        try await withPhone { gateway, phone in
            let callee = try await Self.phoneCallsAlice(gateway, phone, seconds: "2", mode: "wait")
            defer { callee.stop() }
            #expect(await Self.event(phone, "CALL_ESTABLISHED") != nil)
            #expect(await Self.line(callee, "recording")["error"] == nil)
            try phone.writeJSON(["cmd": "hangup"])
            #expect(await Self.line(callee, "result")["hangup"] as? String == "remote", "the phone's BYE reached the browser")
        }
    }

    @Test func browserCallsBrowser() async throws {
        // The plan names trunk "phone"; this call never uses it.
        let gateway = TestGateway(dialplans: try TestGateway.dialplan(Self.plan),
                                  trunks: [GatewayConfig.Trunk(name: "phone", address: "127.0.0.1:9")])
        try await gateway.start()
        let callee = try Self.browser("webrtc_sip_callee.py", [gateway.webSocketURL, "tandem", "bob", "b", "3", "440", "wait"])
        defer { callee.stop() }
        #expect(await Self.line(callee, "registered")["status"] as? Int == 200)
        let caller = try Self.browser("webrtc_sip_caller.py", [gateway.webSocketURL, "tandem", "alice", "wonderland", "bob", "3", "1000"])
        defer { caller.stop() }
        let called = await Self.line(caller, "result")
        let answered = await Self.line(callee, "result")
        await gateway.stop()
        #expect(called["status"] as? Int == 200 && called["bye"] as? Int == 200, "\(called)")
        #expect(abs((called["frequency"] as? Double ?? 0) - 440) < 15, "alice heard \(called)")
        #expect(abs((answered["frequency"] as? Double ?? 0) - 1000) < 15, "bob heard \(answered)")
        #expect(answered["hangup"] as? String == "remote", "\(answered)")
    }
}

/// Digits collected by the thread reading a peer's events.
final class Digits: @unchecked Sendable {
    var text = ""
}
