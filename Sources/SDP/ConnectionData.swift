/// The address family of a c= line. Only the two RFC 8866 defines are accepted: an SDP naming another
/// family gives us nowhere to send media, so the parser rejects it rather than guess.
public enum AddressType: String, Sendable, Equatable, CaseIterable {
    case ip4 = "IP4"
    case ip6 = "IP6"

    init?(token: String) {
        switch token.uppercased() {
        case "IP4": self = .ip4
        case "IP6": self = .ip6
        default: return nil
        }
    }
}

/// The c= line: where media for a session or a media section is sent (RFC 8866 §5.7).
///
/// `address` keeps any multicast `/ttl/count` suffix verbatim; unicast is what a gateway meets.
public struct ConnectionData: Sendable, Equatable {
    public var networkType: String
    public var addressType: AddressType
    public var address: String

    public init(networkType: String = "IN", addressType: AddressType = .ip4, address: String) {
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    /// True for `0.0.0.0`, the RFC 2543 way of putting a stream on hold (RFC 3264 §8.4) that old phones
    /// still send. ICE agents use the same address with port 9 to mean "no candidate yet", so callers
    /// decide with the session's ICE attributes in view (see `SessionDescription.holdState`).
    public var isUnspecifiedIPv4: Bool {
        addressType == .ip4 && address == "0.0.0.0"
    }

    enum Parsed {
        case connection(ConnectionData)
        case malformed
        case unsupportedAddressType(String)
    }

    static func parse(_ value: String) -> Parsed {
        let parts = SDPText.fields(value)
        guard parts.count == 3 else { return .malformed }
        guard let type = AddressType(token: parts[1]) else { return .unsupportedAddressType(parts[1]) }
        return .connection(ConnectionData(networkType: parts[0], addressType: type, address: parts[2]))
    }

    var sdpValue: String { "\(networkType) \(addressType.rawValue) \(address)" }
}
