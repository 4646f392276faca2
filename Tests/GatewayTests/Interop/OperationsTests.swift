import Foundation
import Gateway
import Testing
import TestSupport

/// The node as an operator runs it: metrics a real Prometheus scrapes, readiness, a drain that lets
/// calls finish and turns new ones away, and call limits, with sipp as the PBX.
@Suite(.serialized) struct OperationsTests {
    static let plan = #"""
    <dialplan>
      <context name="from-browser"><route name="none"><reject code="404"/></route></context>
      <context name="from-trunk">
        <route name="echo"><match field="destination" pattern="^600$"/><answer/><echo/></route>
      </context>
    </dialplan>
    """#
    static let token = "operator-token-0123456789"

    /// A gateway whose trunks "pbx1" and "pbx2" are the sipp ports returned with it (without
    /// `trunks`, the ports are plain sources).
    func gateway(trunks: Bool = true, _ configure: @escaping (inout GatewayConfig) -> Void = { _ in }) async throws -> (TestGateway, [Int]) {
        let ports = [freePort(udp: true), freePort(udp: true)]
        let trunks = !trunks ? [] : ports.enumerated().map { GatewayConfig.Trunk(name: "pbx\($0.offset + 1)", address: "127.0.0.1:\($0.element)") }
        let gateway = TestGateway(dialplans: try TestGateway.dialplan(Self.plan), trunks: trunks) { config in
            config.admin.token = Self.token
            configure(&config)
        }
        try await gateway.start()
        return (gateway, ports)
    }

    /// sipp on `port` calling 600 with its built-in uac scenario (the call lasts `ms`), or running `scenario`.
    func sipp(_ gateway: TestGateway, port: Int, scenario: String? = nil, ms: Int = 500) throws -> ChildProcess {
        let script = scenario.map { ["-sf", repositoryRoot + "/Tests/Interop/sipp/\($0).xml"] } ?? ["-sn", "uac", "-d", "\(ms)"]
        return try ChildProcess("/usr/bin/sipp", script + [
            "127.0.0.1:\(gateway.sipPort)", "-s", "600", "-i", "127.0.0.1", "-p", "\(port)", "-mi", "127.0.0.1",
            "-mp", "\(freePort(udp: true))", "-m", "1", "-nostdin", "-timeout", "30s", "-timeout_error"],
            directory: gateway.directory)
    }

    /// Waits off the cooperative pool for a peer to exit; nil when it is still running after 20 s.
    func exit(_ process: ChildProcess) async -> Int32? {
        await offPool { process.waitForExit(timeout: 20) }
    }

    func url(_ gateway: TestGateway, _ path: String) -> String {
        "http://127.0.0.1:\(gateway.server.boundAddresses["http+ws"]?.port ?? 0)\(path)"
    }

    /// Polls /metrics until a line starts with `series` and ends with `value`; bounded.
    func waitForSeries(_ gateway: TestGateway, _ series: String, _ value: String, timeout: Duration = .seconds(15)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let text = await httpRequest(url(gateway, "/metrics"))?.body,
               text.split(separator: "\n").contains(where: { $0.hasPrefix(series + " ") && $0.hasSuffix(" " + value) }) { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test func metricsPassPromtoolAndAPrometheusServerScrapesThem() async throws {
        let (gateway, ports) = try await gateway()
        let phone = try sipp(gateway, port: ports[0])
        defer { phone.stop() }
        #expect(await exit(phone) == 0, "sipp: \(phone.text.suffix(1500))")
        #expect(await waitForSeries(gateway, #"tandem_calls_total{result="answered"}"#, "1"))

        let text = try #require(await httpRequest(url(gateway, "/metrics"))).body
        for series in [#"tandem_sip_requests_total{direction="in",method="INVITE",transport="udp"} 1"#,
                       #"tandem_sip_responses_total{direction="out",method="INVITE",transport="udp",status_class="2xx"}"#,
                       "tandem_call_setup_seconds_count 1", "tandem_process_resident_memory_bytes",
                       #"tandem_media_packets_dropped_total{leg="rtp",reason="not_rtp"} 0"#] {
            #expect(text.contains(series), "\(series) in:\n\(text.prefix(3000))")
        }
        let metricsFile = gateway.directory + "/metrics.txt"
        try text.write(toFile: metricsFile, atomically: true, encoding: .utf8)
        let promtool = try ChildProcess("/bin/sh", ["-c", "promtool check metrics < \(metricsFile)"])
        defer { promtool.stop() }
        #expect(await exit(promtool) == 0, "promtool: \(promtool.text)")

        // A real Prometheus server scrapes the node every second; the series come back by its query API.
        let webPort = freePort(udp: false)
        let httpPort = gateway.server.boundAddresses["http+ws"]?.port ?? 0
        try """
        global: {scrape_interval: 1s, scrape_timeout: 1s}
        scrape_configs:
          - job_name: tandem
            static_configs: [{targets: ["127.0.0.1:\(httpPort)"]}]
        """.write(toFile: gateway.directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let prometheus = try ChildProcess("/usr/bin/prometheus", [
            "--config.file=\(gateway.directory)/prometheus.yml", "--storage.tsdb.path=\(gateway.directory)/tsdb",
            "--web.listen-address=127.0.0.1:\(webPort)"], directory: gateway.directory)
        defer { prometheus.stop() }
        let query = "http://127.0.0.1:\(webPort)/api/v1/query?query="
        var answered: String?
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, answered == nil {
            if let body = await httpRequest(query + "tandem_calls_total%7Bresult%3D%22answered%22%7D")?.body,
               let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
               let result = (json["data"] as? [String: Any])?["result"] as? [[String: Any]],
               let value = result.first?["value"] as? [Any] {
                answered = value.last as? String
            } else {
                try await Task.sleep(for: .milliseconds(250))
            }
        }
        #expect(answered == "1", "prometheus: \(prometheus.text.suffix(2000))")
        let up = await httpRequest(query + "up%7Bjob%3D%22tandem%22%7D")?.body ?? ""
        #expect(up.contains(#""value":["#) && up.contains(#""1"]"#), "scrape target up: \(up)")
        await gateway.stop()
    }

    @Test func drainLetsTheCallInProgressFinishAndRefusesNewOnes() async throws {
        let (gateway, ports) = try await gateway()
        let drained = Flag()
        gateway.server.onDrained = { drained.set() }
        #expect(await httpRequest(url(gateway, "/ready"))?.status == 200)
        let phone = try sipp(gateway, port: ports[0], ms: 3000)
        defer { phone.stop() }
        #expect(await waitForSeries(gateway, #"tandem_calls_active{kind="app"}"#, "1.0"))

        #expect(await httpRequest(url(gateway, "/admin/drain"), method: "POST")?.status == 401, "no token, no drain")
        let drain = await httpRequest(url(gateway, "/admin/drain"), method: "POST", headers: ["Authorization": "Bearer \(Self.token)"])
        #expect(drain?.status == 202 && drain?.body.contains(#""calls":1"#) == true, "\(String(describing: drain))")
        let ready = await httpRequest(url(gateway, "/ready"))
        #expect(ready?.status == 503 && ready?.body.contains("draining") == true, "\(String(describing: ready))")

        // While the first call goes on, a new INVITE and a dispatcher's OPTIONS both get 503.
        let refused = try sipp(gateway, port: ports[1], scenario: "invite_refused")
        defer { refused.stop() }
        #expect(await exit(refused) == 0, "sipp: \(refused.text.suffix(1500))")
        let options = try sipp(gateway, port: ports[1], scenario: "options_refused")
        defer { options.stop() }
        #expect(await exit(options) == 0, "sipp: \(options.text.suffix(1500))")
        #expect(!drained.isSet, "the call in progress holds the drain")

        #expect(await exit(phone) == 0, "the call finished as the caller meant: \(phone.text.suffix(1500))")
        #expect(await drained.wait(timeout: .seconds(10)))
        let records = gateway.records()
        #expect(records.contains { $0["status"] as? Int == 200 && $0["answer"] != nil }, "\(records)")
        #expect(records.contains { $0["status"] as? Int == 503 && ($0["reason"] as? String)?.contains("draining") == true }, "\(records)")
        await gateway.stop()
    }

    @Test func drainTimeoutEndsTheCallsLeftWithAReason() async throws {
        let (gateway, ports) = try await gateway { $0.admin.drainTimeoutSeconds = 1 }
        let drained = Flag()
        gateway.server.onDrained = { drained.set() }
        let phone = try sipp(gateway, port: ports[0], ms: 20000)
        defer { phone.stop() }
        #expect(await waitForSeries(gateway, #"tandem_calls_active{kind="app"}"#, "1.0"))
        gateway.server.startDrain()
        #expect(await drained.wait(timeout: .seconds(10)))
        let records = gateway.records()
        #expect(records.first?["reason"] as? String == "Node drained" && records.first?["hangupSide"] as? String == "gateway", "\(records)")
        await gateway.stop()
    }

    @Test func maxCallsRefusesTheCallOverTheLimitWithARecord() async throws {
        let (gateway, ports) = try await gateway { $0.limits.maxCalls = 1 }
        let phone = try sipp(gateway, port: ports[0], ms: 3000)
        defer { phone.stop() }
        #expect(await waitForSeries(gateway, #"tandem_calls_active{kind="app"}"#, "1.0"))
        // The admin API shows the call up, behind the token.
        let bearer = ["Authorization": "Bearer \(Self.token)"]
        #expect(await httpRequest(url(gateway, "/admin/api/calls"))?.status == 401)
        let listing = try #require(await httpRequest(url(gateway, "/admin/api/calls"), headers: bearer))
        let calls = (try? JSONSerialization.jsonObject(with: Data(listing.body.utf8)) as? [String: Any])?["calls"] as? [[String: Any]]
        #expect(calls?.count == 1 && calls?.first?["callee"] as? String == "600" && calls?.first?["route"] as? String == "echo",
                "\(listing.body)")
        #expect((calls?.first?["legs"] as? [[String: Any]])?.first?["codec"] as? String == "PCMU", "\(listing.body)")
        let trunks = try #require(await httpRequest(url(gateway, "/admin/api/trunks"), headers: bearer)).body
        #expect(trunks.contains(#""name":"pbx1""#) && trunks.contains(#""name":"pbx2""#), "\(trunks)")
        let refused = try sipp(gateway, port: ports[1], scenario: "invite_refused")
        defer { refused.stop() }
        #expect(await exit(refused) == 0, "sipp: \(refused.text.suffix(1500))")
        #expect(await waitForSeries(gateway, #"tandem_admission_refusals_total{reason="max_calls"}"#, "1"))
        #expect(await exit(phone) == 0, "the call already up is untouched: \(phone.text.suffix(1500))")
        await gateway.stop()
        let records = gateway.records()
        #expect(records.contains { $0["status"] as? Int == 503 && ($0["reason"] as? String)?.contains("max_calls") == true }, "\(records)")
    }
}

extension OperationsTests {
    @Test func theAdminPageShowsTheCallInProgressInChromium() async throws {
        let (gateway, ports) = try await gateway()
        let phone = try sipp(gateway, port: ports[0], ms: 15000)
        defer { phone.stop() }
        #expect(await waitForSeries(gateway, #"tandem_calls_active{kind="app"}"#, "1.0"))
        let artifacts = repositoryRoot + "/.build/test-artifacts"
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let shot = artifacts + "/admin-page.png"
        try? FileManager.default.removeItem(atPath: shot)
        let page = try PeerProcess(pythonBinary, [repositoryRoot + "/Tests/Interop/chromium_admin.py",
                                                  url(gateway, "/admin#token=\(Self.token)"), "600", shot])
        defer { page.stop() }
        let shown = await offPool { LoopTransferJSON(page.readJSON(timeout: 40)) }.value ?? ["error": page.stderr.suffix(2000)]
        let calls = shown["calls"] as? [[String]] ?? []
        #expect(calls.count == 1 && calls.first?[1] == "600" && calls.first?[2] == "echo", "\(shown)")
        #expect((shown["trunks"] as? [[String]])?.map(\.first) == ["pbx1", "pbx2"], "\(shown)")
        #expect((shown["charts"] as? [String])?.first?.hasPrefix("calls active: 1") == true, "\(shown)")
        #expect(FileManager.default.fileExists(atPath: shot), "screenshot in the test artifacts")
        await gateway.stop()
    }

    @Test func aTrunkThatAnswersOPTIONSIsReachable() async throws {
        let port = freePort(udp: true)
        let dir = NSTemporaryDirectory()
        let trunk = try ChildProcess("/usr/bin/sipp", [
            "-sf", repositoryRoot + "/Tests/Interop/sipp/options_answer.xml", "-i", "127.0.0.1", "-p", "\(port)", "-m", "1",
            "-nostdin", "-timeout", "30s", "-timeout_error"], directory: dir)
        defer { trunk.stop() }
        var pbx = GatewayConfig.Trunk(name: "pbx", address: "127.0.0.1:\(port)")
        pbx.optionsIntervalSeconds = 1
        let gateway = TestGateway(dialplans: try TestGateway.dialplan(Self.plan), trunks: [pbx])
        try await gateway.start()
        #expect(await waitForSeries(gateway, #"tandem_trunk_reachable{trunk="pbx"}"#, "1.0"))
        #expect(await exit(trunk) == 0, "sipp answered one OPTIONS: \(trunk.text.suffix(1500))")
        await gateway.stop()
    }

    @Test func invitesFromOneSourceOverItsRateGet503() async throws {
        // One token and almost no refill: the first INVITE (challenged, since sipp is no trunk here)
        // takes it; the next from the same address is turned away before any transaction.
        let (gateway, ports) = try await gateway(trunks: false) { ($0.limits.inviteRate, $0.limits.inviteBurst) = (0.001, 1) }
        let first = try sipp(gateway, port: ports[0])
        defer { first.stop() }
        #expect(await exit(first) != 0, "challenged with 407: \(first.text.suffix(800))")
        let limited = try sipp(gateway, port: ports[0], scenario: "invite_refused")
        defer { limited.stop() }
        #expect(await exit(limited) == 0, "503 with Retry-After: \(limited.text.suffix(1500))")
        #expect(await waitForSeries(gateway, #"tandem_admission_refusals_total{reason="invite_rate"}"#, "1"))
        await gateway.stop()
    }
}

/// Set once, from any thread; waited for with a bound.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }

    func wait(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !isSet, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return isSet
    }
}
