import Foundation
import Gateway
import Testing
import TestSupport

/// Tandem is no open relay: an INVITE from an address that is no trunk, without credentials or with
/// a user that does not exist, is challenged (407) and never routed; the trunk it would reach (a
/// sipp phone logging every message) hears nothing. The intruder speaks from 127.0.0.2, so it cannot
/// pass for the trunk on 127.0.0.1.
@Suite(.serialized) struct OpenRelayTests {
    static let plan = #"""
    <dialplan>
      <context name="from-browser">
        <route name="pbx"><match field="destination" pattern="^2001$"/><bridge><target trunk="pbx" user="2001"/></bridge></route>
      </context>
      <context name="from-trunk"><route name="none"><reject code="404"/></route></context>
    </dialplan>
    """#

    @Test func anUnauthenticatedInviteToATrunkNumberIsChallengedAndNeverDialled() async throws {
        let dir = NSTemporaryDirectory() + "open-relay-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trunkPort = freePort(udp: true)
        let trunk = try ChildProcess("/usr/bin/sipp", [
            "-sf", repositoryRoot + "/Tests/Interop/sipp/answer.xml", "-i", "127.0.0.1", "-p", "\(trunkPort)",
            "-mi", "127.0.0.1", "-mp", "\(freePort(udp: true))", "-m", "1", "-nostdin", "-trace_msg"], directory: dir)
        defer { trunk.stop() }
        let gateway = TestGateway(dialplans: try TestGateway.dialplan(Self.plan),
                                  trunks: [GatewayConfig.Trunk(name: "pbx", address: "127.0.0.1:\(trunkPort)")])
        try await gateway.start()

        let intruder = try ChildProcess("/usr/bin/sipp", [
            "-sf", repositoryRoot + "/Tests/Interop/sipp/unauthenticated_invite.xml", "127.0.0.1:\(gateway.sipPort)", "-s", "2001",
            "-i", "127.0.0.2", "-p", "\(freePort(udp: true))", "-mi", "127.0.0.2", "-mp", "\(freePort(udp: true))",
            "-m", "1", "-nostdin", "-timeout", "20s", "-timeout_error", "-trace_err"], directory: dir)
        defer { intruder.stop() }
        let status = await offPool { LoopTransferExits([(intruder.waitForExit(timeout: 30), "")]) }.value.first?.0
        await gateway.stop()
        let errors = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix("_errors.log") }
            .compactMap { try? String(contentsOfFile: dir + "/" + $0, encoding: .utf8) }.joined()
        #expect(status == 0, "both INVITEs got 407: \(errors.suffix(3000))")
        #expect(trunk.isRunning, "the trunk was up and listening all along: \(trunk.text.suffix(1000))")

        // The 407s were decided before routing; whatever reached the trunk would be in its log by now.
        trunk.stop()
        let logs = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("answer_") && $0.hasSuffix("_messages.log") }
        let heard = logs.compactMap { try? String(contentsOfFile: dir + "/" + $0, encoding: .utf8) }.joined()
        #expect(!heard.contains("INVITE sip:"), "the trunk was dialled:\n\(heard.prefix(2000))")
    }
}
