/// RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1).
public enum RTCPPacketType: UInt8, Sendable {
    case senderReport = 200
    case receiverReport = 201
    case sourceDescription = 202
    case goodbye = 203
    case applicationDefined = 204
    case transportFeedback = 205
    case payloadFeedback = 206
    case extendedReport = 207
}

/// Why bytes are not RTCP.
public enum RTCPParseError: Error, Sendable, Equatable {
    case tooShort
    case badVersion
    case badLength
}

/// One packet of a compound (or, with rtcp-rsize, reduced-size) RTCP datagram: its header fields and
/// where its body lies in the caller's bytes.
public struct RTCPPacket: Sendable, Equatable {
    /// The 5-bit field: report count for SR/RR, source count for SDES/BYE, FMT for feedback.
    public var count: UInt8
    public var rawType: UInt8
    /// The whole packet, header included, padding excluded.
    public var range: Range<Int>

    public var type: RTCPPacketType? { RTCPPacketType(rawValue: rawType) }
}

/// Iterates the packets of an RTCP datagram in place. Unknown packet types are yielded too, so
/// they can be passed over (RFC 3550 §6.1: receivers ignore what they do not understand).
public struct RTCPPacketIterator: IteratorProtocol, Sequence {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0
    public private(set) var error: RTCPParseError?

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        if bytes.count < 4 { error = .tooShort }
    }

    public mutating func next() -> RTCPPacket? {
        guard error == nil, offset + 4 <= bytes.count else { return nil }
        let b0 = bytes[offset]
        guard b0 >> 6 == 2 else { error = .badVersion; return nil }
        let words = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        let end = offset + 4 * (words + 1)
        guard end <= bytes.count else { error = .badLength; return nil }
        var contentEnd = end
        if b0 & 0x20 != 0 {
            let pad = Int(bytes[end - 1])
            guard pad > 0, pad <= end - offset - 4 else { error = .badLength; return nil }
            contentEnd -= pad
        }
        let packet = RTCPPacket(count: b0 & 0x1f, rawType: bytes[offset + 1], range: offset..<contentEnd)
        offset = end
        return packet
    }

    /// Whether every byte belongs to a well-formed packet.
    public static func validate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var it = RTCPPacketIterator(bytes)
        var any = false
        while it.next() != nil { any = true }
        return any && it.error == nil && it.offset == bytes.count
    }
}
