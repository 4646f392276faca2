/// What a datagram on a WebRTC port is, by its first byte (RFC 7983 §7) and, for RTP vs RTCP,
/// its second (RFC 5761 §4: RTCP packet types 192-223 land where RTP payload types 64-95 would).
public enum PacketKind: Sendable, Equatable {
    case stun, dtls, rtp, rtcp, unknown

    @inline(__always)
    public static func classify(_ p: UnsafeRawBufferPointer) -> PacketKind {
        guard p.count >= 2 else { return .unknown }
        switch p[0] {
        case 0...3: return .stun
        case 20...63: return .dtls
        case 128...191: return (192...223).contains(p[1]) ? .rtcp : .rtp
        default: return .unknown
        }
    }
}
