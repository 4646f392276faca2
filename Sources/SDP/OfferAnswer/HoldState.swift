/// Whether the sender of an SDP has put a stream on hold, and how it said so.
///
/// Hold is translated between legs, not relayed (DESIGN.md), so the gateway needs to know it regardless of
/// which of the two historical conventions a phone used.
public enum HoldState: Sendable, Equatable {
    case active
    case held(HoldIndication)

    public var isHeld: Bool {
        if case .held = self { return true }
        return false
    }
}

/// The way a hold was expressed.
public enum HoldIndication: Sendable, Equatable {
    /// `a=sendonly`: RFC 3264 §8.4 hold; the holder still sends (music on hold).
    case sendonly
    /// `a=inactive`: no media either way.
    case inactive
    /// `c=IN IP4 0.0.0.0`: the RFC 2543 convention older phones still use.
    case unspecifiedAddress
}

extension SessionDescription {
    /// Whether the author of this SDP holds `media`. `c=0.0.0.0` counts only outside ICE: an ICE agent
    /// writes it with port 9 merely to say its addresses are in the candidates (RFC 8839 §4.2.1.1).
    public func holdState(of media: MediaDescription) -> HoldState {
        switch direction(of: media) {
        case .sendonly: return .held(.sendonly)
        case .inactive: return .held(.inactive)
        case .sendrecv, .recvonly: break
        }
        if offersUnspecifiedAddress(media) { return .held(.unspecifiedAddress) }
        return .active
    }

    /// The direction the author really means for `media`, folding an old-style `c=0.0.0.0` hold into the
    /// direction: whoever gives no address cannot receive.
    public func effectiveDirection(of media: MediaDescription) -> MediaDirection {
        let written = direction(of: media)
        guard offersUnspecifiedAddress(media) else { return written }
        return written.intersection(.sendonly)
    }

    private func offersUnspecifiedAddress(_ media: MediaDescription) -> Bool {
        guard let connection = effectiveConnection(for: media), connection.isUnspecifiedIPv4 else { return false }
        return !(usesICE || media.usesICE)
    }
}
