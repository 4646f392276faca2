import Foundation
import Gateway
import Media
import MediaTransport
import Testing
import TestSupport

/// What a call meets on the SIP side, played by sipp scenarios (Tests/Interop/sipp) against a browser
/// caller on aiortc: early media before the answer, CANCEL while ringing, a busy target with failover
/// to the next, a trunk's digest challenge, and hold/resume by re-INVITE from the phone.
@Suite(.serialized) struct SippTrunkTests {
    static let plan = #"""
    <dialplan>
      <context name="from-browser">
        <route name="pbx">
          <match field="destination" pattern="^(2001)$"/>
          <bridge timeout="10s" failover-on="486 503"><target trunk="first" user="$1"/><target trunk="second" user="$1"/></bridge>
        </route>
        <route name="ring-both">
          <match field="destination" pattern="^2003$"/>
          <bridge mode="parallel" timeout="10s"><target trunk="first" user="2003"/><target trunk="second" user="2003"/></bridge>
        </route>
        <route name="short-calls">
          <match field="destination" pattern="^2004$"/>
          <max-duration value="2s"/>
          <bridge timeout="10s"><target trunk="first" user="2004"/></bridge>
        </route>
        <route name="browser-and-phone">
          <match field="destination" pattern="^2005$"/>
          <bridge mode="parallel" timeout="10s"><target user="bob"/><target trunk="first" user="2005"/></bridge>
        </route>
        <route name="transfer-target">
          <match field="destination" pattern="^2002$"/>
          <bridge timeout="10s"><target trunk="second" user="2002"/></bridge>
        </route>
      </context>
      <context name="from-trunk"><route name="none"><reject code="404"/></route></context>
    </dialplan>
    """#

    /// A sipp UAS running `scenario` as trunk "first" (and `second`, if given, as trunk "second"), a
    /// gateway with those trunks, and a browser call from alice to 2001 in `mode`. With `bob`, an aiortc
    /// browser registered as bob, which keeps what it reported.
    func call(_ scenario: String, second: (scenario: String, trunk: (Int) -> GatewayConfig.Trunk)? = nil, mode: String = "hangup",
              destination: String = "2001", seconds: String = "2", digits: String = "", echo: Bool = true, bob: Callee? = nil,
              configure: (inout GatewayConfig) -> Void = { _ in },
              first: @escaping (Int) -> GatewayConfig.Trunk = { GatewayConfig.Trunk(name: "first", address: "127.0.0.1:\($0)") })
        async throws -> (result: [String: Any], sipp: [(Int32?, String)], records: [[String: Any]]) {
        let dir = NSTemporaryDirectory() + "sipp-trunk-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tone = dir + "/tone.ulaw"
        try Self.writeTone(440, to: tone)
        var scenarios = [(scenario, first)]
        if let second { scenarios.append((second.scenario, second.trunk)) }
        var peers: [ChildProcess] = []
        defer { for p in peers { p.stop() } }
        var trunks: [GatewayConfig.Trunk] = []
        for (name, trunk) in scenarios {
            let port = freePort(udp: true)
            // sipp expands no keyword inside exec attributes: the tone's path is written in.
            let file = dir + "/\(name).xml"
            try String(contentsOfFile: repositoryRoot + "/Tests/Interop/sipp/\(name).xml", encoding: .utf8)
                .replacingOccurrences(of: "TONE_FILE", with: tone).write(toFile: file, atomically: true, encoding: .utf8)
            peers.append(try ChildProcess("/usr/bin/sipp", [
                "-sf", file, "-i", "127.0.0.1", "-p", "\(port)",
                "-mi", "127.0.0.1", "-mp", "\(freePort(udp: true))"] + (echo ? ["-rtp_echo"] : []) + ["-m", "1",
                "-nostdin", "-timeout", "40s", "-timeout_error", "-trace_err"], directory: dir))
            trunks.append(trunk(port))
        }
        if second == nil { trunks.append(GatewayConfig.Trunk(name: "second", address: "127.0.0.1:9")) } // named by the plan, not dialled
        let gateway = TestGateway(dialplans: try TestGateway.dialplan(Self.plan), trunks: trunks, configure: configure)
        try await gateway.start()
        let callee = try bob.map { try BridgeCallTests.browser("webrtc_sip_callee.py", [gateway.webSocketURL, "tandem", "bob", "b"] + $0.arguments) }
        defer { callee?.stop() }
        if let callee { #expect(await BridgeCallTests.line(callee, "registered")["status"] as? Int == 200) }
        let caller = try PeerProcess(pythonBinary, [repositoryRoot + "/Tests/Interop/webrtc_sip_caller.py", gateway.webSocketURL,
                                                    "tandem", "alice", "wonderland", destination, seconds, "1000", mode, digits])
        defer { caller.stop() }
        let result = await offPool { LoopTransferJSON(caller.readJSON(timeout: 40) { $0["type"] as? String == "result" }) }.value
            ?? ["error": caller.stderr.suffix(2000)]
        if let callee { bob?.result = await BridgeCallTests.line(callee, "result") }
        let running = peers
        var exits = await offPool { LoopTransferExits(running.map { ($0.waitForExit(timeout: 15), $0.text.suffix(1500).description) }) }.value
        // sipp says why a call failed only in its error log (-trace_err): keep it for the failure message.
        let errors = (try? FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix("_errors.log") }) ?? []
        let errorText = errors.compactMap { try? String(contentsOfFile: dir + "/" + $0, encoding: .utf8) }.joined()
        if !errorText.isEmpty { exits = exits.map { ($0.0, errorText.suffix(3000) + $0.1) } }
        await gateway.stop()
        return (result, exits, gateway.records())
    }

    /// Headerless 8 kHz μ-law, as sipp's rtp_stream plays it.
    static func writeTone(_ hz: Double, to path: String) throws {
        var pcm = (0..<8000 * 10).map { Int16(0.3 * 32767 * sin(2 * Double.pi * hz * Double($0) / 8000)) }
        var ulaw = [UInt8](repeating: 0, count: pcm.count)
        G711.ulaw.encode(&pcm, count: pcm.count, into: &ulaw)
        try Data(ulaw).write(to: URL(fileURLWithPath: path))
    }

    @Test func earlyMediaIsHeardBeforeTheAnswer() async throws {
        // No RTP echo: the phone sends its announcement only, so the caller hears nothing else.
        let (result, sipp, records) = try await call("early_media", echo: false)
        #expect(result["status"] as? Int == 200, "\(result)")
        #expect((result["provisional"] as? [Int])?.contains(183) == true, "\(result)")
        let early = result["early"] as? [String: Any] ?? [:]
        #expect(abs((early["frequency"] as? Double ?? 0) - 440) < 15, "the announcement during 183: \(result)")
        #expect(result["bye"] as? Int == 200, "\(result)")
        #expect(sipp.first?.0 == 0, "sipp: \(sipp)")
        #expect(records.first?["status"] as? Int == 200, "\(records)")
    }

    @Test func ringingWithoutSDPGivesTheBrowserARingbackTone() async throws {
        let (result, sipp, _) = try await call("ring_then_answer")
        #expect((result["provisional"] as? [Int])?.contains(183) == true, "our SDP in a 183: \(result)")
        let early = result["early"] as? [String: Any] ?? [:]
        #expect(abs((early["frequency"] as? Double ?? 0) - 425) < 15, "ringback (425 Hz) while the phone rang: \(result)")
        #expect(result["status"] as? Int == 200 && result["bye"] as? Int == 200, "\(result)")
        #expect(abs((result["frequency"] as? Double ?? 0) - 1000) < 15, "then the phone's echo of our tone: \(result)")
        #expect(sipp.first?.0 == 0, "sipp: \(sipp)")
    }

    @Test func cancelWhileRingingReachesThePhone() async throws {
        let (result, sipp, records) = try await call("ring_until_cancel", mode: "cancel")
        #expect((result["provisional"] as? [Int])?.contains(183) == true, "ringing reached the caller (with ringback): \(result)")
        #expect(result["cancel"] as? Int == 200 && result["status"] as? Int == 487, "\(result)")
        #expect(sipp.first?.0 == 0, "the phone saw CANCEL and got its ACK: \(sipp)")
        #expect(records.first?["status"] as? Int == 487 && records.first?["hangupSide"] as? String == "caller", "\(records)")
    }

    @Test func busyFirstTargetFailsOverToTheSecond() async throws {
        let (result, sipp, records) = try await call("busy", second: ("digest_challenge", { port in
            var trunk = GatewayConfig.Trunk(name: "second", address: "127.0.0.1:\(port)")
            trunk.username = "tandem"
            trunk.password = "s3cret"
            return trunk
        }))
        #expect(result["status"] as? Int == 200, "\(result)")
        // The second trunk echoes RTP: the browser hears its own tone back through PCMU.
        #expect(abs((result["frequency"] as? Double ?? 0) - 1000) < 15, "\(result)")
        #expect(sipp.map(\.0) == [0, 0], "busy phone got its ACK, the trunk saw valid credentials: \(sipp)")
        #expect(records.first?["target"] as? String == "trunk:second/2001", "\(records)")
    }
}

extension SippTrunkTests {
    @Test func phoneTransfersTheBrowserWithREFER() async throws {
        let (result, sipp, records) = try await call("refer", second: ("answer", { GatewayConfig.Trunk(name: "second", address: "127.0.0.1:\($0)") }),
                                                     seconds: "4")
        #expect(result["status"] as? Int == 200 && result["bye"] as? Int == 200, "the browser's BYE reached the new party: \(result)")
        #expect(sipp.map(\.0) == [0, 0], "the transferor got 202, NOTIFYs and BYE; the target answered and got BYE: \(sipp)")
        // Both phones echo: the browser hears its own tone before and after the transfer.
        #expect(abs((result["frequency"] as? Double ?? 0) - 1000) < 15, "\(result)")
        #expect(records.first?["target"] as? String == "trunk:second/2002", "\(records)")
    }

    @Test func dtmfCrossesAsSIPINFOToATrunkThatWantsIt() async throws {
        let (result, sipp, _) = try await call("info_dtmf", seconds: "4", digits: "123#", first: { port in
            var trunk = GatewayConfig.Trunk(name: "first", address: "127.0.0.1:\(port)")
            trunk.dtmf = .info
            return trunk
        })
        #expect(result["status"] as? Int == 200 && result["bye"] as? Int == 200, "\(result)")
        #expect(sipp.first?.0 == 0, "the trunk got INFO 1 2 3 # in order: \(sipp)")
        #expect(result["digits"] as? String == "57", "the trunk's INFO digits reached the browser as telephone-events: \(result)")
    }

    @Test func silentPhoneIsHungUpAfterTheRTPTimeout() async throws {
        let (result, sipp, records) = try await call("answer", mode: "wait", echo: false) { $0.media.rtpTimeoutSeconds = 2 }
        #expect(result["status"] as? Int == 200 && result["hangup"] as? String == "remote", "the browser got BYE: \(result)")
        #expect(sipp.first?.0 == 0, "the phone got BYE too: \(sipp)")
        #expect(records.first?["reason"] as? String == "No RTP for 2 s" && records.first?["hangupSide"] as? String == "gateway", "\(records)")
    }

    @Test func gatewayRefreshesTheSessionTimerItWasGiven() async throws {
        let (result, sipp, _) = try await call("session_timer_refresh", seconds: "3")
        #expect(result["status"] as? Int == 200 && result["bye"] as? Int == 200, "\(result)")
        #expect(sipp.first?.0 == 0, "UPDATE refreshes every second until BYE: \(sipp)")
    }

    /// The browser's tab goes away mid-call: its DTLS closes (close_notify) with no BYE. The phone gets
    /// a BYE saying why, and so does the browser's dialog.
    @Test func browserDTLSClosingHangsUpThePhoneWithAReason() async throws {
        let (result, sipp, records) = try await call("media_failure", mode: "vanish")
        #expect(result["status"] as? Int == 200 && result["hangup"] as? String == "remote", "\(result)")
        #expect(sipp.first?.0 == 0, "the phone got BYE with Reason: SIP;cause=480;text=\"Media failed: …\": \(sipp)")
        #expect((records.first?["reason"] as? String ?? "").contains("DTLS closed") && records.first?["hangupSide"] as? String == "gateway",
                "\(records)")
    }

    /// The browser stops its ICE consent checks (RFC 7675) but its media goes on, as a cut-off network
    /// path looks from here: after `media.consent_timeout` the call ends on both legs. (aioice checks
    /// every 4 to 6 s, so 7 s holds while it checks.)
    @Test func browserLosingICEConsentHangsUpThePhoneWithAReason() async throws {
        let (result, sipp, records) = try await call("media_failure", mode: "silent-ice") { $0.media.consentTimeoutSeconds = 7 }
        #expect(result["status"] as? Int == 200 && result["hangup"] as? String == "remote", "\(result)")
        #expect(sipp.first?.0 == 0, "the phone got BYE with Reason: SIP;cause=480;text=\"Media failed: …\": \(sipp)")
        #expect((records.first?["reason"] as? String ?? "").contains("ICE consent expired") && records.first?["hangupSide"] as? String == "gateway",
                "\(records)")
    }

    /// A carrier that accepts only its own numbers: the trunk's caller_id and caller_name are
    /// presented in From and P-Asserted-Identity (sipp `caller_id.xml` checks both).
    @Test func trunkCallerIDIsPresentedAndAsserted() async throws {
        let (result, sipp, _) = try await call("caller_id", first: { port in
            var trunk = GatewayConfig.Trunk(name: "first", address: "127.0.0.1:\(port)")
            trunk.callerIDNumber = "+4930123456"
            trunk.callerIDName = "Tandem Labs"
            trunk.assertIdentity = true
            return trunk
        })
        #expect(result["status"] as? Int == 200 && result["bye"] as? Int == 200, "\(result)")
        #expect(sipp.first?.0 == 0, "From and P-Asserted-Identity carried the trunk's identity: \(sipp)")
    }

    /// A parallel bridge ringing a browser user and a phone at once (two side-b sockets): the browser
    /// answers, the phone gets CANCEL, and the caller hears the browser.
    @Test func parallelBridgeOfBrowserAndPhoneTheBrowserAnswers() async throws {
        let bob = Callee(["3", "440", "hangup"])
        let (result, sipp, records) = try await call("ring_until_cancel", mode: "wait", destination: "2005", bob: bob)
        #expect(result["status"] as? Int == 200 && result["hangup"] as? String == "remote", "\(result)")
        #expect(abs((result["frequency"] as? Double ?? 0) - 440) < 15, "alice heard bob: \(result)")
        #expect(abs((bob.result["frequency"] as? Double ?? 0) - 1000) < 15, "bob heard alice: \(bob.result)")
        #expect(sipp.first?.0 == 0, "the phone got CANCEL: \(sipp)")
        let legB = records.first?["legB"] as? [String: Any]
        #expect(records.first?["target"] as? String == "user:bob" && legB?["kind"] as? String == "webrtc", "\(records)")
    }

    /// The same bridge, and this time the phone answers while the browser rings: the browser gets
    /// CANCEL, and the caller hears its own tone echoed by the phone.
    @Test func parallelBridgeOfBrowserAndPhoneThePhoneAnswers() async throws {
        let bob = Callee(["3", "440", "ring"])
        let (result, sipp, records) = try await call("answer", destination: "2005", bob: bob)
        #expect(result["status"] as? Int == 200 && result["bye"] as? Int == 200, "\(result)")
        #expect(abs((result["frequency"] as? Double ?? 0) - 1000) < 15, "alice heard the phone's echo: \(result)")
        #expect(bob.result["cancelled"] as? Bool == true, "bob's ringing was cancelled: \(bob.result)")
        #expect(sipp.first?.0 == 0, "\(sipp)")
        let legB = records.first?["legB"] as? [String: Any]
        #expect(legB?["kind"] as? String == "rtp" && legB?["codec"] as? String == "PCMU", "\(records)")
    }

    @Test func intervalTooSmallIsAskedAgainWithTheCalleesMinSE() async throws {
        let (result, sipp, _) = try await call("interval_too_small")
        #expect(result["status"] as? Int == 200 && result["bye"] as? Int == 200, "\(result)")
        #expect(abs((result["frequency"] as? Double ?? 0) - 1000) < 15, "the call carried audio: \(result)")
        #expect(sipp.first?.0 == 0, "422, then an INVITE with Session-Expires: 3600, answered, then BYE: \(sipp)")
    }

    @Test func sessionTimerRunningOutEndsTheCall() async throws {
        let (result, sipp, records) = try await call("session_timer_expiry", mode: "wait")
        #expect(result["status"] as? Int == 200 && result["hangup"] as? String == "remote", "\(result)")
        #expect(sipp.first?.0 == 0, "the phone got BYE: \(sipp)")
        #expect(records.first?["reason"] as? String == "Session timer expired", "\(records)")
    }

    @Test func aForkThatAnswersLateIsHungUpAndTheCallKeepsTheFirst() async throws {
        let (result, sipp, _) = try await call("forked_answers")
        #expect(result["status"] as? Int == 200 && result["bye"] as? Int == 200, "\(result)")
        #expect(sipp.first?.0 == 0, "both 2xx ACKed, BYE to the late fork, the caller's BYE to the kept one: \(sipp)")
    }

    @Test func reINVITEGlareIsAnswered491AndRetried() async throws {
        let (result, sipp, _) = try await call("glare", mode: "hold")
        #expect(result["hold"] as? Int == 200, "the browser's hold was answered: \(result)")
        #expect(sipp.first?.0 == 0, "491 to the phone's crossing re-INVITE, our hold re-offer retried after its 491: \(sipp)")
        #expect(result["hangup"] as? String == "remote", "\(result)")
    }

    @Test func parallelBridgeRingsBothAndCancelsTheLoser() async throws {
        let (result, sipp, records) = try await call("ring_until_cancel", second: ("ring_then_answer", {
            GatewayConfig.Trunk(name: "second", address: "127.0.0.1:\($0)")
        }), destination: "2003")
        #expect(result["status"] as? Int == 200 && result["bye"] as? Int == 200, "\(result)")
        #expect(sipp.map(\.0) == [0, 0], "the ringing phone got CANCEL, the other answered and got BYE: \(sipp)")
        #expect(records.first?["target"] as? String == "trunk:second/2003", "\(records)")
    }

    @Test func maximumCallDurationEndsTheCall() async throws {
        let (result, sipp, records) = try await call("answer", mode: "wait", destination: "2004")
        #expect(result["status"] as? Int == 200 && result["hangup"] as? String == "remote", "\(result)")
        #expect(sipp.first?.0 == 0, "the phone got BYE: \(sipp)")
        #expect(records.first?["reason"] as? String == "Maximum call duration", "\(records)")
    }

    @Test func phoneHoldsAndResumesByReINVITE() async throws {
        let (result, sipp, _) = try await call("hold_resume", seconds: "4")
        #expect(result["status"] as? Int == 200 && result["bye"] as? Int == 200, "\(result)")
        #expect(sipp.first?.0 == 0, "the phone got recvonly for its hold and sendrecv for its resume: \(sipp)")
        #expect(result["reoffers"] as? [String] == ["sendonly", "sendrecv"], "hold and resume translated to the browser: \(result)")
    }

    /// sipp as a PBX (trunk "pbx", DTMF `pbxDTMF`) running `scenario` toward the gateway, whose
    /// from-trunk context sends a lower-case destination to that browser user and 2001 to trunk
    /// "first". With `callee`, an aiortc browser registered as bob (webrtc_sip_callee.py arguments after
    /// its URL, domain and user); with `phone`, a sipp UAS scenario as trunk "first" (DTMF by SIP INFO).
    /// DTMF_FILE in a scenario is μ-law with the tones 1 2 3 #. The PBX echoes the RTP it gets unless it
    /// plays a file of its own (`echo: false`: echoed packets would interleave with its stream). Returns
    /// each sipp's exit status with its error log (the PBX first), the callee's result, and the CDRs.
    func fromPBX(_ scenario: String, service: String = "bob", pbxDTMF: GatewayConfig.Trunk.DTMFMode = .rfc4733, echo: Bool = true,
                 callee: [String]? = nil, phone: String? = nil) async throws
        -> (sipp: [(status: Int32?, errors: String)], callee: [String: Any], records: [[String: Any]]) {
        let dir = NSTemporaryDirectory() + "sipp-pbx-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeDTMF("123#", to: dir + "/dtmf.ulaw")
        func script(_ name: String) throws -> String {
            // sipp expands no keyword inside exec attributes: the file's path is written in.
            let path = dir + "/\(name).xml"
            try String(contentsOfFile: repositoryRoot + "/Tests/Interop/sipp/\(name).xml", encoding: .utf8)
                .replacingOccurrences(of: "DTMF_FILE", with: dir + "/dtmf.ulaw").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let port = freePort(udp: true), phonePort = freePort(udp: true)
        let plan = """
        <dialplan>
          <context name="from-browser"><route name="none"><reject code="404"/></route></context>
          <context name="from-trunk">
            <route name="to-user"><match field="destination" pattern="^([a-z]+)$"/><bridge timeout="10s"><target user="$1"/></bridge></route>
            <route name="to-phone"><match field="destination" pattern="^2001$"/><bridge timeout="10s"><target trunk="first" user="2001"/></bridge></route>
          </context>
        </dialplan>
        """
        var pbx = GatewayConfig.Trunk(name: "pbx", address: "127.0.0.1:\(port)")
        pbx.dtmf = pbxDTMF
        var first = GatewayConfig.Trunk(name: "first", address: "127.0.0.1:\(phonePort)")
        first.dtmf = .info
        let gateway = TestGateway(dialplans: try TestGateway.dialplan(plan), trunks: [pbx, first])
        try await gateway.start()
        let browser = try callee.map { try BridgeCallTests.browser("webrtc_sip_callee.py", [gateway.webSocketURL, "tandem", "bob", "b"] + $0) }
        defer { browser?.stop() }
        if let browser { #expect(await BridgeCallTests.line(browser, "registered")["status"] as? Int == 200) }
        var peers: [ChildProcess] = []
        defer { for p in peers { p.stop() } }
        if let phone {
            peers.append(try ChildProcess("/usr/bin/sipp", [
                "-sf", try script(phone), "-i", "127.0.0.1", "-p", "\(phonePort)", "-mi", "127.0.0.1", "-mp", "\(freePort(udp: true))",
                "-rtp_echo", "-m", "1", "-nostdin", "-timeout", "40s", "-timeout_error", "-trace_err"], directory: dir))
        }
        peers.insert(try ChildProcess("/usr/bin/sipp", [
            "-sf", try script(scenario), "127.0.0.1:\(gateway.sipPort)", "-s", service,
            "-i", "127.0.0.1", "-p", "\(port)", "-mi", "127.0.0.1", "-mp", "\(freePort(udp: true))"] + (echo ? ["-rtp_echo"] : []) + [
            "-m", "1", "-nostdin", "-timeout", "40s", "-timeout_error", "-trace_err"], directory: dir), at: 0)
        let result = browser != nil ? await BridgeCallTests.line(browser!, "result") : [:]
        let running = peers
        let statuses = await offPool { LoopTransferExits(running.map { ($0.waitForExit(timeout: 20), "") }) }.value.map(\.0)
        await gateway.stop()
        let errors = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix("_errors.log") }
            .compactMap { try? String(contentsOfFile: dir + "/" + $0, encoding: .utf8) }.joined().suffix(3000)
        return (zip(statuses, peers).map { ($0, String(errors + $1.text.suffix(1500))) }, result, gateway.records())
    }

    /// Headerless 8 kHz μ-law: half a second of silence, then each digit's two tones for 100 ms and
    /// 100 ms of silence after it.
    static func writeDTMF(_ digits: String, to path: String) throws {
        let pairs: [Character: (Double, Double)] = ["1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "#": (941, 1477)]
        var pcm = [Int16](repeating: 0, count: 4000)
        for digit in digits {
            guard let (low, high) = pairs[digit] else { continue }
            pcm += (0..<800).map { i in
                let t = Double(i) / 8000
                return Int16(0.25 * 32767 * (sin(2 * .pi * low * t) + sin(2 * .pi * high * t)))
            }
            pcm += [Int16](repeating: 0, count: 800)
        }
        var ulaw = [UInt8](repeating: 0, count: pcm.count)
        G711.ulaw.encode(&pcm, count: pcm.count, into: &ulaw)
        try Data(ulaw).write(to: URL(fileURLWithPath: path))
    }

    /// A PBX calling a browser user with delayed offer (sipp `delayed_offer.xml`): its INVITE has no SDP,
    /// our 200 offers and its ACK answers (PCMU), and the same again for its re-INVITE without SDP.
    /// The phone echoes RTP: the browser hears its own 440 Hz come back, so audio crossed both ways.
    @Test func pbxCallingWithDelayedOfferAnswersInTheACK() async throws {
        let (sipp, result, records) = try await fromPBX("delayed_offer", callee: ["4", "440", "hangup"])
        #expect(sipp.first?.status == 0, "the PBX got offers in both 200s and the callee's BYE: \(sipp)")
        #expect(abs((result["frequency"] as? Double ?? 0) - 440) < 15, "the browser heard its tone echoed by the PBX: \(result)")
        #expect(result["hangup"] as? String == "local" && result["bye"] as? Int == 200, "\(result)")
        #expect((records.first?["legA"] as? [String: Any])?["codec"] as? String == "PCMU", "\(records)")
    }

    /// A delayed-offer caller whose ACK brings no answer gets BYE with the reason (RFC 3261 §13.3.1.4),
    /// and so does the browser it had reached.
    @Test func delayedOfferWithoutAnAnswerInTheACKIsHungUp() async throws {
        let (sipp, result, records) = try await fromPBX("delayed_offer_no_answer", callee: ["4", "440", "wait"])
        #expect(sipp.first?.status == 0, "BYE with Reason: SIP;cause=488: \(sipp)")
        #expect(result["hangup"] as? String == "remote", "\(result)")
        #expect(records.first?["reason"] as? String == "No usable SDP answer in the ACK", "\(records)")
    }

    /// A PBX that called a browser user transfers it blind (REFER from the leg that called in): the
    /// target, another phone, gets side a's RTP socket; the PBX gets 202 and NOTIFYs and BYE
    /// (`refer_from_caller`), or hangs up as soon as its REFER is accepted (`refer_then_hangup`, toward
    /// a target that rings 2.5 s first, so the PBX's BYE comes before the answer). The browser keeps its
    /// session, records only once the target has answered (what it hears is the target's echo), and
    /// ends the call with the target.
    @Test(arguments: [("refer_from_caller", "answer", "3"), ("refer_then_hangup", "ring_then_answer", "4.5")])
    func pbxTransfersTheBrowserItCalled(scenario: String, target: String, recordFrom: String) async throws {
        let (sipp, result, records) = try await fromPBX(scenario, callee: ["2", "440", "hangup", recordFrom], phone: target)
        #expect(sipp.first?.status == 0, "the PBX's REFER got 202 and NOTIFYs, and its call ended: \(sipp)")
        #expect(sipp.last?.status == 0, "the target answered and got the browser's BYE: \(sipp)")
        #expect(abs((result["frequency"] as? Double ?? 0) - 440) < 15 && (result["dbfs"] as? Double ?? -200) > -40,
                "the browser heard its tone echoed by the target: \(result)")
        #expect(result["hangup"] as? String == "local" && result["bye"] as? Int == 200, "\(result)")
        #expect(records.first?["hangupSide"] as? String == "callee", "\(records)")
    }

    /// A phone offering SDES-SRTP (RTP/SAVP with a=crypto) is refused with a 488 that says why, not
    /// taken for a browser; the refusal leaves a CDR carrying the same status and reason.
    @Test func sdesOfferIsRefusedWithAReason() async throws {
        let (sipp, _, records) = try await fromPBX("sdes_offer")
        #expect(sipp.first?.status == 0, "488 with a reason naming SDES: \(sipp)")
        #expect(records.count == 1 && records.first?["status"] as? Int == 488
                && (records.first?["reason"] as? String)?.contains("SDES") == true, "\(records)")
    }

    /// In-band DTMF detected for real: a PBX whose DTMF is in-band plays the tones 1 2 3 # in its
    /// audio toward a phone whose trunk takes DTMF by SIP INFO; the gateway hears the digits (spandsp)
    /// and sends them as INFO, in order (sipp `info_dtmf.xml` checks each).
    @Test func inBandDigitsFromAPBXArriveAsSIPINFO() async throws {
        let (sipp, _, records) = try await fromPBX("inband_dtmf_caller", service: "2001", pbxDTMF: .inband, echo: false, phone: "info_dtmf")
        #expect(sipp.first?.status == 0, "the PBX's call went through and its BYE was answered: \(sipp)")
        #expect(sipp.last?.status == 0, "the phone got INFO 1 2 3 # in order: \(sipp)")
        #expect(records.first?["route"] as? String == "to-phone", "\(records)")
    }

    /// However a PBX sends digits (tones in its audio, detected with spandsp, or SIP INFO), they reach
    /// a browser callee as RFC 4733 events on the payload type it answered (aiortc reads them).
    @Test(arguments: [("inband_dtmf_caller", GatewayConfig.Trunk.DTMFMode.inband, "123#"), ("info_dtmf_caller", .info, "45*")])
    func digitsFromAPBXReachABrowserAsEvents(scenario: String, pbxDTMF: GatewayConfig.Trunk.DTMFMode, digits: String) async throws {
        let (sipp, callee, _) = try await fromPBX(scenario, service: "bob", pbxDTMF: pbxDTMF, echo: false, callee: ["8", "1000", "wait"])
        #expect(sipp.first?.status == 0, "the PBX's call went through and its BYE was answered: \(sipp)")
        #expect(callee["digits"] as? String == digits, "the PBX's \(pbxDTMF) digits arrived as telephone-events: \(callee)")
        #expect(callee["hangup"] as? String == "remote", "\(callee)")
    }
}

/// A browser registered as bob for a call (webrtc_sip_callee.py arguments after its URL, domain and
/// user), and what it reported.
final class Callee {
    let arguments: [String]
    var result: [String: Any] = [:]
    init(_ arguments: [String]) { self.arguments = arguments }
}

/// sipp exit codes and output, carried back from the waiting thread.
struct LoopTransferExits: @unchecked Sendable {
    let value: [(Int32?, String)]
    init(_ value: [(Int32?, String)]) { self.value = value }
}
