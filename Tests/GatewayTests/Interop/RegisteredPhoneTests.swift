import Foundation
import Gateway
import Testing
import TestSupport

/// A small office on the shipped dialplan: browser user alice on a real SIP library (JsSIP 3.10.10 or
/// SIP.js 0.20.0 in headless Chromium, microphone playing 1 kHz) and a desk phone, baresip (PCMU only,
/// playing 440 Hz), registered as user bob over UDP or TCP. Alice dials 1002 and the phone dials
/// 1001; each call is answered, carries audio both ways (FFT on each side), carries digits both ways
/// (the browser's RTCDTMFSender to the phone in order, the phone's RFC 4733 to the page's ears), holds
/// and resumes, and is hung up by one side and then the other.
@Suite(.serialized) struct RegisteredPhoneTests {
    static let libraries = repositoryRoot + "/../shared/browser-libs"
    static let bundles = ["jssip": "jssip-3.10.10.js", "sipjs": "sip-0.20.0.js"]
    static let librariesPresent = FileManager.default.fileExists(atPath: libraries + "/" + bundles["jssip"]!)
        && FileManager.default.fileExists(atPath: libraries + "/" + bundles["sipjs"]!)

    /// Who places the call: alice dialling 1002, or the phone dialling 1001. The caller hangs up.
    enum Direction: String, CaseIterable, Sendable { case browserCallsPhone, phoneCallsBrowser }

    static let cases: [(String, String, Direction)] = ["jssip", "sipjs"].flatMap { library in
        ["udp", "tcp"].flatMap { transport in Direction.allCases.map { (library, transport, $0) } }
    }

    /// A gateway on the shipped dialplan serving the library page, baresip registered as bob over
    /// `transport`, and the page registered as alice; `body` gets them, everything is stopped after.
    func office(library: String, transport: String, aliceDTMF: GatewayConfig.Trunk.DTMFMode? = nil, consentTimeout: Int? = nil,
                _ body: (_ gateway: TestGateway, _ phone: PeerProcess, _ browser: PeerProcess, _ sipPort: Int) async throws -> Void) async throws {
        let page = NSTemporaryDirectory() + "sip-library-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: page, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: page) }
        for file in ["index.html", "harness.js"] {
            try FileManager.default.copyItem(atPath: repositoryRoot + "/Tests/Interop/sip-library-page/" + file, toPath: page + "/" + file)
        }
        try FileManager.default.copyItem(atPath: Self.libraries + "/" + Self.bundles[library]!, toPath: page + "/library.js")
        let users = [GatewayConfig.User(name: "alice", password: "wonderland", dtmf: aliceDTMF), GatewayConfig.User(name: "bob", password: "b")]
        let gateway = TestGateway(users: users) {
            $0.webPhone.directory = page
            $0.listen.sipTCP = ListenAddress(host: "127.0.0.1", port: 0)
            $0.admin.token = "admin"
            if let consentTimeout { $0.media.consentTimeoutSeconds = consentTimeout }
        }
        try await gateway.start()
        do {
            let sipPort = gateway.server.boundAddresses[transport == "tcp" ? "sip-tcp" : "sip-udp"]?.port ?? 0
            let httpPort = gateway.server.boundAddresses["http+ws"]?.port ?? 0
            let phoneWork = NSTemporaryDirectory() + "baresip-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: phoneWork) }
            let phone = try PeerProcess(pythonBinary, [repositoryRoot + "/Tests/Interop/baresip_phone.py", phoneWork, "440", "PCMU",
                                                       "127.0.0.1:\(sipPort)", "bob:b", transport])
            defer { phone.stop() }
            #expect(await offPool { LoopTransferJSON(phone.readJSON(timeout: 20)) }.value?["type"] as? String == "ready")
            #expect(await Self.registered("bob", transport: transport, httpPort: httpPort), "the phone registered over \(transport)")

            let browserWork = NSTemporaryDirectory() + "chromium-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: browserWork) }
            let browser = try PeerProcess(pythonBinary, [repositoryRoot + "/Tests/Interop/chromium_sip_library.py",
                                                         "http://127.0.0.1:\(httpPort)/index.html?lib=\(library)", "1000", browserWork])
            defer { browser.stop() }
            let ready = await offPool { LoopTransferJSON(browser.readJSON(timeout: 30)) }.value
            try #require(ready?["library"] as? Bool == true, "the page loaded \(library): \(ready ?? [:]) \(browser.stderr.suffix(2000))")
            let registration = try await Self.ask(browser, ["cmd": "register", "ws": gateway.webSocketURL, "user": "alice",
                                                            "password": "wonderland"])
            try #require(registration["ok"] as? Bool == true, "\(registration)")
            try await body(gateway, phone, browser, sipPort)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    /// One call per case, with a fresh phone (baresip records only the first call of its process)
    /// and a fresh page. The phone's ears are checked on its recording of the call up to the hold.
    @Test(.enabled(if: librariesPresent, "JsSIP and SIP.js bundles are not in ../shared/browser-libs"), arguments: cases)
    func browserAndRegisteredPhone(library: String, transport: String, direction: Direction) async throws {
        try await office(library: library, transport: transport) { gateway, phone, browser, sipPort in
            try await Self.call(phone, browser, sipPort: sipPort, transport: transport, direction: direction)
            await gateway.stop()
            let record = gateway.records().first
            #expect(gateway.records().count == 1 && record?["status"] as? Int == 200 && record?["hangupSide"] as? String == "caller",
                    "\(gateway.records())")
            let legs = direction == .browserCallsPhone ? ("webrtc", "rtp") : ("rtp", "webrtc")
            #expect((record?["legA"] as? [String: Any])?["kind"] as? String == legs.0
                    && (record?["legB"] as? [String: Any])?["kind"] as? String == legs.1, "each side got the media it takes: \(gateway.records())")
        }
    }

    /// Bob on the desk phone and in a browser at once: both ring, each with its own offer (plain RTP
    /// to the phone, DTLS-SRTP to the browser); the phone answers, the browser branch is cancelled,
    /// and alice hears the phone.
    @Test(.enabled(if: librariesPresent, "JsSIP and SIP.js bundles are not in ../shared/browser-libs"))
    func aUserOnAPhoneAndInABrowserRingsBoth() async throws {
        try await office(library: "jssip", transport: "udp") { gateway, phone, browser, _ in
            let bobInBrowser = try BridgeCallTests.browser("webrtc_sip_callee.py", [gateway.webSocketURL, "tandem", "bob", "b", "5", "1000", "ring"])
            defer { bobInBrowser.stop() }
            #expect(await BridgeCallTests.line(bobInBrowser, "registered")["status"] as? Int == 200)
            let answered = try await Self.ask(browser, ["cmd": "call", "to": "1002"])
            #expect(answered["state"] as? String == "active", "\(answered)")
            #expect(await BridgeCallTests.line(bobInBrowser, "ringing")["webrtc"] as? Bool == true, "the browser branch got a WebRTC offer")
            #expect(await BridgeCallTests.line(bobInBrowser, "result")["cancelled"] as? Bool == true, "the browser branch was cancelled")
            let tone = try await Self.ask(browser, ["cmd": "tone", "expect": 440, "seconds": 5])
            #expect(abs((tone["frequency"] as? Double ?? 0) - 440) < 15, "alice heard the phone: \(tone)")
            _ = try await Self.ask(browser, ["cmd": "hangup"])
            #expect(await Self.phoneEvent(phone, "CALL_CLOSED") != nil)
            await gateway.stop()
            #expect((gateway.records().first?["legB"] as? [String: Any])?["kind"] as? String == "rtp", "\(gateway.records())")
        }
    }

    /// A user whose `dtmf` is `info` gets the phone's digits as SIP INFO (`application/dtmf-relay`),
    /// which the library hands the application as events.
    @Test(.enabled(if: librariesPresent, "JsSIP and SIP.js bundles are not in ../shared/browser-libs"), arguments: ["jssip", "sipjs"])
    func aUserWhoseDTMFIsInfoGetsThePhonesDigitsAsSIPINFO(library: String) async throws {
        try await office(library: library, transport: "udp", aliceDTMF: .info) { _, phone, browser, sipPort in
            try phone.writeJSON(["cmd": "dial", "uri": "sip:1001@127.0.0.1:\(sipPort)"])
            #expect(try await Self.ask(browser, ["cmd": "wait", "state": "incoming"])["state"] as? String == "incoming")
            #expect(try await Self.ask(browser, ["cmd": "answer"])["state"] as? String == "active")
            #expect(await Self.phoneEvent(phone, "CALL_ESTABLISHED") != nil)
            try phone.writeJSON(["cmd": "dtmf", "digits": "45*"])
            let digits = try await Self.ask(browser, ["cmd": "digits", "count": 3, "seconds": 10])
            #expect(digits["info"] as? String == "45*" && digits["heard"] as? String == "", "INFO, not tones or events: \(digits)")
            try phone.writeJSON(["cmd": "hangup"])
            #expect(try await Self.ask(browser, ["cmd": "wait", "state": "ended"])["state"] as? String == "ended")
        }
    }

    /// ICE restart by the library (`restartIce`, a re-INVITE with new ufrag and password): Tandem
    /// answers with new credentials of its own, the page keeps hearing the phone, and consent holds
    /// past its (short) timeout on the new credentials; the phone's leg gets no re-INVITE.
    @Test(.enabled(if: librariesPresent, "JsSIP and SIP.js bundles are not in ../shared/browser-libs"), arguments: ["jssip", "sipjs"])
    func iceRestartByTheBrowserStaysOnItsLeg(library: String) async throws {
        try await office(library: library, transport: "udp", consentTimeout: 8) { _, phone, browser, _ in
            try #require(try await Self.ask(browser, ["cmd": "call", "to": "1002"])["state"] as? String == "active")
            #expect(await Self.phoneEvent(phone, "CALL_ESTABLISHED") != nil)
            let restarted = try await Self.ask(browser, ["cmd": "restart_ice"])
            #expect(restarted["ok"] as? Bool == true && restarted["after"] as? String != nil
                    && restarted["after"] as? String != restarted["before"] as? String, "new credentials in our answer: \(restarted)")
            // Past the 8 s consent timeout: only checks on the new credentials keep the call.
            let still = try await Self.ask(browser, ["cmd": "wait", "state": "ended", "seconds": 12])
            #expect(still["state"] as? String == "active", "consent held on the new credentials: \(still)")
            let tone = try await Self.ask(browser, ["cmd": "tone", "expect": 440, "seconds": 5])
            #expect(abs((tone["frequency"] as? Double ?? 0) - 440) < 15, "the page still hears the phone: \(tone)")
            let reoffered = await offPool { LoopTransferJSON(phone.readJSON(timeout: 0.5) { $0["event"] as? String == "CALL_REMOTE_SDP" }) }.value
            #expect(reoffered == nil, "the phone's leg saw nothing of it: \(reoffered ?? [:])")
            _ = try await Self.ask(browser, ["cmd": "hangup"])
            #expect(await Self.phoneEvent(phone, "CALL_CLOSED") != nil)
        }
    }

    static func call(_ phone: PeerProcess, _ browser: PeerProcess, sipPort: Int, transport: String, direction: Direction) async throws {
        switch direction {
        case .browserCallsPhone:
            let answered = try await Self.ask(browser, ["cmd": "call", "to": "1002"])
            try #require(answered["state"] as? String == "active", "browser → phone: \(answered)")
        case .phoneCallsBrowser:
            try phone.writeJSON(["cmd": "dial", "uri": "sip:1001@127.0.0.1:\(sipPort);transport=\(transport)"])
            let incoming = try await Self.ask(browser, ["cmd": "wait", "state": "incoming"])
            try #require(incoming["state"] as? String == "incoming" && incoming["caller"] as? String == "bob", "phone → browser: \(incoming)")
            try #require(try await Self.ask(browser, ["cmd": "answer"])["state"] as? String == "active")
        }
        #expect(await Self.phoneEvent(phone, "CALL_ESTABLISHED") != nil)
        let tone = try await Self.ask(browser, ["cmd": "tone", "expect": 440, "seconds": 5])
        #expect(abs((tone["frequency"] as? Double ?? 0) - 440) < 15, "browser heard the phone: \(tone)")

        _ = try await Self.ask(browser, ["cmd": "dtmf", "digits": "123#"])
        #expect(await Self.digits(phone, count: 4) == "123#", "the browser's RFC 4733 digits reached the phone in order")
        try phone.writeJSON(["cmd": "dtmf", "digits": "45*"])
        let heardDigits = try await Self.ask(browser, ["cmd": "digits", "count": 3, "seconds": 10])
        #expect(heardDigits["heard"] as? String == "45*", "the phone's digits reached the page's ears: \(heardDigits)")

        try await Self.holdAndResume(browser, heldBy: direction == .browserCallsPhone ? .browser : .phone, phone)
        switch direction {
        case .browserCallsPhone:
            _ = try await Self.ask(browser, ["cmd": "hangup"])
            #expect(await Self.phoneEvent(phone, "CALL_CLOSED") != nil, "the browser's BYE reached the phone")
        case .phoneCallsBrowser:
            try phone.writeJSON(["cmd": "hangup"])
            #expect(try await Self.ask(browser, ["cmd": "wait", "state": "ended"])["state"] as? String == "ended", "the phone's BYE reached the page")
        }
        let heard = try await BridgeCallTests.analysis(phone)
        #expect(abs((heard["frequency"] as? Double ?? 0) - 1000) < 15, "phone heard the browser: \(heard)")
    }

    enum Holder { case browser, phone }

    /// Hold by a re-INVITE from `heldBy`: the page hears silence while held and the phone's tone again
    /// once resumed.
    static func holdAndResume(_ browser: PeerProcess, heldBy: Holder, _ phone: PeerProcess) async throws {
        switch heldBy {
        case .browser:
            let held = try await ask(browser, ["cmd": "hold"])
            #expect(held["ok"] as? Bool == true && ["recvonly", "inactive"].contains(held["direction"] as? String ?? ""), "hold: \(held)")
        case .phone:
            try phone.writeJSON(["cmd": "hold"])
        }
        let quiet = try await ask(browser, ["cmd": "tone", "below": -50, "seconds": 5])
        #expect((quiet["dbfs"] as? Double ?? 0) < -50, "silence on hold (\(heldBy)): \(quiet)")
        switch heldBy {
        case .browser:
            let resumed = try await ask(browser, ["cmd": "unhold"])
            #expect(resumed["ok"] as? Bool == true && resumed["direction"] as? String == "sendrecv", "resume: \(resumed)")
        case .phone:
            try phone.writeJSON(["cmd": "resume"])
        }
        let tone = try await ask(browser, ["cmd": "tone", "expect": 440, "seconds": 5])
        #expect(abs((tone["frequency"] as? Double ?? 0) - 440) < 15, "the phone's tone is back after resume: \(tone)")
    }

    static func ask(_ browser: PeerProcess, _ command: [String: Any], timeout: TimeInterval = 40) async throws -> [String: Any] {
        try browser.writeJSON(command)
        return await offPool { LoopTransferJSON(browser.readJSON(timeout: timeout) { $0["type"] as? String == "reply" }) }.value
            ?? ["error": browser.stderr.suffix(2000)]
    }

    static func phoneEvent(_ phone: PeerProcess, _ name: String) async -> [String: Any]? {
        await BridgeCallTests.event(phone, name)
    }

    /// The digits the phone reports, in order, once `count` arrived or after 10 s.
    static func digits(_ phone: PeerProcess, count: Int) async -> String {
        let digits = Digits()
        _ = await offPool { () -> LoopTransferJSON in
            LoopTransferJSON(phone.readJSON(timeout: 10) { event in
                if event["event"] as? String == "CALL_DTMF_START", let digit = event["param"] as? String { digits.text += digit }
                return digits.text.count >= count
            })
        }
        return digits.text
    }

    /// Polls the admin API until `user` has a binding over `transport` (baresip registers before its
    /// control socket can say so).
    static func registered(_ user: String, transport: String, httpPort: Int) async -> Bool {
        await eventually(within: 10) {
            guard let (status, body) = await httpRequest("http://127.0.0.1:\(httpPort)/admin/api/registrations",
                                                         headers: ["Authorization": "Bearer admin"]),
                  status == 200, let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
                  let bindings = json["registrations"] as? [[String: Any]] else { return false }
            return bindings.contains { $0["user"] as? String == user && $0["transport"] as? String == transport }
        }
    }
}
