@testable import RTP
import Testing

@Suite struct RTPPacketTests {
    @Test func headerWithCSRCsAndOneByteExtensions() throws {
        // V=2 X=1 CC=2, M=1 PT=111, seq 0xABCD, ts, ssrc, 2 CSRCs, 0xBEDE ext of 2 words:
        // id 1 len 1 (audio level 0x8a), padding, id 3 len 3 (abs-send-time), then payload 2 bytes.
        let bytes: [UInt8] = [
            0x92, 0xEF, 0xAB, 0xCD, 0, 0, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF,
            0, 0, 0, 1, 0, 0, 0, 2,
            0xBE, 0xDE, 0, 2, 0x10, 0x8A, 0x00, 0x32, 0x01, 0x02, 0x03, 0x00,
            0xF0, 0x0D,
        ]
        try bytes.withUnsafeBytes { p in
            let h = try RTPHeader(parsing: p)
            #expect(h.marker && h.payloadType == 111 && h.sequenceNumber == 0xABCD)
            #expect(h.timestamp == 0x1234 && h.ssrc == 0xDEADBEEF && h.csrcCount == 2)
            #expect(h.csrc(1, in: p) == 2)
            #expect(h.payloadOffset == 32)
            #expect(h.payloadLength(in: p) == 2)
            let elements = Array(RTPHeaderExtensionIterator(packet: p, header: h))
            #expect(elements.map(\.id) == [1, 3])
            #expect(elements.map(\.range.count) == [1, 3])
            #expect(p[elements[0].range.lowerBound] == 0x8A)
        }
    }

    @Test func twoByteExtensionsAndPadding() throws {
        let bytes: [UInt8] = [
            0xB0, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9,
            0x10, 0x00, 0, 1, 0x05, 0x02, 0xAA, 0xBB,
            0x11, 0x22, 0x00, 0x00, 0x03,   // 2 payload bytes, then 3 bytes of padding whose last says 3
        ]
        try bytes.withUnsafeBytes { p in
            let h = try RTPHeader(parsing: p)
            #expect(h.hasPadding)
            #expect(h.payloadLength(in: p) == 2)
            let elements = Array(RTPHeaderExtensionIterator(packet: p, header: h))
            #expect(elements == [RTPHeaderExtensionElement(id: 5, range: 18..<20)])
        }
    }

    @Test func malformedHeadersAreRejected() {
        func parse(_ b: [UInt8]) throws(RTPParseError) {
            try b.withUnsafeBytes { p in Result { () throws(RTPParseError) in _ = try RTPHeader(parsing: p) } }.get()
        }
        #expect(throws: RTPParseError.tooShort) { try parse([0x80, 0, 0]) }
        #expect(throws: RTPParseError.badVersion(1)) { try parse([0x40] + [UInt8](repeating: 0, count: 11)) }
        #expect(throws: RTPParseError.badLength) { try parse([0x8F] + [UInt8](repeating: 0, count: 11)) } // 15 CSRCs missing
        #expect(throws: RTPParseError.badLength) { try parse([0x90] + [UInt8](repeating: 0, count: 11) + [0xBE, 0xDE, 0, 9]) }
    }

    @Test func writtenHeaderParsesBack() throws {
        var b = [UInt8](repeating: 0xFF, count: 12)
        let h = RTPHeader(marker: true, payloadType: 0, sequenceNumber: 65535, timestamp: 0xFFFF_FFF0, ssrc: 7)
        b.withUnsafeMutableBytes { h.write(to: $0) }
        let back = try b.withUnsafeBytes { try RTPHeader(parsing: $0) }
        #expect(back == h)
    }
}

@Suite struct RTCPTests {
    @Test func compoundSRAndSDESRoundTrip() throws {
        var buf = [UInt8](repeating: 0, count: 200)
        let block = RTCPReportBlock(ssrc: 0x1111, fractionLost: 25, cumulativeLost: -3, highestSequence: 0x1_0005,
                                    jitter: 80, lastSenderReport: 0xAABB_CCDD, delaySinceLastSenderReport: 65536)
        let sender = RTCPSenderInfo(ntpTimestamp: 0xE000_0000_8000_0000, rtpTimestamp: 48000, packetCount: 50, octetCount: 8000)
        let total = buf.withUnsafeMutableBytes { out -> Int in
            let n = [block].withUnsafeBufferPointer { RTCPReport.write(ssrc: 0x2222, sender: sender, blocks: $0, into: out)! }
            let m = RTCPSourceDescription.writeCNAME(ssrc: 0x2222, cname: "tandem@gw", into: UnsafeMutableRawBufferPointer(rebasing: out[n...]))!
            return n + m
        }
        try buf.withUnsafeBytes { all in
            let p = UnsafeRawBufferPointer(rebasing: all[0..<total])
            #expect(RTCPPacketIterator.validate(p))
            let packets = Array(RTCPPacketIterator(p))
            #expect(packets.map(\.type) == [.senderReport, .sourceDescription])
            let sr = try RTCPReport(parsing: p, packet: packets[0])
            #expect(sr.ssrc == 0x2222 && sr.sender == sender && sr.reportCount == 1)
            #expect(sr.block(0, in: p) == block)
            #expect(sender.compactNTP == 0x0000_8000)
            let cname = RTCPSourceDescription.firstCNAME(in: p, packet: packets[1])
            #expect(cname?.ssrc == 0x2222 && cname?.cname == "tandem@gw")
        }
    }

    @Test func receiverReportFeedbackAndByeAreWalked() throws {
        // RR with no blocks, a PLI (PSFB FMT 1), a transport-cc-like RTPFB (FMT 15) with 4 bytes FCI, a BYE.
        let bytes: [UInt8] = [
            0x80, 201, 0, 1, 0, 0, 0, 5,
            0x81, 206, 0, 2, 0, 0, 0, 5, 0, 0, 0, 6,
            0x8F, 205, 0, 3, 0, 0, 0, 5, 0, 0, 0, 6, 1, 2, 3, 4,
            0x81, 203, 0, 1, 0, 0, 0, 5,
        ]
        try bytes.withUnsafeBytes { p in
            #expect(RTCPPacketIterator.validate(p))
            let packets = Array(RTCPPacketIterator(p))
            #expect(packets.map(\.rawType) == [201, 206, 205, 203])
            let rr = try RTCPReport(parsing: p, packet: packets[0])
            #expect(rr.sender == nil && rr.reportCount == 0 && rr.ssrc == 5)
            let pli = try RTCPFeedback(parsing: p, packet: packets[1])
            #expect(pli.format == 1 && pli.mediaSSRC == 6 && pli.fci.isEmpty)
            let twcc = try RTCPFeedback(parsing: p, packet: packets[2])
            #expect(twcc.format == 15 && twcc.fci.count == 4)
            #expect(RTCPGoodbye.sources(in: p, packet: packets[3]) == [5])
        }
    }

    @Test func brokenCompoundsAreDetected() {
        let truncated: [UInt8] = [0x80, 200, 0, 6, 0, 0, 0, 1]
        let badVersion: [UInt8] = [0x40, 201, 0, 1, 0, 0, 0, 1]
        let badPadding: [UInt8] = [0xA0, 201, 0, 1, 0, 0, 0, 9]
        for b in [truncated, badVersion, badPadding, [0x80]] {
            #expect(!b.withUnsafeBytes { RTCPPacketIterator.validate($0) })
        }
        // An SR whose count promises more blocks than it holds.
        let lying: [UInt8] = [0x83, 201, 0, 1, 0, 0, 0, 1]
        lying.withUnsafeBytes { p in
            let packet = RTCPPacketIterator(p).first { _ in true }!
            #expect(throws: RTCPParseError.badLength) { _ = try RTCPReport(parsing: p, packet: packet) }
        }
    }
}
