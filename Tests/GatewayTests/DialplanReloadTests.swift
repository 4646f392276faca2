import Foundation
import Testing
import TestSupport

/// `tandem run` with a dialplan folder that changes under it: a broken edit is refused with its
/// file:line:column and the old plan keeps serving; a good edit is swapped in; SIGHUP reloads too.
@Suite(.serialized) struct DialplanReloadTests {
    @Test func brokenEditIsRefusedAndGoodEditIsLoadedOnSIGHUP() throws {
        let dir = NSTemporaryDirectory() + "tandem-reload-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/dialplans", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plan = dir + "/dialplans/default.xml"
        try FileManager.default.copyItem(atPath: repositoryRoot + "/dialplans/default.xml", toPath: plan)
        try """
        listen: {sip_udp: 127.0.0.1:0, sip_tcp: off, sip_tls: off, http: off, https: off}
        certs: \(dir)/certs
        dialplans: \(dir)/dialplans
        users:
          - {name: alice, password: a}
          - {name: bob, password: b}
        """.write(toFile: dir + "/t.yaml", atomically: true, encoding: .utf8)
        let tandem = try ChildProcess(tandemBinary, ["run", "--config", dir + "/t.yaml"])
        defer { tandem.stop() }
        #expect(tandem.waitFor { $0.contains("ready") }, "\(tandem.text)")

        let good = try String(contentsOfFile: plan, encoding: .utf8)
        // An unclosed element: refused, with its position, and the old plan keeps serving.
        try good.replacingOccurrences(of: "<dialplan timezone=\"UTC\">", with: "<dialplan timezone=\"UTC\"><context name=\"x\">")
            .write(toFile: plan, atomically: true, encoding: .utf8)
        kill(tandem.pid, SIGHUP)
        #expect(tandem.waitFor { $0.contains("dialplan refused, the previous plan keeps serving") }, "\(tandem.text)")
        #expect(tandem.text.contains("default.xml:"), "the error names the file and line")

        try good.write(toFile: plan, atomically: true, encoding: .utf8)
        kill(tandem.pid, SIGHUP)
        #expect(tandem.waitFor { $0.contains("dialplan reloaded") }, "\(tandem.text)")
        kill(tandem.pid, SIGTERM)
        #expect(tandem.waitForExit() == 0)
    }
}
