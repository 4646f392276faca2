/// One element of an RTP header extension (RFC 8285): its ID and where its data is in the packet.
public struct RTPHeaderExtensionElement: Sendable, Equatable {
    public var id: UInt8
    public var range: Range<Int>
}

/// Walks the header extension elements of a packet in place, in the one-byte (0xBEDE) or two-byte
/// (0x100X) form, without copying. Unknown profiles yield nothing.
public struct RTPHeaderExtensionIterator: IteratorProtocol, Sequence {
    private let packet: UnsafeRawBufferPointer
    private var offset: Int
    private let end: Int
    private let twoByte: Bool

    /// `packet` is the whole RTP packet; `header` its parsed header.
    public init(packet: UnsafeRawBufferPointer, header: RTPHeader) {
        self.packet = packet
        let start = RTPHeader.fixedLength + 4 * Int(header.csrcCount)
        guard header.hasExtension, start + 4 <= header.payloadOffset else {
            offset = 0; end = 0; twoByte = false
            return
        }
        let profile = UInt16(packet[start]) << 8 | UInt16(packet[start + 1])
        offset = start + 4
        end = header.payloadOffset
        if profile == 0xBEDE {
            twoByte = false
        } else if profile & 0xFFF0 == 0x1000 {
            twoByte = true
        } else {
            twoByte = false
            offset = end
        }
    }

    public mutating func next() -> RTPHeaderExtensionElement? {
        while offset < end {
            let first = packet[offset]
            if first == 0 { offset += 1; continue }   // padding
            if twoByte {
                guard offset + 2 <= end else { return nil }
                let length = Int(packet[offset + 1])
                let data = offset + 2
                guard data + length <= end else { offset = end; return nil }
                offset = data + length
                return RTPHeaderExtensionElement(id: first, range: data..<data + length)
            } else {
                let id = first >> 4
                // ID 15 ends the one-byte form (RFC 8285 §4.2).
                guard id != 15 else { offset = end; return nil }
                let length = Int(first & 0x0f) + 1
                let data = offset + 1
                guard data + length <= end else { offset = end; return nil }
                offset = data + length
                return RTPHeaderExtensionElement(id: id, range: data..<data + length)
            }
        }
        return nil
    }
}

extension RTPHeader {
    /// The contributing sources, read from the packet (CSRC list, RFC 3550 §5.1).
    public func csrc(_ index: Int, in packet: UnsafeRawBufferPointer) -> UInt32? {
        guard index < Int(csrcCount) else { return nil }
        let o = RTPHeader.fixedLength + 4 * index
        return UInt32(packet[o]) << 24 | UInt32(packet[o + 1]) << 16 | UInt32(packet[o + 2]) << 8 | UInt32(packet[o + 3])
    }

    /// Payload length once padding (RFC 3550 §5.1: last byte counts the padding) is removed.
    public func payloadLength(in packet: UnsafeRawBufferPointer) -> Int? {
        var length = packet.count - payloadOffset
        if hasPadding {
            guard let pad = packet.last, Int(pad) <= length, pad > 0 else { return nil }
            length -= Int(pad)
        }
        return length
    }
}
