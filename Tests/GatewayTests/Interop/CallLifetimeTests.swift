import Foundation
@testable import Gateway
import Testing
import TestSupport

/// An ended call is freed with everything it held: phone calls from sipp and a browser call from
/// aiortc, to the echo app, and no `Call` outlives them. (Each once leaked about 15 KB: the call's
/// media kept callbacks that held the call.)
@Suite(.serialized) struct CallLifetimeTests {
    static let plan = #"""
    <dialplan>
      <context name="from-browser"><route name="echo"><match field="destination" pattern="^600$"/><answer/><echo/></route></context>
      <context name="from-trunk"><route name="echo"><match field="destination" pattern="^600$"/><answer/><echo/></route></context>
    </dialplan>
    """#

    @Test func endedCallsLeaveNoCallObjectBehind() async throws {
        let before = Call.alive.load(ordering: .relaxed)
        let port = freePort(udp: true)
        let gateway = TestGateway(dialplans: try TestGateway.dialplan(Self.plan),
                                  trunks: [GatewayConfig.Trunk(name: "pbx", address: "127.0.0.1:\(port)")])
        try await gateway.start()
        let phone = try ChildProcess("/usr/bin/sipp", [
            "127.0.0.1:\(gateway.sipPort)", "-sn", "uac", "-s", "600", "-d", "200", "-r", "10", "-m", "20",
            "-i", "127.0.0.1", "-p", "\(port)", "-mi", "127.0.0.1", "-mp", "\(freePort(udp: true))",
            "-nostdin", "-timeout", "30s", "-timeout_error"], directory: gateway.directory)
        defer { phone.stop() }
        let browser = try PeerProcess(pythonBinary, [repositoryRoot + "/Tests/Interop/webrtc_sip_caller.py", gateway.webSocketURL,
                                                     "tandem", "alice", "wonderland", "600", "1", "1000"])
        defer { browser.stop() }
        let result = await offPool { LoopTransferJSON(browser.readJSON(timeout: 40)) }.value ?? ["error": browser.stderr.suffix(2000)]
        #expect(result["status"] as? Int == 200 && result["bye"] as? Int == 200, "\(result)")
        #expect(await offPool { LoopTransferExits([(phone.waitForExit(timeout: 30), "")]) }.value.first?.0 == 0,
                "sipp: \(phone.text.suffix(1500))")

        // Ended calls close their media off the SIP loop; bounded wait for the last to be freed.
        let deadline = ContinuousClock.now + .seconds(10)
        while Call.alive.load(ordering: .relaxed) > before, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(Call.alive.load(ordering: .relaxed) <= before, "\(Call.alive.load(ordering: .relaxed) - before) calls never freed")
        await gateway.stop()
    }
}
