import Foundation
import Gateway
import SIP
import Testing

@Suite struct ConfigTests {
    func refuse(_ yaml: String) -> ConfigError? {
        do {
            _ = try ConfigLoader.parse(yaml, file: "t.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test func emptyFileGivesDocumentedDefaults() throws {
        let c = try ConfigLoader.parse("", file: "t.yaml")
        #expect(c == GatewayConfig())
        #expect(c.listen.sipUDP == ListenAddress(host: "127.0.0.1", port: 5060))
        #expect(c.listen.http?.port == 8088)
        #expect(c.media.portRange == 20000...29999)
        #expect(c.dialplanDirectory == "dialplans")
    }

    @Test func shippedConfigLoads() throws {
        let root = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let c = try ConfigLoader.load(file: "/" + root + "/tandem.yaml")
        #expect(c.users.map(\.name) == ["alice", "bob"])
    }

    @Test func everyKeyIsRead() throws {
        let c = try ConfigLoader.parse("""
        listen:
          sip_udp: 0.0.0.0:5070
          sip_tcp: off
          sip_tls: "[::1]:5071"
          http: null
          https: 127.0.0.1:9443
        media:
          rtp_ports: 30000-30999
          local_addresses: [10.0.0.5, "fd00::5"]
          public_address: 203.0.113.7
          rtp_timeout: 0
          consent_timeout: 10
        realm: example.org
        token_secret: s3cret
        users:
          - {name: alice, ha1: 0123456789abcdef0123456789abcdef}
          - {name: desk-12, password: p, context: from-desk-phones, dtmf: info}
        trunks:
          - name: pbx
            address: pbx.example.org:5060
            transport: TCP
            username: gw
            password: pw
            register: true
            codecs: [PCMA]
            dtmf: info
            caller_id: "+4930123456"
            caller_name: Tandem Labs
            assert_identity: true
            max_calls: 30
            options_interval: 15
        dialplans: /etc/tandem/dialplans
        certs: /etc/tandem/certs
        log_level: debug
        log_format: json
        limits:
          max_calls: 500
          max_transcoded_calls: 300
          max_media_load: 0.7
          max_calls_per_user: 4
          max_calls_per_trunk: null
          invite_rate: 5
          invite_burst: 10
          register_rate: null
          over_rate: drop
          auth_failures: 3
          auth_failure_window: 120
        admin:
          token: a-long-operator-token
          drain_timeout: 60
        """, file: "t.yaml")
        #expect(c.listen.sipUDP == ListenAddress(host: "0.0.0.0", port: 5070))
        #expect(c.listen.sipTCP == nil)
        #expect(c.listen.sipTLS == ListenAddress(host: "::1", port: 5071))
        #expect(c.listen.http == nil)
        #expect(c.media.portRange == 30000...30999)
        #expect(c.media.localAddresses == ["10.0.0.5", "fd00::5"])
        #expect(c.media.publicAddress == "203.0.113.7")
        #expect(c.media.rtpTimeoutSeconds == 0 && c.media.consentTimeoutSeconds == 10)
        #expect(c.tokenSecret == "s3cret")
        #expect(c.users == [GatewayConfig.User(name: "alice", ha1: "0123456789abcdef0123456789abcdef", password: nil),
                            GatewayConfig.User(name: "desk-12", password: "p", context: "from-desk-phones", dtmf: .info)])
        #expect(c.trunks.first?.transport == .tcp)
        #expect(c.trunks.first?.register == true)
        #expect(c.trunks.first?.dtmf == .info)
        #expect(c.trunks.first?.callerIDNumber == "+4930123456" && c.trunks.first?.callerIDName == "Tandem Labs"
                && c.trunks.first?.assertIdentity == true)
        #expect(c.logLevel == "debug")
        #expect(c.logFormat == .json)
        #expect(c.trunks.first?.maxCalls == 30)
        var limits = GatewayConfig.Limits()
        (limits.maxCalls, limits.maxTranscodedCalls, limits.maxMediaLoad, limits.maxCallsPerUser) = (500, 300, 0.7, 4)
        (limits.inviteRate, limits.inviteBurst, limits.registerRate, limits.overRate) = (5, 10, nil, .drop)
        (limits.authFailures, limits.authFailureWindowSeconds) = (3, 120)
        #expect(c.trunks.first?.optionsIntervalSeconds == 15)
        #expect(c.limits == limits)
        #expect(c.admin.token == "a-long-operator-token" && c.admin.drainTimeoutSeconds == 60)
    }

    @Test func httpAPIOriginsAndICEServers() throws {
        let c = try ConfigLoader.parse("""
        http_api:
          allowed_origins: [https://shop.example]
          ice_servers:
            - url: stun:stun.example.net:3478
            - url: turns:turn.example.net:5349
              username: visitor
              credential: secret
        """, file: "t.yaml")
        #expect(c.httpAPI.allowedOrigins == ["https://shop.example"])
        #expect(c.httpAPI.iceServers == [.init(url: "stun:stun.example.net:3478"),
                                         .init(url: "turns:turn.example.net:5349", username: "visitor", credential: "secret")])
        let scheme = refuse("http_api:\n  ice_servers:\n    - url: https://turn.example.net\n")
        #expect(scheme?.key == "http_api.ice_servers[0].url" && scheme?.line == 3 && scheme?.reason.contains("stun:") == true)
        #expect(refuse("http_api:\n  ice_servers:\n    - username: u\n")?.key == "http_api.ice_servers[0].url")
        #expect(refuse("http_api:\n  origins: []\n")?.reason == "unknown key")
    }

    @Test func turnAndSTUN() throws {
        let c = try ConfigLoader.parse("""
        media:
          stun_server: stun.example.net:3478
        turn:
          servers: [turn:turn.example.net:3478?transport=udp, turns:turn.example.net:5349]
          secret: shared
          ttl: 3600
        """, file: "t.yaml")
        #expect(c.media.stunServer == "stun.example.net:3478")
        #expect(try ConfigLoader.parse("sip:\n  flow_timer: 20\n", file: "t.yaml").sip.flowTimerSeconds == 20)
        #expect(c.turn.servers.count == 2 && c.turn.secret == "shared" && c.turn.ttlSeconds == 3600)
        let now = Date(timeIntervalSince1970: 1_796_700_000)
        let credentials = try #require(c.turn.credentials(for: "alice", now: now))
        // The TURN REST pair coturn's use-auth-secret checks: HMAC-SHA1 over the user name, by Python's hmac.
        #expect(credentials.username == "1796703600:alice" && credentials.credential == "c9YZJ+W4KWfWYCKEawL45vN0r94=")
        #expect(refuse("turn:\n  servers: [turn:x:3478]\n")?.key == "turn.secret")
        #expect(refuse("turn:\n  servers: [stun:x:3478]\n  secret: s\n")?.reason.contains("turn:") == true)
        #expect(refuse("media:\n  stun_server: nowhere\n")?.key == "media.stun_server")
    }

    @Test func limitsAndTheAdminTokenAreChecked() {
        #expect(refuse("limits:\n  max_media_load: 1.5\n")?.key == "limits.max_media_load")
        #expect(refuse("limits:\n  max_calls: 0\n")?.reason == "expected a whole number, 1 or more, or null for no limit")
        #expect(refuse("admin:\n  token: short\n")?.reason == "use at least 16 characters")
    }

    @Test func unknownKeyIsRefusedWithItsLine() {
        let e = refuse("realm: x\nlisten:\n  sip_udp: 127.0.0.1:5060\n  sip_upd: 127.0.0.1:5062\n")
        #expect(e?.line == 4)
        #expect(e?.key == "listen.sip_upd")
        #expect(e?.reason == "unknown key")
        #expect(e?.description == "t.yaml:4: listen.sip_upd: unknown key")
    }

    @Test func wrongTypesAreRefusedWithLineAndKey() {
        let list = refuse("users: alice\n")
        #expect(list?.key == "users" && list?.reason == "expected a list" && list?.line == 1)
        let bool = refuse("trunks:\n  - name: a\n    address: b\n    register: maybe\n")
        #expect(bool?.key == "trunks[0].register" && bool?.line == 4)
        let choice = refuse("trunks:\n  - name: a\n    address: b\n    transport: sctp\n")
        #expect(choice?.reason == "expected one of udp, tcp, tls, got 'sctp'")
        let map = refuse("listen: 5060\n")
        #expect(map?.key == "listen" && map?.reason == "expected a mapping")
    }

    @Test func badValuesAreRefused() {
        #expect(refuse("listen:\n  sip_udp: localhost\n")?.key == "listen.sip_udp")
        #expect(refuse("listen:\n  sip_udp: 1.2.3.4:70000\n")?.reason.contains("host:port") == true)
        #expect(refuse("media:\n  rtp_ports: 30000-20000\n")?.key == "media.rtp_ports")
        #expect(refuse("media:\n  consent_timeout: 0\n")?.reason == "must be at least 1 second")
        #expect(refuse("trunks:\n  - name: a\n    address: b\n    caller_id: anonymous\n")?.key == "trunks[0].caller_id")
        #expect(refuse("users:\n  - password: x\n")?.key == "users[0].name")
        #expect(refuse("users:\n  - name: a\n")?.reason == "give a password, or ha1 and/or ha1_sha256, not both")
        #expect(refuse("users:\n  - name: a\n    ha1: nothex\n")?.key == "users[0].ha1")
        #expect(refuse("users:\n  - name: a\n    ha1_sha256: \(String(repeating: "a", count: 32))\n")?.key == "users[0].ha1_sha256")
        #expect(refuse("digest_algorithms: [MD5, SHA-512]\n")?.reason == "expected MD5 or SHA-256")
        #expect(refuse("digest_algorithms: []\n")?.key == "digest_algorithms")
        #expect(refuse("log_level: loud\n")?.key == "log_level")
        #expect(refuse("trunks:\n  - name: a\n")?.key == "trunks[0].address")
    }

    /// RFC 8760: SHA-256 beside MD5, in the order given; a password gives a user both HA1s.
    @Test func digestAlgorithmsAndSHA256HA1() throws {
        let sha = DigestAlgorithm.sha256.ha1(username: "bob", realm: "tandem", password: "b")
        let c = try ConfigLoader.parse("""
            digest_algorithms: [MD5, SHA-256]
            users:
              - {name: alice, password: wonderland}
              - {name: bob, ha1_sha256: \(sha.uppercased())}
            """, file: "t.yaml")
        #expect(c.digestAlgorithms == [.md5, .sha256])
        #expect(c.users[0].digestHA1(realm: "tandem") == [.md5: DigestAlgorithm.md5.ha1(username: "alice", realm: "tandem", password: "wonderland"),
                                                           .sha256: DigestAlgorithm.sha256.ha1(username: "alice", realm: "tandem", password: "wonderland")])
        #expect(c.users[1].digestHA1(realm: "tandem") == [.sha256: sha])
        #expect(try ConfigLoader.parse("realm: x\n", file: "t.yaml").digestAlgorithms == [.md5])
    }

    @Test func yamlSyntaxErrorHasALine() {
        let e = refuse("listen:\n  sip_udp: [1\nrealm: x\n")
        #expect(e?.line ?? 0 >= 2)
        #expect(e?.reason.hasPrefix("YAML syntax") == true)
        let dup = refuse("realm: a\nrealm: b\n")
        #expect(dup?.reason == "duplicate key")
    }

    @Test func listenAddressForms() {
        #expect(ListenAddress(parsing: "[::1]:5060") == ListenAddress(host: "::1", port: 5060))
        #expect(ListenAddress(parsing: "[::1]5060") == nil)
        #expect(ListenAddress(parsing: "::1:5060") == nil)
        #expect(ListenAddress(parsing: ":5060") == nil)
        #expect(ListenAddress(host: "::1", port: 1).description == "[::1]:1")
    }
}
