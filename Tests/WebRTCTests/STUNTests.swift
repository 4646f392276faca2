import Testing
@testable import WebRTC

func hex(_ s: String) -> [UInt8] {
    let digits = s.filter(\.isHexDigit)
    var out: [UInt8] = []
    var i = digits.startIndex
    while i < digits.endIndex {
        let j = digits.index(i, offsetBy: 2)
        out.append(UInt8(digits[i..<j], radix: 16)!)
        i = j
    }
    return out
}

/// RFC 5769 test vectors: the byte-exact messages of its §2.1-2.3.
enum RFC5769 {
    static let password = "VOkJxbRl1RmTxUk/WvJxBt"
    static let request = hex("""
        00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
        00 24 00 04 6e 00 01 ff 80 29 00 08 93 2f f9 b1 51 26 3b 36
        00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
        00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
        80 28 00 04 e5 7a 3b cf
        """)
    static let ipv4Response = hex("""
        01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 08 00 01 a1 47 e1 12 a6 43
        00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
        80 28 00 04 c0 7d 4c 96
        """)
    static let ipv6Response = hex("""
        01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
        00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
        80 28 00 04 c8 fb 0b 4c
        """)
}

@Suite struct STUNTests {
    @Test func sampleRequestDecodesAndVerifies() throws {
        let p = RFC5769.request
        try p.withUnsafeBytes { b in
            let m = try STUNMessage(parsing: b)
            #expect(m.messageType == .bindingRequest)
            #expect(m.hasFingerprint)
            #expect(m.priority == 0x6e00_01ff)
            #expect(m.iceControlled == 0x932f_f9b1_5126_3b36)
            let user = try #require(m.username)
            #expect(String(decoding: b[user], as: UTF8.self) == "evtj:h6vY")
            #expect(Array(RFC5769.password.utf8).withUnsafeBytes { m.verifyIntegrity(in: b, key: $0) })
            #expect(Array("wrong".utf8).withUnsafeBytes { !m.verifyIntegrity(in: b, key: $0) })
        }
    }

    @Test func sampleResponsesDecodeTheMappedAddress() throws {
        for (bytes, expected) in [(RFC5769.ipv4Response, "192.0.2.1:32853"),
                                  (RFC5769.ipv6Response, "[2001:db8:1234:5678:11:2233:4455:6677]:32853")] {
            try bytes.withUnsafeBytes { b in
                let m = try STUNMessage(parsing: b)
                #expect(m.messageType == .bindingSuccess)
                #expect(m.xorMappedAddress?.description == expected)
                #expect(Array(RFC5769.password.utf8).withUnsafeBytes { m.verifyIntegrity(in: b, key: $0) })
            }
        }
    }

    @Test func builderReproducesTheSampleResponsesByteForByte() {
        let tid = STUNTransactionID(high: 0xb7e7_a701_bc34_d686, low: 0xfa87_dfae)
        for (bytes, address) in [
            (RFC5769.ipv4Response, TransportAddress(host: "192.0.2.1", port: 32853)!),
            (RFC5769.ipv6Response, TransportAddress(host: "2001:db8:1234:5678:11:2233:4455:6677", port: 32853)!),
        ] {
            var b = STUNMessageBuilder(type: .bindingSuccess, transactionID: tid)
            b.addSoftware("test vector")
            // The RFC pads SOFTWARE with a space, not zero.
            b.patchLastPadding(with: 0x20)
            b.addXorMappedAddress(address)
            b.addMessageIntegrity(key: Array(RFC5769.password.utf8))
            b.addFingerprint()
            #expect(b.bytes == bytes)
        }
    }

    @Test func corruptedFingerprintAndFramingAreRejected() {
        var bad = RFC5769.request
        bad[bad.count - 1] ^= 1
        #expect(throws: STUNParseError.badFingerprint) { try bad.withUnsafeBytes { _ = try STUNMessage(parsing: $0) } }
        let truncated = Array(RFC5769.request.dropLast(3))
        #expect(throws: STUNParseError.badLength) { try truncated.withUnsafeBytes { _ = try STUNMessage(parsing: $0) } }
        let short = Array(RFC5769.request.prefix(10))
        #expect(throws: STUNParseError.tooShort) { try short.withUnsafeBytes { _ = try STUNMessage(parsing: $0) } }
        var cookie = RFC5769.request
        cookie[5] = 0
        #expect(throws: STUNParseError.notSTUN) { try cookie.withUnsafeBytes { _ = try STUNMessage(parsing: $0) } }
    }

    @Test func demultiplexesByFirstByte() {
        func kind(_ bytes: [UInt8]) -> PacketKind { bytes.withUnsafeBytes { PacketKind.classify($0) } }
        #expect(kind(RFC5769.request) == .stun)
        #expect(kind([22, 0xfe, 0xfd]) == .dtls)   // DTLS 1.2 handshake
        #expect(kind([20, 0xfe]) == .dtls)
        #expect(kind([63, 0]) == .dtls)
        #expect(kind([0x80, 0]) == .rtp)          // PCMU
        #expect(kind([0x80, 111]) == .rtp)        // Opus
        #expect(kind([0x80, 0x80 | 111]) == .rtp) // Opus, marker set
        #expect(kind([0x80, 200]) == .rtcp)       // SR
        #expect(kind([0x81, 201]) == .rtcp)       // RR
        #expect(kind([0x8f, 206]) == .rtcp)       // PSFB
        #expect(kind([4, 0]) == .unknown)
        #expect(kind([64, 0]) == .unknown)        // TURN channel: not ours
        #expect(kind([200, 0]) == .unknown)
        #expect(kind([0x80]) == .unknown)
        #expect(kind([]) == .unknown)
    }

    @Test func transportAddressText() {
        #expect(TransportAddress(host: "::1", port: 5)?.description == "[::1]:5")
        #expect(TransportAddress(host: "fe80::1:0:0:2", port: 5)?.host == "fe80::1:0:0:2")
        #expect(TransportAddress(host: "1.2.3", port: 5) == nil)
        #expect(TransportAddress(host: "1.2.3.256", port: 5) == nil)
        #expect(TransportAddress(host: "1::2::3", port: 5) == nil)
        #expect(TransportAddress(host: "127.0.0.1", port: 9) == TransportAddress(ipv4: 127, 0, 0, 1, port: 9))
    }
}
