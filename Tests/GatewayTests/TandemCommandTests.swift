import Foundation
import SIPStack
import Testing
import TestSupport

/// The `tandem` executable as an operator runs it.
@Suite(.serialized) struct TandemCommandTests {
    func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "tandem-cmd-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func runListensLogsAndStopsOnSIGTERM() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        listen:
          sip_udp: 127.0.0.1:0
          sip_tcp: 127.0.0.1:0
          sip_tls: 127.0.0.1:0
          http: 127.0.0.1:0
          https: 127.0.0.1:0
        certs: \(dir)/certs
        dialplans: \(repositoryRoot)/dialplans
        users:
          - {name: alice, password: a}
          - {name: bob, password: b}
        """.write(toFile: dir + "/t.yaml", atomically: true, encoding: .utf8)
        let tandem = try ChildProcess(tandemBinary, ["run", "--config", dir + "/t.yaml"])
        defer { tandem.stop() }
        #expect(tandem.waitFor { $0.contains("ready") }, "output: \(tandem.text)")
        for listener in ["sip-udp", "sip-tcp", "sip-tls", "http+ws", "https+wss"] {
            #expect(tandem.text.contains("listener=\(listener)"))
        }
        #expect(tandem.text.contains("sha-256="))
        kill(tandem.pid, SIGTERM)
        #expect(tandem.waitForExit() == 0)
        #expect(tandem.text.contains("stopping"))
    }

    @Test func badConfigExitsWithFileLineAndKey() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "realm: x\nmedia:\n  rtp_port: 1-2\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let tandem = try ChildProcess(tandemBinary, ["run", "--config", dir + "/bad.yaml"])
        defer { tandem.stop() }
        #expect(tandem.waitForExit() == 2)
        #expect(tandem.text.contains("bad.yaml:3: media.rtp_port: unknown key"), "output: \(tandem.text)")
    }

    @Test func dialplanCheckTakesAFileOrAFolder() throws {
        for path in [repositoryRoot + "/dialplans/default.xml", repositoryRoot + "/dialplans"] {
            let check = try ChildProcess(tandemBinary, ["dialplan", "check", path])
            defer { check.stop() }
            #expect(check.waitForExit() == 0, "\(check.text)")
            #expect(check.text.contains("1 file, 2 contexts"), "\(check.text)")
        }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "<dialplan>\n  <context name=\"c\"><route name=\"r\"><match field=\"destination\" pattern=\"^(\\d)\\1$\"/><echo/></route></context>\n</dialplan>\n"
            .write(toFile: dir + "/bad.xml", atomically: true, encoding: .utf8)
        let bad = try ChildProcess(tandemBinary, ["dialplan", "check", dir + "/bad.xml"])
        defer { bad.stop() }
        #expect(bad.waitForExit() == 1)
        #expect(bad.text.contains("bad.xml:2:") && bad.text.contains("backreferences"), "\(bad.text)")
        let missing = try ChildProcess(tandemBinary, ["dialplan", "check", dir + "/none.xml"])
        defer { missing.stop() }
        #expect(missing.waitForExit() == 1)
        #expect(missing.text.contains("none.xml:0: cannot read") && missing.text.contains("no such file") && !missing.text.contains("NSCocoa"),
                "\(missing.text)")
    }

    @Test func certsGeneratePrintsFingerprints() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gen = try ChildProcess(tandemBinary, ["certs", "generate", "--dir", dir + "/certs"])
        defer { gen.stop() }
        #expect(gen.waitForExit() == 0)
        let lines = gen.text.split(separator: "\n")
        #expect(lines.filter { $0.contains("created") }.count == 2)
        let fingerprints = lines.filter { $0.contains("sha-256 ") }
        #expect(fingerprints.count == 2)
        #expect(fingerprints.allSatisfy { $0.split(separator: " ").last?.count == 95 })
        for key in ["tls.key", "dtls.key"] {
            let mode = try FileManager.default.attributesOfItem(atPath: "\(dir)/certs/\(key)")[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
        }
    }

    /// `tandem token` mints what the gateway takes: it verifies against the config's secret, for the
    /// user asked, expiring after the ttl; unknown users and a config without a secret are refused.
    @Test func tokenPrintsABearerTokenForAConfiguredUser() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "token_secret: s3cret\nusers:\n  - name: alice\n    password: a\n".write(toFile: dir + "/t.yaml", atomically: true, encoding: .utf8)
        try "users:\n  - name: alice\n    password: a\n".write(toFile: dir + "/nosecret.yaml", atomically: true, encoding: .utf8)
        let minted = try ChildProcess(tandemBinary, ["token", "--config", dir + "/t.yaml", "--user", "alice", "--ttl", "2h"])
        defer { minted.stop() }
        #expect(minted.waitForExit() == 0)
        let text = minted.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard case .success(let token) = BearerToken.verify(text, secret: "s3cret", now: Date()) else {
            Issue.record("not a token of this secret: \(text)")
            return
        }
        #expect(token.user == "alice" && abs(token.expiry - Int(Date().timeIntervalSince1970) - 7200) < 60)
        for (arguments, why) in [(["--config", dir + "/t.yaml", "--user", "mallory"], "no user 'mallory'"),
                                 (["--config", dir + "/nosecret.yaml", "--user", "alice"], "token_secret"),
                                 (["--config", dir + "/t.yaml", "--user", "alice", "--ttl", "soon"], "not a duration")] {
            let refused = try ChildProcess(tandemBinary, ["token"] + arguments)
            defer { refused.stop() }
            #expect(refused.waitForExit() == 2 && refused.text.contains(why), "\(refused.text)")
        }
    }

    @Test func versionPrints() throws {
        let v = try ChildProcess(tandemBinary, ["version"])
        defer { v.stop() }
        #expect(v.waitForExit() == 0)
        #expect(v.text.hasPrefix("tandem "))
    }
}
