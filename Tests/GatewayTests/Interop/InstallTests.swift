import Foundation
import Testing
import TestSupport

/// `make install` into a staging folder: the files land where contrib/tandem.service expects them,
/// systemd accepts the unit, and the installed binary runs on the installed config until SIGTERM
/// drains it and it exits 0.
@Suite(.serialized) struct InstallTests {
    @Test func theInstalledNodeStartsIsReadyAndDrainsOnSIGTERM() async throws {
        let stage = NSTemporaryDirectory() + "tandem-install-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: stage) }
        let make = try ChildProcess("/usr/bin/make", ["-s", "install", "DESTDIR=\(stage)", "TANDEM_BIN=\(tandemBinary)"],
                                    directory: repositoryRoot)
        defer { make.stop() }
        #expect(await offPool { make.waitForExit(timeout: 120) } == 0, "make install: \(make.text.suffix(2000))")
        for path in ["/usr/local/bin/tandem", "/etc/systemd/system/tandem.service", "/etc/tandem/tandem.yaml",
                     "/etc/tandem/dialplans/default.xml", "/usr/local/share/tandem/web/index.html", "/usr/local/share/tandem/web/admin/admin.js", "/usr/local/share/doc/tandem/operations.md"] {
            #expect(FileManager.default.fileExists(atPath: stage + path), "\(path) installed")
        }
        var config = try String(contentsOfFile: stage + "/etc/tandem/tandem.yaml", encoding: .utf8)
        #expect(config.range(of: "@[A-Z_]+@", options: .regularExpression) == nil, "every placeholder filled in: \(config)")

        // systemd reads the unit as it would at boot, with its binary at the staged path.
        let unit = try String(contentsOfFile: stage + "/etc/systemd/system/tandem.service", encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/tandem", with: stage + "/usr/local/bin/tandem")
        try unit.write(toFile: stage + "/tandem.service", atomically: true, encoding: .utf8)
        let verify = try ChildProcess("/usr/bin/systemd-analyze", ["verify", "--man=no", stage + "/tandem.service"])
        defer { verify.stop() }
        #expect(await offPool { verify.waitForExit(timeout: 30) } == 0, "systemd-analyze: \(verify.text)")

        // The installed config, pointed into the stage and onto free loopback ports.
        let sip = freePort(udp: true), http = freePort(udp: false)
        config = config.replacingOccurrences(of: "/etc/tandem", with: stage + "/etc/tandem")
            .replacingOccurrences(of: "/var/", with: stage + "/var/").replacingOccurrences(of: "/usr/local/", with: stage + "/usr/local/")
            .replacingOccurrences(of: "0.0.0.0:5060", with: "127.0.0.1:\(sip)").replacingOccurrences(of: "127.0.0.1:8088", with: "127.0.0.1:\(http)")
            .replacingOccurrences(of: "  sip_tls: 0.0.0.0:5061", with: "  sip_tls: null").replacingOccurrences(of: "  https: 0.0.0.0:8089", with: "  https: null")
            .replacingOccurrences(of: "  sip_tcp: 127.0.0.1:\(sip)", with: "  sip_tcp: null")
        try config.write(toFile: stage + "/run.yaml", atomically: true, encoding: .utf8)
        let node = try ChildProcess(stage + "/usr/local/bin/tandem", ["run", "--config", stage + "/run.yaml"], directory: stage)
        defer { node.stop() }
        var ready: Int?
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline, ready != 200, node.isRunning {
            ready = await httpRequest("http://127.0.0.1:\(http)/ready", timeout: 2)?.status
            if ready != 200 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(ready == 200, "tandem: \(node.text.suffix(2000))")
        kill(node.pid, SIGTERM)
        #expect(await offPool { node.waitForExit(timeout: 20) } == 0, "SIGTERM drains and exits 0: \(node.text.suffix(2000))")
        #expect(node.text.contains(#""msg":"drained""#), "JSON log lines: \(node.text.suffix(2000))")
    }
}
