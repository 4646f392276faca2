/// A reception report block (RFC 3550 §6.4.1), carried by SR and RR.
public struct RTCPReportBlock: Sendable, Equatable {
    public var ssrc: UInt32
    public var fractionLost: UInt8
    /// 24-bit signed in the packet: duplicates can make it negative.
    public var cumulativeLost: Int32
    public var highestSequence: UInt32
    public var jitter: UInt32
    public var lastSenderReport: UInt32
    public var delaySinceLastSenderReport: UInt32

    public init(ssrc: UInt32, fractionLost: UInt8, cumulativeLost: Int32, highestSequence: UInt32, jitter: UInt32,
                lastSenderReport: UInt32, delaySinceLastSenderReport: UInt32) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.highestSequence = highestSequence
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }

    static let length = 24

    init(_ p: UnsafeRawBufferPointer, at o: Int) {
        ssrc = p.be32(o)
        fractionLost = p[o + 4]
        let raw = UInt32(p[o + 5]) << 16 | UInt32(p[o + 6]) << 8 | UInt32(p[o + 7])
        cumulativeLost = Int32(bitPattern: raw << 8) >> 8
        highestSequence = p.be32(o + 8)
        jitter = p.be32(o + 12)
        lastSenderReport = p.be32(o + 16)
        delaySinceLastSenderReport = p.be32(o + 20)
    }

    func write(_ p: UnsafeMutableRawBufferPointer, at o: Int) {
        p.putBE32(ssrc, o)
        p[o + 4] = fractionLost
        let lost = UInt32(bitPattern: max(-0x80_0000, min(0x7F_FFFF, cumulativeLost))) & 0xFF_FFFF
        p[o + 5] = UInt8(truncatingIfNeeded: lost >> 16)
        p[o + 6] = UInt8(truncatingIfNeeded: lost >> 8)
        p[o + 7] = UInt8(truncatingIfNeeded: lost)
        p.putBE32(highestSequence, o + 8)
        p.putBE32(jitter, o + 12)
        p.putBE32(lastSenderReport, o + 16)
        p.putBE32(delaySinceLastSenderReport, o + 20)
    }
}

/// The sender information of an SR (RFC 3550 §6.4.1).
public struct RTCPSenderInfo: Sendable, Equatable {
    public var ntpTimestamp: UInt64
    public var rtpTimestamp: UInt32
    public var packetCount: UInt32
    public var octetCount: UInt32

    public init(ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32) {
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
    }

    /// The middle 32 bits of the NTP timestamp, which receivers echo as LSR.
    public var compactNTP: UInt32 { UInt32(truncatingIfNeeded: ntpTimestamp >> 16) }
}

/// A sender or receiver report: the reporter's SSRC, sender info for SR, and up to 31 report blocks.
/// Report blocks are read on demand, so parsing stores nothing but offsets.
public struct RTCPReport: Sendable, Equatable {
    public var ssrc: UInt32
    public var sender: RTCPSenderInfo?
    public var reportCount: Int
    private var blocksOffset: Int

    public init(parsing p: UnsafeRawBufferPointer, packet: RTCPPacket) throws(RTCPParseError) {
        let o = packet.range.lowerBound
        let isSR = packet.type == .senderReport
        guard packet.type == .senderReport || packet.type == .receiverReport else { throw .badLength }
        let fixed = 8 + (isSR ? 20 : 0)
        guard packet.range.count >= fixed + RTCPReportBlock.length * Int(packet.count) else { throw .badLength }
        ssrc = p.be32(o + 4)
        sender = isSR ? RTCPSenderInfo(ntpTimestamp: UInt64(p.be32(o + 8)) << 32 | UInt64(p.be32(o + 12)),
                                       rtpTimestamp: p.be32(o + 16), packetCount: p.be32(o + 20), octetCount: p.be32(o + 24)) : nil
        reportCount = Int(packet.count)
        blocksOffset = o + fixed
    }

    public func block(_ i: Int, in p: UnsafeRawBufferPointer) -> RTCPReportBlock {
        precondition(i < reportCount)
        return RTCPReportBlock(p, at: blocksOffset + i * RTCPReportBlock.length)
    }

    /// Writes an SR (with `sender`) or RR into `out`; returns the bytes written, or nil if it does not fit.
    public static func write(ssrc: UInt32, sender: RTCPSenderInfo?, blocks: UnsafeBufferPointer<RTCPReportBlock>,
                             into out: UnsafeMutableRawBufferPointer) -> Int? {
        let count = min(blocks.count, 31)
        let length = 8 + (sender == nil ? 0 : 20) + count * RTCPReportBlock.length
        guard out.count >= length else { return nil }
        out[0] = 0x80 | UInt8(count)
        out[1] = sender == nil ? RTCPPacketType.receiverReport.rawValue : RTCPPacketType.senderReport.rawValue
        out.putBE16(UInt16(length / 4 - 1), 2)
        out.putBE32(ssrc, 4)
        var o = 8
        if let s = sender {
            out.putBE32(UInt32(truncatingIfNeeded: s.ntpTimestamp >> 32), 8)
            out.putBE32(UInt32(truncatingIfNeeded: s.ntpTimestamp), 12)
            out.putBE32(s.rtpTimestamp, 16)
            out.putBE32(s.packetCount, 20)
            out.putBE32(s.octetCount, 24)
            o = 28
        }
        for i in 0..<count {
            blocks[i].write(out, at: o)
            o += RTCPReportBlock.length
        }
        return length
    }
}

/// SDES (RFC 3550 §6.5): we only need to write our CNAME and read the first source's CNAME.
public enum RTCPSourceDescription {
    /// Writes one chunk: `ssrc` with a CNAME item; returns the bytes written or nil if it does not fit.
    public static func writeCNAME(ssrc: UInt32, cname: String, into out: UnsafeMutableRawBufferPointer) -> Int? {
        let name = Array(cname.utf8.prefix(255))
        // chunk = ssrc + type + len + text + at least one null, padded to 32 bits
        let chunk = (4 + 2 + name.count + 1 + 3) & ~3
        let length = 4 + chunk
        guard out.count >= length else { return nil }
        out[0] = 0x81
        out[1] = RTCPPacketType.sourceDescription.rawValue
        out.putBE16(UInt16(length / 4 - 1), 2)
        out.putBE32(ssrc, 4)
        out[8] = 1
        out[9] = UInt8(name.count)
        for (i, b) in name.enumerated() { out[10 + i] = b }
        for i in (10 + name.count)..<length { out[i] = 0 }
        return length
    }

    /// The CNAME of the first chunk, if any.
    public static func firstCNAME(in p: UnsafeRawBufferPointer, packet: RTCPPacket) -> (ssrc: UInt32, cname: String)? {
        let o = packet.range.lowerBound
        guard packet.count > 0, packet.range.count >= 10 else { return nil }
        let ssrc = p.be32(o + 4)
        var i = o + 8
        while i + 2 <= packet.range.upperBound, p[i] != 0 {
            let type = p[i], len = Int(p[i + 1])
            guard i + 2 + len <= packet.range.upperBound else { return nil }
            if type == 1 { return (ssrc, String(decoding: UnsafeRawBufferPointer(rebasing: p[(i + 2)..<(i + 2 + len)]), as: UTF8.self)) }
            i += 2 + len
        }
        return nil
    }
}

/// BYE (RFC 3550 §6.6).
public enum RTCPGoodbye {
    public static func write(ssrc: UInt32, into out: UnsafeMutableRawBufferPointer) -> Int? {
        guard out.count >= 8 else { return nil }
        out[0] = 0x81
        out[1] = RTCPPacketType.goodbye.rawValue
        out.putBE16(1, 2)
        out.putBE32(ssrc, 4)
        return 8
    }

    public static func sources(in p: UnsafeRawBufferPointer, packet: RTCPPacket) -> [UInt32] {
        let n = min(Int(packet.count), (packet.range.count - 4) / 4)
        return (0..<max(0, n)).map { p.be32(packet.range.lowerBound + 4 + 4 * $0) }
    }
}

/// Transport- and payload-specific feedback (RFC 4585 §6.1): the common header; the FCI is passed over.
public struct RTCPFeedback: Sendable, Equatable {
    public var format: UInt8
    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    public var fci: Range<Int>

    public init(parsing p: UnsafeRawBufferPointer, packet: RTCPPacket) throws(RTCPParseError) {
        guard packet.type == .transportFeedback || packet.type == .payloadFeedback, packet.range.count >= 12 else { throw .badLength }
        format = packet.count
        senderSSRC = p.be32(packet.range.lowerBound + 4)
        mediaSSRC = p.be32(packet.range.lowerBound + 8)
        fci = packet.range.lowerBound + 12..<packet.range.upperBound
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always) func be32(_ o: Int) -> UInt32 {
        UInt32(self[o]) << 24 | UInt32(self[o + 1]) << 16 | UInt32(self[o + 2]) << 8 | UInt32(self[o + 3])
    }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always) func putBE16(_ v: UInt16, _ o: Int) {
        self[o] = UInt8(v >> 8); self[o + 1] = UInt8(truncatingIfNeeded: v)
    }
    @inline(__always) func putBE32(_ v: UInt32, _ o: Int) {
        self[o] = UInt8(v >> 24); self[o + 1] = UInt8(truncatingIfNeeded: v >> 16)
        self[o + 2] = UInt8(truncatingIfNeeded: v >> 8); self[o + 3] = UInt8(truncatingIfNeeded: v)
    }
}
