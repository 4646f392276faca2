import RTP
import Testing
@testable import WebRTC

/// A browser's side of a leg, made of the same pieces: it sends ICE checks and runs DTLS as client.
final class FakeBrowser {
    let ufrag = "brws"
    let password = "browserpasswordbrowser12"
    let identity: DTLSIdentity
    let address = TransportAddress(ipv4: 127, 0, 0, 1, port: 40_000)
    var dtls: DTLSEndpoint!

    init() throws {
        identity = try DTLSIdentity.generate()
    }

    func check(to agent: ICELiteAgent, useCandidate: Bool = true, password: String? = nil, controlled: Bool = false) -> [UInt8] {
        var b = STUNMessageBuilder(type: .bindingRequest, transactionID: .random())
        b.addUsername("\(agent.localUfrag):\(ufrag)")
        b.addPriority(0x6e00_01ff)
        if controlled { b.addICEControlled(1) } else { b.addICEControlling(42) }
        if useCandidate { b.addUseCandidate() }
        b.addMessageIntegrity(key: Array((password ?? agent.localPassword).utf8))
        b.addFingerprint()
        return b.bytes
    }
}

/// Collects what a transport sends and reports.
final class Wire {
    var sent: [([UInt8], TransportAddress)] = []
    var events: [WebRTCEvent] = []
}

func makeLeg(browser: FakeBrowser, wire: Wire, role: DTLSEndpoint.Role = .server, firstCheckTimeoutSeconds: UInt64? = nil) throws -> WebRTCTransport {
    let ours = try DTLSIdentity.generate()
    let dtls = try DTLSEndpoint(context: DTLSContext(identity: ours), role: role, expectedFingerprint: browser.identity.fingerprint)
    browser.dtls = try DTLSEndpoint(context: DTLSContext(identity: browser.identity), role: role == .server ? .client : .server,
                                    expectedFingerprint: ours.fingerprint)
    return WebRTCTransport(ice: ICELiteAgent(remoteUfrag: browser.ufrag, firstCheckTimeoutSeconds: firstCheckTimeoutSeconds), dtls: dtls,
                           send: { wire.sent.append((Array($0), $1)) }, onEvent: { wire.events.append($0) })
}

func deliver(_ bytes: [UInt8], to leg: WebRTCTransport, from: TransportAddress, now: UInt64 = 1) -> (WebRTCTransport.Received, [UInt8]) {
    var buffer = bytes + [UInt8](repeating: 0, count: 64)
    let result = buffer.withUnsafeMutableBytes { leg.receive(UnsafeMutableRawBufferPointer(rebasing: $0[0..<bytes.count]), from: from, now: now) }
    return (result, buffer)
}

/// Runs ICE and the DTLS handshake between the leg and the fake browser.
func connect(_ leg: WebRTCTransport, _ browser: FakeBrowser, _ wire: Wire) throws {
    _ = deliver(browser.check(to: leg.ice), to: leg, from: browser.address)
    var toLeg = try browser.dtls.role == .client ? browser.dtls.start() : []
    if browser.dtls.role == .server {
        // Our leg is the client: it spoke when the check arrived.
        let hello = wire.sent.last { $0.0.first == 22 }
        toLeg = try browser.dtls.receive(try #require(hello).0)
    }
    for _ in 0..<6 where leg.state != .connected {
        let before = wire.sent.count
        _ = deliver(toLeg, to: leg, from: browser.address)
        let replies = wire.sent[before...].filter { $0.0.first.map { (20...63).contains($0) } ?? false }
        toLeg = []
        for r in replies { toLeg += try browser.dtls.receive(r.0) }
    }
}

@Suite struct WebRTCTransportTests {
    @Test func validCheckIsAnsweredAndNominates() throws {
        let browser = try FakeBrowser(), wire = Wire()
        let leg = try makeLeg(browser: browser, wire: wire)
        _ = deliver(browser.check(to: leg.ice), to: leg, from: browser.address)
        let (response, to) = try #require(wire.sent.first)
        #expect(to == browser.address)
        try response.withUnsafeBytes { b in
            let m = try STUNMessage(parsing: b)
            #expect(m.messageType == .bindingSuccess)
            #expect(m.xorMappedAddress == browser.address)
            #expect(Array(leg.ice.localPassword.utf8).withUnsafeBytes { m.verifyIntegrity(in: b, key: $0) })
        }
        #expect(wire.events == [.nominated(browser.address)])
        #expect(leg.ice.selected == browser.address)
    }

    @Test func badIntegrityGets401AndNeverLatches() throws {
        let browser = try FakeBrowser(), wire = Wire()
        let leg = try makeLeg(browser: browser, wire: wire)
        _ = deliver(browser.check(to: leg.ice, password: "not-the-password-at-all"), to: leg, from: browser.address)
        let (response, _) = try #require(wire.sent.first)
        try response.withUnsafeBytes { b in
            let m = try STUNMessage(parsing: b)
            #expect(m.messageType == .bindingError)
            #expect(m.errorCode == 401)
        }
        #expect(leg.ice.selected == nil)
        #expect(!leg.ice.isValidated(browser.address))
        #expect(leg.counters.stunUnauthenticated == 1)
        #expect(wire.events.isEmpty)
    }

    @Test func wrongUsernameAndMissingIntegrityAreRefused() throws {
        let browser = try FakeBrowser(), wire = Wire()
        let leg = try makeLeg(browser: browser, wire: wire)
        var b = STUNMessageBuilder(type: .bindingRequest, transactionID: .random())
        b.addUsername("someoneelse:\(browser.ufrag)")
        b.addMessageIntegrity(key: Array(leg.ice.localPassword.utf8))
        b.addFingerprint()
        _ = deliver(b.bytes, to: leg, from: browser.address)
        var bare = STUNMessageBuilder(type: .bindingRequest, transactionID: .random())
        bare.addFingerprint()
        _ = deliver(bare.bytes, to: leg, from: browser.address)
        let codes = try wire.sent.map { s in try s.0.withUnsafeBytes { try STUNMessage(parsing: $0).errorCode } }
        #expect(codes == [401, 400])
        #expect(leg.ice.selected == nil)
    }

    @Test func controlledPeerGetsRoleConflict() throws {
        let browser = try FakeBrowser(), wire = Wire()
        let leg = try makeLeg(browser: browser, wire: wire)
        _ = deliver(browser.check(to: leg.ice, controlled: true), to: leg, from: browser.address)
        let code = try wire.sent.first.map { s in try s.0.withUnsafeBytes { try STUNMessage(parsing: $0).errorCode } }
        #expect(code == 487)
        #expect(leg.ice.selected == nil)
        #expect(leg.counters.stunRoleConflict == 1)
    }

    @Test(arguments: [DTLSEndpoint.Role.server, .client])
    func handshakeKeysSRTPBothWays(role: DTLSEndpoint.Role) throws {
        let browser = try FakeBrowser(), wire = Wire()
        let leg = try makeLeg(browser: browser, wire: wire, role: role)
        try connect(leg, browser, wire)
        #expect(leg.state == .connected)
        #expect(wire.events.contains { if case .connected = $0 { true } else { false } })

        // Browser → leg: SRTP made from the browser's exported keys decrypts in place.
        let (profile, keys) = try browser.dtls.srtpKeys()
        let tx = try SRTPSession(profile: profile, keyAndSalt: keys.localKeyAndSalt, direction: .outbound)
        let rx = try SRTPSession(profile: profile, keyAndSalt: keys.remoteKeyAndSalt, direction: .inbound)
        var packet = SRTPProbe.rtp(sequence: 1)
        let n = try packet.withUnsafeMutableBytes { try tx.protectRTP($0.baseAddress!, length: 172, capacity: $0.count) }
        let protected = Array(packet[0..<n])
        let (got, plain) = deliver(protected, to: leg, from: browser.address)
        #expect(got == .rtp(length: 172))
        #expect(Array(plain[12..<172]) == SRTPProbe.payload)

        // A replay of the same packet is dropped and counted; the leg goes on.
        #expect(deliver(protected, to: leg, from: browser.address).0 == .none)
        #expect(leg.counters.srtpReplayed == 1)

        // Forged: a fresh sequence number with the payload or the tag altered, and one sealed with
        // another key. Each is dropped and counted; the real stream goes on after them.
        var forged = SRTPProbe.rtp(sequence: 2)
        let sealed = try forged.withUnsafeMutableBytes { try tx.protectRTP($0.baseAddress!, length: 172, capacity: $0.count) }
        var flipped = Array(forged[0..<sealed]), tag = flipped
        flipped[40] ^= 0x01
        tag[sealed - 1] ^= 0x80
        let stranger = try SRTPSession(profile: profile, keyAndSalt: [UInt8](repeating: 7, count: keys.localKeyAndSalt.count), direction: .outbound)
        var foreign = SRTPProbe.rtp(sequence: 3)
        let f = try foreign.withUnsafeMutableBytes { try stranger.protectRTP($0.baseAddress!, length: 172, capacity: $0.count) }
        for packet in [flipped, tag, Array(foreign[0..<f])] {
            #expect(deliver(packet, to: leg, from: browser.address).0 == .none)
        }
        #expect(leg.counters.srtpAuthenticationFailed == 3)
        #expect(deliver(Array(forged[0..<sealed]), to: leg, from: browser.address).0 == .rtp(length: 172), "the genuine packet still decrypts")

        // Leg → browser.
        var out = SRTPProbe.rtp(sequence: 9)
        let before = wire.sent.count
        #expect(out.withUnsafeMutableBytes { leg.sendRTP($0, length: 172) })
        var arrived = try #require(wire.sent.last).0
        #expect(wire.sent.count == before + 1)
        let m = try arrived.withUnsafeMutableBytes { try rx.unprotectRTP($0.baseAddress!, length: $0.count) }
        #expect(m == 172)
        #expect(Array(arrived[12..<172]) == SRTPProbe.payload)
    }

    @Test func garbageAndTruncatedPacketsAreCountedAndTheLegKeepsWorking() throws {
        let browser = try FakeBrowser(), wire = Wire()
        let leg = try makeLeg(browser: browser, wire: wire)
        try connect(leg, browser, wire)
        var rng = SystemRandomNumberGenerator()
        var notDTLS = 0
        for i in 0..<500 {
            let length = Int(rng.next(upperBound: UInt32(300)))
            var junk = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if i % 3 == 0, !junk.isEmpty { junk[0] = 0x80 }      // looks like RTP
            if i % 5 == 0, !junk.isEmpty { junk[0] = 0x00 }      // looks like STUN
            if i % 7 == 0, !junk.isEmpty { junk[0] = 23 }        // looks like DTLS application data
            // Junk DTLS records after the handshake are discarded by OpenSSL itself, as RFC 6347 §4.1.2.7 asks.
            // (Fewer than two bytes is nothing at all, whatever the first byte.)
            if junk.count < 2 || !(20...63).contains(junk[0]) { notDTLS += 1 }
            _ = deliver(junk, to: leg, from: browser.address)
        }
        #expect(leg.counters.totalDropped == notDTLS, "\(leg.counters)")
        #expect(leg.counters.rtpReceived == 0)
        #expect(leg.state == .connected)
        // A real packet still gets through.
        let (profile, keys) = try browser.dtls.srtpKeys()
        let tx = try SRTPSession(profile: profile, keyAndSalt: keys.localKeyAndSalt, direction: .outbound)
        var packet = SRTPProbe.rtp(sequence: 77)
        let n = try packet.withUnsafeMutableBytes { try tx.protectRTP($0.baseAddress!, length: 172, capacity: $0.count) }
        #expect(deliver(Array(packet[0..<n]), to: leg, from: browser.address).0 == .rtp(length: 172))
    }

    @Test func noMediaBeforeDTLSAndNoneFromUnvalidatedAddresses() throws {
        let browser = try FakeBrowser(), wire = Wire()
        let leg = try makeLeg(browser: browser, wire: wire)
        var out = SRTPProbe.rtp(sequence: 1)
        #expect(!out.withUnsafeMutableBytes { leg.sendRTP($0, length: 172) })
        #expect(leg.counters.sendsRefused == 1)
        try connect(leg, browser, wire)
        let stranger = TransportAddress(ipv4: 127, 0, 0, 2, port: 1)
        _ = deliver([22, 0xfe, 0xfd, 0, 0], to: leg, from: stranger)
        _ = deliver(SRTPProbe.rtp(sequence: 5), to: leg, from: stranger)
        #expect(leg.counters.fromUnvalidatedAddress == 2)
    }

    @Test func wrongFingerprintFailsTheLeg() throws {
        let browser = try FakeBrowser(), wire = Wire()
        let ours = try DTLSIdentity.generate()
        let dtls = try DTLSEndpoint(context: DTLSContext(identity: ours), role: .server,
                                    expectedFingerprint: try DTLSIdentity.generate().fingerprint)
        browser.dtls = try DTLSEndpoint(context: DTLSContext(identity: browser.identity), role: .client, expectedFingerprint: nil)
        let leg = WebRTCTransport(ice: ICELiteAgent(remoteUfrag: browser.ufrag), dtls: dtls,
                                  send: { wire.sent.append((Array($0), $1)) }, onEvent: { wire.events.append($0) })
        try connect(leg, browser, wire)
        guard case .failed(let reason) = leg.state else {
            Issue.record("leg should fail, is \(leg.state)")
            return
        }
        #expect(reason.contains("fingerprintMismatch"))
        #expect(wire.events.contains { if case .failed = $0 { true } else { false } })
    }

    @Test func consentExpiresWithoutChecks() throws {
        let browser = try FakeBrowser(), wire = Wire()
        let leg = try makeLeg(browser: browser, wire: wire)
        let second: UInt64 = 1_000_000_000
        _ = deliver(browser.check(to: leg.ice), to: leg, from: browser.address, now: 1 * second)
        leg.poll(now: 20 * second)
        _ = deliver(browser.check(to: leg.ice, useCandidate: false), to: leg, from: browser.address, now: 25 * second)
        leg.poll(now: 50 * second)
        #expect(!wire.events.contains { if case .failed = $0 { true } else { false } })
        leg.poll(now: 56 * second)
        #expect(wire.events.last.map { if case .failed(let r) = $0 { r.contains("consent") } else { false } } == true)
    }

    /// A caller that never checks (its page went away before connecting) fails the leg after the
    /// first-check timeout; one check in time keeps it; a callee's leg (no timeout) waits as long as it rings.
    @Test func aCallerThatNeverChecksFailsTheLeg() throws {
        let second: UInt64 = 1_000_000_000
        let browser = try FakeBrowser(), wire = Wire()
        let silent = try makeLeg(browser: browser, wire: wire, firstCheckTimeoutSeconds: 10)
        silent.poll(now: 1 * second)
        silent.poll(now: 10 * second)
        #expect(wire.events.isEmpty)
        silent.poll(now: 12 * second)
        #expect(wire.events.last.map { if case .failed(let r) = $0 { r.contains("no connectivity check within 10 s") } else { false } } == true)

        let checked = Wire(), prompt = try makeLeg(browser: browser, wire: checked, firstCheckTimeoutSeconds: 10)
        prompt.poll(now: 1 * second)
        _ = deliver(browser.check(to: prompt.ice), to: prompt, from: browser.address, now: 5 * second)
        prompt.poll(now: 20 * second)
        #expect(!checked.events.contains { if case .failed = $0 { true } else { false } })

        let ringing = Wire(), callee = try makeLeg(browser: browser, wire: ringing)
        callee.poll(now: 1 * second)
        callee.poll(now: 100 * second)
        #expect(ringing.events.isEmpty)
    }

    @Test func iceRestartSwitchesCredentialsAndKeepsMediaFlowing() throws {
        let browser = try FakeBrowser(), wire = Wire()
        let leg = try makeLeg(browser: browser, wire: wire)
        try connect(leg, browser, wire)
        let oldCheck = browser.check(to: leg.ice)
        let oldPassword = leg.ice.localPassword
        leg.ice.restart(remoteUfrag: "new1")
        #expect(leg.ice.localPassword != oldPassword)
        // The pair stays selected and DTLS/SRTP stay up across the restart (one session per call).
        #expect(leg.ice.selected == browser.address)
        #expect(leg.state == .connected)
        let before = wire.sent.count
        _ = deliver(oldCheck, to: leg, from: browser.address)
        let stale = try wire.sent[before].0.withUnsafeBytes { try STUNMessage(parsing: $0).errorCode }
        #expect(stale == 401)
        // New credentials, from a new address (the browser moved network): accepted and renominated.
        let moved = TransportAddress(host: "::1", port: 40_002)!
        var b = STUNMessageBuilder(type: .bindingRequest, transactionID: .random())
        b.addUsername("\(leg.ice.localUfrag):new1")
        b.addICEControlling(7)
        b.addUseCandidate()
        b.addMessageIntegrity(key: Array(leg.ice.localPassword.utf8))
        b.addFingerprint()
        _ = deliver(b.bytes, to: leg, from: moved)
        #expect(leg.ice.selected == moved)
        #expect(leg.state == .connected)
    }

    @Test func renominationMovesThePair() throws {
        let browser = try FakeBrowser(), wire = Wire()
        let leg = try makeLeg(browser: browser, wire: wire)
        _ = deliver(browser.check(to: leg.ice), to: leg, from: browser.address)
        let moved = TransportAddress(ipv4: 127, 0, 0, 1, port: 40_001)
        _ = deliver(browser.check(to: leg.ice), to: leg, from: moved)
        #expect(leg.ice.selected == moved)
        #expect(wire.events == [.nominated(browser.address), .nominated(moved)])
    }
}

enum SRTPProbe {
    static let payload = (0..<160).map { UInt8(truncatingIfNeeded: $0 * 3) }
    static func rtp(sequence: UInt16) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 172 + SRTPSession.maxTrailerLength)
        bytes.withUnsafeMutableBytes {
            RTPHeader(payloadType: 0, sequenceNumber: sequence, timestamp: UInt32(sequence) * 160, ssrc: 0xabc).write(to: $0)
        }
        bytes.replaceSubrange(12..<172, with: payload)
        return bytes
    }
}
