import Testing
import WebRTC

/// Proves OpenSSL is linked and does DTLS-SRTP: two endpoints in memory complete a DTLS 1.2 handshake
/// with use_srtp, export matching keys, and those keys carry real SRTP.
@Suite struct DTLSTests {
    struct Handshake {
        let client: DTLSEndpoint
        let server: DTLSEndpoint
        let roundTrips: Int
    }

    static func handshake(clientExpects: CertificateFingerprint? = nil, serverExpects: CertificateFingerprint? = nil,
                          clientIdentity: DTLSIdentity? = nil, serverIdentity: DTLSIdentity? = nil,
                          clientProfiles: [SRTPProfile] = [.aeadAes128Gcm, .aes128CmHmacSha1_80]) throws -> Handshake {
        let ci = try clientIdentity ?? DTLSIdentity.generate()
        let si = try serverIdentity ?? DTLSIdentity.generate()
        let client = try DTLSEndpoint(context: DTLSContext(identity: ci, profiles: clientProfiles), role: .client,
                                      expectedFingerprint: clientExpects ?? si.fingerprint)
        let server = try DTLSEndpoint(context: DTLSContext(identity: si), role: .server,
                                      expectedFingerprint: serverExpects ?? ci.fingerprint)
        var toServer = try client.start()
        var trips = 0
        while !(client.isConnected && server.isConnected) && trips < 10 {
            trips += 1
            let toClient = try server.receive(toServer)
            toServer = toClient.isEmpty ? [] : try client.receive(toClient)
        }
        return Handshake(client: client, server: server, roundTrips: trips)
    }

    @Test func handshakeExportsMatchingKeys() throws {
        let h = try Self.handshake()
        #expect(h.client.isConnected && h.server.isConnected)
        #expect(h.roundTrips <= 4)
        let (cp, ck) = try h.client.srtpKeys()
        let (sp, sk) = try h.server.srtpKeys()
        #expect(cp == sp)
        #expect(cp == .aeadAes128Gcm, "server preference picks GCM when both offer it")
        #expect(ck.localKeyAndSalt == sk.remoteKeyAndSalt)
        #expect(ck.remoteKeyAndSalt == sk.localKeyAndSalt)
        #expect(ck.localKeyAndSalt != ck.remoteKeyAndSalt)

        // The exported keys carry media: client protects, server unprotects.
        let out = try SRTPSession(profile: cp, keyAndSalt: ck.localKeyAndSalt, direction: .outbound)
        let inbound = try SRTPSession(profile: sp, keyAndSalt: sk.remoteKeyAndSalt, direction: .inbound)
        var buf = SRTPTests.packet(sequence: 42, payload: Array("hello over srtp".utf8))
        let n = try buf.withUnsafeMutableBytes { try out.protectRTP($0.baseAddress!, length: 27, capacity: $0.count) }
        let m = try buf.withUnsafeMutableBytes { try inbound.unprotectRTP($0.baseAddress!, length: n) }
        #expect(m == 27)
        #expect(String(decoding: buf[12..<27], as: UTF8.self) == "hello over srtp")
    }

    @Test func profileFollowsWhatTheClientOffers() throws {
        let h = try Self.handshake(clientProfiles: [.aes128CmHmacSha1_80])
        #expect(try h.server.srtpKeys().0 == .aes128CmHmacSha1_80)
    }

    @Test func fingerprintMismatchFailsTheHandshake() throws {
        let stranger = try DTLSIdentity.generate().fingerprint
        #expect {
            _ = try Self.handshake(serverExpects: stranger)
        } throws: { error in
            if case .fingerprintMismatch(let expected, _) = error as? DTLSError { return expected == stranger.description }
            return false
        }
    }

    @Test func fingerprintIsSHA256InSDPForm() throws {
        let id = try DTLSIdentity.generate()
        let text = id.fingerprint.description
        #expect(id.fingerprint.bytes.count == 32)
        #expect(text.count == 32 * 3 - 1)
        #expect(text.split(separator: ":").allSatisfy { $0.count == 2 && $0.allSatisfy { "0123456789ABCDEF".contains($0) } })
    }

    @Test func retransmissionTimerRunsUntilAnswered() throws {
        let id = try DTLSIdentity.generate()
        let client = try DTLSEndpoint(context: DTLSContext(identity: id), role: .client, expectedFingerprint: nil)
        let hello = try client.start()
        #expect(!hello.isEmpty)
        #expect(hello[0] == 22, "a DTLS handshake record")
        let timeout = try #require(client.timeoutMilliseconds)
        #expect(timeout > 0 && timeout <= 1000)
    }
}
