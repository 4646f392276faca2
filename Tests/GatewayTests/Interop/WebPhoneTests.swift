import Foundation
import Gateway
import MediaTransport
import Testing
import TestSupport

/// The built-in web phone in a real browser: headless Chromium (fake microphone playing a tone) loads
/// the page from Tandem, and selenium clicks its controls: registration, the echo test, a call to a
/// baresip phone with keypad digits, and two pages calling each other. What the page hears is measured
/// by its own Web Audio analyser, as soon as it is steady (bounded). The echo tests capture without the
/// browser's echo canceller, which rightly takes the page's own tone coming back for echo and
/// suppresses it. A screenshot of a call is left in .build/test-artifacts.
@Suite(.serialized) struct WebPhoneTests {
    /// A Chromium page on the gateway's web phone, its microphone playing `tone` Hz.
    static func page(_ gateway: TestGateway, tone: Int, denyMicrophone: Bool = false) throws -> PeerProcess {
        let work = NSTemporaryDirectory() + "chromium-\(UUID().uuidString)"
        return try PeerProcess(pythonBinary, [repositoryRoot + "/Tests/Interop/chromium_phone.py",
                                              "http://127.0.0.1:\(gateway.server.boundAddresses["http+ws"]?.port ?? 0)/", String(tone), work]
                                             + (denyMicrophone ? ["deny-microphone"] : []))
    }

    static func ask(_ page: PeerProcess, _ command: [String: Any], timeout: TimeInterval = 40) async throws -> [String: Any] {
        try page.writeJSON(command)
        return await offPool { LoopTransferJSON(page.readJSON(timeout: timeout) { $0["type"] as? String == "reply" }) }.value
            ?? ["error": page.stderr.suffix(2000)]
    }


    @Test func echoTestReturnsThePagesOwnTone() async throws {
        let gateway = TestGateway()
        try await gateway.start()
        let page = try await Self.registeredPage(gateway)
        defer { page.stop() }
        _ = try await Self.ask(page, ["cmd": "raw_microphone"])
        let dialled = try await Self.ask(page, ["cmd": "dial", "to": "9196"])
        #expect(dialled["state"] as? String == "active", "\(dialled)")
        let heard = try await Self.ask(page, ["cmd": "tone", "expect": 1000, "seconds": 8])
        #expect(abs((heard["frequency"] as? Double ?? 0) - 1000) < 15, "the page heard \(heard)")
        let artifacts = repositoryRoot + "/.build/test-artifacts"
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        #expect(try await Self.ask(page, ["cmd": "screenshot", "path": artifacts + "/web-phone-in-call.png"])["saved"] != nil)
        #expect(try await Self.ask(page, ["cmd": "hangup"])["state"] as? String == "idle")
        await gateway.stop()
        #expect(gateway.records().first?["hangupSide"] as? String == "caller", "\(gateway.records())")
    }

    @Test func wrongPasswordIsShownOnThePage() async throws {
        let gateway = TestGateway()
        try await gateway.start()
        let page = try Self.page(gateway, tone: 1000)
        defer { page.stop() }
        _ = await offPool { LoopTransferJSON(page.readJSON(timeout: 40)) }.value
        let registered = try await Self.ask(page, ["cmd": "register", "user": "alice", "password": "not-it"])
        #expect(registered["ok"] as? Bool == false && (registered["status"] as? String ?? "").contains("Wrong user name or password"),
                "\(registered)")
        await gateway.stop()
    }

    @Test func pageCallsAPhoneWithKeypadDigitsAndThePhoneHangsUp() async throws {
        try await BridgeCallTests().withPhone { gateway, phone in
            let page = try Self.page(gateway, tone: 1000)
            defer { page.stop() }
            _ = await offPool { LoopTransferJSON(page.readJSON(timeout: 40)) }.value
            #expect(try await Self.ask(page, ["cmd": "register", "user": "alice", "password": "wonderland"])["ok"] as? Bool == true)
            #expect(try await Self.ask(page, ["cmd": "dial", "to": "2001"])["state"] as? String == "active")
            let heard = try await Self.ask(page, ["cmd": "tone", "expect": 440, "seconds": 8])
            #expect(abs((heard["frequency"] as? Double ?? 0) - 440) < 15, "the page heard \(heard)")
            _ = try await Self.ask(page, ["cmd": "keys", "digits": "123#"])
            try phone.writeJSON(["cmd": "hangup"])
            let ended = try await Self.ask(page, ["cmd": "wait_idle"])
            #expect(ended["state"] as? String == "idle", "the phone's BYE ended the page's call: \(ended)")
            let digits = Digits()
            _ = await offPool { () -> LoopTransferJSON in
                LoopTransferJSON(phone.readJSON(timeout: 15) { event in
                    if event["event"] as? String == "CALL_DTMF_START", let digit = event["param"] as? String { digits.text += digit }
                    return event["event"] as? String == "CALL_CLOSED"
                })
            }.value
            #expect(digits.text == "123#", "keypad digits reached the phone in order")
            let recorded = try await BridgeCallTests.analysis(phone)
            #expect(abs((recorded["frequency"] as? Double ?? 0) - 1000) < 15, "the phone heard \(recorded)")
        }
    }

    @Test func twoPagesCallEachOther() async throws {
        let gateway = TestGateway()
        try await gateway.start()
        let alice = try Self.page(gateway, tone: 1000), bob = try Self.page(gateway, tone: 440)
        defer { alice.stop(); bob.stop() }
        _ = await offPool { LoopTransferJSON(alice.readJSON(timeout: 40)) }.value
        _ = await offPool { LoopTransferJSON(bob.readJSON(timeout: 40)) }.value
        #expect(try await Self.ask(alice, ["cmd": "register", "user": "alice", "password": "wonderland"])["ok"] as? Bool == true)
        #expect(try await Self.ask(bob, ["cmd": "register", "user": "bob", "password": "b"])["ok"] as? Bool == true)
        try alice.writeJSON(["cmd": "dial", "to": "bob"])
        let ringing = try await Self.ask(bob, ["cmd": "wait_incoming"])
        #expect(ringing["state"] as? String == "incoming", "\(ringing)")
        #expect(try await Self.ask(bob, ["cmd": "answer"])["state"] as? String == "active")
        #expect(await offPool { LoopTransferJSON(alice.readJSON(timeout: 20) { $0["type"] as? String == "reply" }) }.value?["state"]
                as? String == "active")
        let atAlice = try await Self.ask(alice, ["cmd": "tone", "expect": 440, "seconds": 8])
        let atBob = try await Self.ask(bob, ["cmd": "tone", "expect": 1000, "seconds": 8])
        #expect(abs((atAlice["frequency"] as? Double ?? 0) - 440) < 15, "alice heard \(atAlice)")
        #expect(abs((atBob["frequency"] as? Double ?? 0) - 1000) < 15, "bob heard \(atBob)")
        // Mute: bob hears alice's tone no more.
        #expect(try await Self.ask(alice, ["cmd": "mute"])["button"] as? String == "Unmute")
        let muted = try await Self.ask(bob, ["cmd": "tone", "below": (atBob["dbfs"] as? Double ?? 0) - 30, "seconds": 8])
        #expect((muted["dbfs"] as? Double ?? 0) < (atBob["dbfs"] as? Double ?? 0) - 30, "muted: \(muted), before: \(atBob)")
        #expect(try await Self.ask(alice, ["cmd": "hangup"])["state"] as? String == "idle")
        #expect(try await Self.ask(bob, ["cmd": "wait_idle"])["state"] as? String == "idle", "alice's BYE ended bob's call")
        await gateway.stop()
    }

    /// A page on the default dialplan, registered as alice.
    static func registeredPage(_ gateway: TestGateway) async throws -> PeerProcess {
        let page = try Self.page(gateway, tone: 1000)
        #expect(await offPool { LoopTransferJSON(page.readJSON(timeout: 40)) }.value?["type"] as? String == "ready", "\(page.stderr.suffix(2000))")
        #expect(try await Self.ask(page, ["cmd": "register", "user": "alice", "password": "wonderland"])["ok"] as? Bool == true)
        return page
    }

    /// With `turn:` configured the web phone asks /ice-servers for TURN credentials of its user's
    /// own; forced to relays only, it still reaches the echo test, through a real coturn.
    @Test func theWebPhoneGetsTURNAndRelaysThroughIt() async throws {
        let (coturn, turnPort) = try HTTPCallTests.coturn()
        defer { coturn.stop() }
        let gateway = TestGateway { HTTPCallTests.useTURN(&$0, port: turnPort) }
        try await gateway.start()
        let page = try await Self.registeredPage(gateway)
        defer { page.stop() }
        _ = try await Self.ask(page, ["cmd": "raw_microphone"])
        _ = try await Self.ask(page, ["cmd": "relay_only"])
        let dialled = try await Self.ask(page, ["cmd": "dial", "to": "9196"])
        #expect(dialled["state"] as? String == "active", "\(dialled)")
        let heard = try await Self.ask(page, ["cmd": "tone", "expect": 1000, "seconds": 8])
        #expect(abs((heard["frequency"] as? Double ?? 0) - 1000) < 15, "the page heard \(heard)")
        #expect(try await Self.ask(page, ["cmd": "candidate"])["candidate"] as? String == "relay")
        _ = try await Self.ask(page, ["cmd": "hangup"])
        await gateway.stop()
    }

    @Test func rejectedCallShowsTheSIPReasonAndHoldWorksOnTheEchoTest() async throws {
        let gateway = TestGateway()
        try await gateway.start()
        let page = try await Self.registeredPage(gateway)
        defer { page.stop() }
        _ = try await Self.ask(page, ["cmd": "raw_microphone"])
        let rejected = try await Self.ask(page, ["cmd": "dial", "to": "12345"])
        #expect(rejected["state"] as? String == "idle" && rejected["error"] as? String == "Call rejected: 404 No Route", "\(rejected)")
        #expect(try await Self.ask(page, ["cmd": "dial", "to": "9196"])["state"] as? String == "active")
        #expect(try await Self.ask(page, ["cmd": "hold"])["state"] as? String == "held")
        #expect(try await Self.ask(page, ["cmd": "hold"])["state"] as? String == "active")
        let heard = try await Self.ask(page, ["cmd": "tone", "expect": 1000, "seconds": 8])
        #expect(abs((heard["frequency"] as? Double ?? 0) - 1000) < 15, "the echo again after resuming: \(heard)")
        _ = try await Self.ask(page, ["cmd": "hangup"])
        await gateway.stop()
    }

    @Test func hangingUpWhileItRingsCancelsTheCall() async throws {
        let gateway = TestGateway()
        try await gateway.start()
        let bob = try BridgeCallTests.browser("webrtc_sip_callee.py", [gateway.webSocketURL, "tandem", "bob", "b", "2", "440", "ring"])
        defer { bob.stop() }
        #expect(await BridgeCallTests.line(bob, "registered")["status"] as? Int == 200)
        let page = try await Self.registeredPage(gateway)
        defer { page.stop() }
        // bob rings without SDP: the page hears our ringback (183), so it shows early media.
        #expect(try await Self.ask(page, ["cmd": "dial", "to": "bob", "wait": false])["state"] as? String == "early")
        #expect(try await Self.ask(page, ["cmd": "hangup"])["state"] as? String == "idle")
        #expect(await BridgeCallTests.line(bob, "result")["cancelled"] as? Bool == true, "the page's CANCEL reached bob")
        await gateway.stop()
        #expect(gateway.records().first?["status"] as? Int == 487, "\(gateway.records())")
    }

    @Test func refusedMicrophoneIsExplained() async throws {
        let gateway = TestGateway()
        try await gateway.start()
        let page = try Self.page(gateway, tone: 1000, denyMicrophone: true)
        defer { page.stop() }
        _ = await offPool { LoopTransferJSON(page.readJSON(timeout: 40)) }.value
        #expect(try await Self.ask(page, ["cmd": "register", "user": "alice", "password": "wonderland"])["ok"] as? Bool == true)
        let dialled = try await Self.ask(page, ["cmd": "dial", "to": "9196"])
        #expect((dialled["error"] as? String ?? "").contains("microphone was refused"), "\(dialled)")
        await gateway.stop()
    }

    /// The WebSocket drops (a proxy or NAT timing it out): the page says so, reconnects and registers
    /// again by itself, and the gateway holds exactly the new binding.
    @Test func pageReconnectsAndRegistersAgain() async throws {
        let gateway = TestGateway()
        try await gateway.start()
        let page = try await Self.registeredPage(gateway)
        defer { page.stop() }
        _ = try await Self.ask(page, ["cmd": "drop_socket"])
        let lost = try await Self.ask(page, ["cmd": "wait_status", "contains": "lost"])
        #expect((lost["status"] as? String ?? "").contains("reconnecting"), "\(lost)")
        let back = try await Self.ask(page, ["cmd": "wait_status", "contains": "Registered"])
        #expect(back["status"] as? String == "Registered as alice", "\(back)")
        #expect(try await gateway.server.bindings(of: "alice").count == 1)
        await gateway.stop()
    }
}

