/// Why bytes are not an RTP packet.
public enum RTPParseError: Error, Sendable, Equatable {
    case tooShort
    case badVersion(UInt8)
    case badLength
}

/// The fixed RTP header (RFC 3550 §5.1), decoded from or written into caller-owned bytes so the media
/// path allocates nothing. CSRCs and the extension are skipped over, not copied: `payloadOffset`
/// says where the payload starts.
public struct RTPHeader: Sendable, Equatable {
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    public var csrcCount: UInt8
    public var hasExtension: Bool
    public var hasPadding: Bool
    /// Bytes from the start of the packet to the payload (12 + CSRCs + extension).
    public var payloadOffset: Int

    public static let fixedLength = 12

    public init(marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32) {
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        csrcCount = 0
        hasExtension = false
        hasPadding = false
        payloadOffset = Self.fixedLength
    }

    public init(parsing p: UnsafeRawBufferPointer) throws(RTPParseError) {
        guard p.count >= Self.fixedLength else { throw .tooShort }
        let b0 = p[0], b1 = p[1]
        guard b0 >> 6 == 2 else { throw .badVersion(b0 >> 6) }
        hasPadding = b0 & 0x20 != 0
        hasExtension = b0 & 0x10 != 0
        csrcCount = b0 & 0x0f
        marker = b1 & 0x80 != 0
        payloadType = b1 & 0x7f
        sequenceNumber = UInt16(p[2]) << 8 | UInt16(p[3])
        timestamp = UInt32(p[4]) << 24 | UInt32(p[5]) << 16 | UInt32(p[6]) << 8 | UInt32(p[7])
        ssrc = UInt32(p[8]) << 24 | UInt32(p[9]) << 16 | UInt32(p[10]) << 8 | UInt32(p[11])
        var offset = Self.fixedLength + 4 * Int(csrcCount)
        if hasExtension {
            guard p.count >= offset + 4 else { throw .badLength }
            let words = Int(p[offset + 2]) << 8 | Int(p[offset + 3])
            offset += 4 + 4 * words
        }
        guard offset <= p.count else { throw .badLength }
        payloadOffset = offset
    }

    /// Writes the fixed 12-byte header (no CSRCs, no extension) at the start of `out`.
    public func write(to out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= Self.fixedLength)
        out[0] = 0x80
        out[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f)
        out[2] = UInt8(sequenceNumber >> 8); out[3] = UInt8(truncatingIfNeeded: sequenceNumber)
        out[4] = UInt8(timestamp >> 24); out[5] = UInt8(truncatingIfNeeded: timestamp >> 16)
        out[6] = UInt8(truncatingIfNeeded: timestamp >> 8); out[7] = UInt8(truncatingIfNeeded: timestamp)
        out[8] = UInt8(ssrc >> 24); out[9] = UInt8(truncatingIfNeeded: ssrc >> 16)
        out[10] = UInt8(truncatingIfNeeded: ssrc >> 8); out[11] = UInt8(truncatingIfNeeded: ssrc)
    }
}
