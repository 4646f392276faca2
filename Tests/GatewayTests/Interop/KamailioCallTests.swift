import Foundation
import Gateway
import SIPStack
import Testing
import TestSupport

/// Tandem behind a real SIP proxy: Kamailio is the registrar of a baresip phone and of Tandem's trunk
/// (digest as user "gw"); calls cross in both directions through Kamailio, with its Record-Route on
/// the path of every in-dialog request.
@Suite(.serialized) struct KamailioCallTests {
    static let plan = #"""
    <dialplan>
      <context name="from-browser">
        <route name="to-phone">
          <match field="destination" pattern="^phone$"/>
          <bridge timeout="10s"><target trunk="kamailio" user="phone"/></bridge>
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

    /// Kamailio, a baresip phone registered to it, and a gateway whose trunk is registered to it.
    func withProxy(_ body: (TestGateway, PeerProcess, KamailioProcess) async throws -> Void) async throws {
        let kamailio = try KamailioProcess(config: "proxy.cfg")
        defer { kamailio.stop() }
        let work = NSTemporaryDirectory() + "baresip-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: work) }
        let phone = try PeerProcess(pythonBinary, [repositoryRoot + "/Tests/Interop/baresip_phone.py", work, "440", "PCMU",
                                                   "127.0.0.1:\(kamailio.port)"])
        defer { phone.stop() }
        // baresip registers as it starts, before its control socket can report it: ask Kamailio instead.
        var locations = ""
        for _ in 0..<100 where !locations.contains("AoR: phone") {
            locations = (try? kamailio.locations()) ?? ""
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(locations.contains("AoR: phone"), "baresip did not register: \(phone.stderr.suffix(1500)) \(kamailio.process.text.suffix(1500))")
        var trunk = GatewayConfig.Trunk(name: "kamailio", address: "127.0.0.1:\(kamailio.port)")
        trunk.register = true
        trunk.username = "gw"
        trunk.password = "gwpass"
        trunk.codecs = ["PCMU"]
        let gateway = TestGateway(dialplans: try TestGateway.dialplan(Self.plan), trunks: [trunk])
        try await gateway.start()
        var state: RegistrationClient.State?
        for _ in 0..<100 {
            state = await gateway.server.trunkRegistrations()["kamailio"]
            if case .registered = state { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard case .registered = state else {
            await gateway.stop()
            Issue.record("trunk not registered: \(String(describing: state)) \(kamailio.process.text.suffix(1500))")
            return
        }
        do {
            try await body(gateway, phone, kamailio)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    @Test func phoneThroughKamailioCallsABrowserUser() async throws {
        try await withProxy { gateway, phone, kamailio in
            let callee = try BridgeCallTests.browser("webrtc_sip_callee.py", [gateway.webSocketURL, "tandem", "alice", "wonderland", "2",
                                                                              "1000", "hangup"])
            defer { callee.stop() }
            #expect(await BridgeCallTests.line(callee, "registered")["status"] as? Int == 200)
            try phone.writeJSON(["cmd": "dial", "uri": "sip:alice@127.0.0.1:\(kamailio.port)"])
            let result = await BridgeCallTests.line(callee, "result")
            #expect(abs((result["frequency"] as? Double ?? 0) - 440) < 15, "browser heard \(result)")
            #expect(result["bye"] as? Int == 200, "the browser's BYE went through Kamailio's route: \(result)")
            #expect(await BridgeCallTests.event(phone, "CALL_CLOSED") != nil)
            let heard = try await BridgeCallTests.analysis(phone)
            #expect(abs((heard["frequency"] as? Double ?? 0) - 1000) < 15, "phone heard \(heard)")
        }
    }

    @Test func browserCallsAPhoneRegisteredAtKamailio() async throws {
        try await withProxy { gateway, phone, _ in
            let caller = try BridgeCallTests.browser("webrtc_sip_caller.py", [gateway.webSocketURL, "tandem", "alice", "wonderland", "phone",
                                                                              "2", "1000"])
            defer { caller.stop() }
            let result = await BridgeCallTests.line(caller, "result")
            #expect(result["status"] as? Int == 200 && result["bye"] as? Int == 200, "\(result)")
            #expect(abs((result["frequency"] as? Double ?? 0) - 440) < 15, "browser heard \(result)")
            #expect(await BridgeCallTests.event(phone, "CALL_CLOSED") != nil, "BYE reached the phone through Kamailio")
            let heard = try await BridgeCallTests.analysis(phone)
            #expect(abs((heard["frequency"] as? Double ?? 0) - 1000) < 15, "phone heard \(heard)")
        }
    }
}
