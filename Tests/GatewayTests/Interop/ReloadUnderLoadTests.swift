import Foundation
import Testing
import TestSupport

/// `tandem run` carrying a stream of sipp calls while its dialplan is edited under it: broken
/// edits (refused by `tandem reload` with file:line:column, and by SIGHUP) and good ones that
/// rename the route. No call fails or goes unrecorded, and calls set up after a good reload are
/// routed by the new plan.
@Suite(.serialized) struct ReloadUnderLoadTests {
    static func plan(route: String) -> String {
        """
        <dialplan>
          <context name="from-browser"><route name="none"><reject code="404"/></route></context>
          <context name="from-trunk">
            <route name="\(route)"><match field="destination" pattern="^600$"/><answer/><echo/></route>
          </context>
        </dialplan>

        """
    }
    /// The same plan with an element left open on line 4: refused at 4 or later.
    static let broken = plan(route: "broken").replacingOccurrences(of: "<answer/>", with: "<answer>")

    @Test func reloadsGoodAndBrokenWhileCallsFlowLoseNoCall() throws {
        let dir = NSTemporaryDirectory() + "tandem-reload-load-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/dialplans", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let planFile = dir + "/dialplans/plan.xml"
        try Self.plan(route: "echo-0").write(toFile: planFile, atomically: true, encoding: .utf8)
        let (sipPort, httpPort, phonePort) = (freePort(udp: true), freePort(udp: false), freePort(udp: true))
        let config = dir + "/t.yaml"
        try """
        listen: {sip_udp: 127.0.0.1:\(sipPort), sip_tcp: off, sip_tls: off, http: 127.0.0.1:\(httpPort), https: off}
        certs: \(dir)/certs
        dialplans: \(dir)/dialplans
        cdr: \(dir)/cdr.jsonl
        admin: {token: reload-token-0123456789}
        users: [{name: alice, password: a}]
        trunks: [{name: pbx, address: 127.0.0.1:\(phonePort)}]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let tandem = try ChildProcess(tandemBinary, ["run", "--config", config])
        defer { tandem.stop() }
        #expect(tandem.waitFor { $0.contains("ready") }, "\(tandem.text)")

        // 80 calls of 1.5 s each, 16 new per second: about 24 up at any moment while the plan changes.
        let calls = 80
        let phone = try ChildProcess("/usr/bin/sipp", [
            "127.0.0.1:\(sipPort)", "-sn", "uac", "-d", "1500", "-s", "600", "-r", "16", "-m", "\(calls)", "-l", "40",
            "-i", "127.0.0.1", "-p", "\(phonePort)", "-mi", "127.0.0.1", "-mp", "\(freePort(udp: true))",
            "-nostdin", "-timeout", "60s", "-timeout_error"], directory: dir)
        defer { phone.stop() }

        func reload() throws -> (Int32?, String) {
            let command = try ChildProcess(tandemBinary, ["reload", "--config", config])
            defer { command.stop() }
            let status = command.waitForExit(timeout: 20)
            return (status, command.text)
        }
        for round in 1...4 {
            try Self.broken.write(toFile: planFile, atomically: true, encoding: .utf8)
            let (status, output) = try reload()
            #expect(status == 1 && output.contains("plan.xml:"), "a broken plan is refused with its position: \(output)")
            try Self.plan(route: "echo-\(round)").write(toFile: planFile, atomically: true, encoding: .utf8)
            if round.isMultiple(of: 2) {
                let (status, output) = try reload()
                #expect(status == 0 && output.contains(#""reloaded":true"#), "\(output)")
            } else {
                let seen = tandem.text.components(separatedBy: "dialplan reloaded").count
                kill(tandem.pid, SIGHUP)
                #expect(tandem.waitFor { $0.components(separatedBy: "dialplan reloaded").count > seen }, "\(tandem.text.suffix(2000))")
            }
        }
        #expect(phone.waitForExit(timeout: 60) == 0, "every call succeeded: \(phone.text.suffix(2000))")
        #expect(tandem.text.contains("dialplan refused, the previous plan keeps serving"))

        kill(tandem.pid, SIGTERM)
        #expect(tandem.waitForExit() == 0, "\(tandem.text.suffix(2000))")
        let lines = (try? String(contentsOfFile: dir + "/cdr.jsonl", encoding: .utf8))?.split(separator: "\n") ?? []
        let records = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(records.count == calls, "one record per call: \(records.count)")
        #expect(records.allSatisfy { $0["status"] as? Int == 200 }, "\(records.filter { $0["status"] as? Int != 200 })")
        let routes = Set(records.compactMap { $0["route"] as? String })
        #expect(!routes.contains("broken"), "a refused plan never routed a call: \(routes)")
        #expect(!routes.subtracting(["echo-0"]).isEmpty, "calls after a good reload took the new plan: \(routes)")
    }
}
