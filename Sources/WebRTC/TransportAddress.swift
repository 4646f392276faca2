import ByteText

/// An IP address and UDP port, as the media path sees them: fixed-size, no allocation, comparable.
/// The I/O layer converts to and from its socket address type.
public struct TransportAddress: Sendable, Hashable, CustomStringConvertible {
    /// IPv4 addresses use the first 4 bytes; IPv6 all 16.
    public var bytes: (UInt64, UInt64)
    public var isIPv6: Bool
    public var port: UInt16

    public init(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) {
        bytes = (UInt64(a) << 56 | UInt64(b) << 48 | UInt64(c) << 40 | UInt64(d) << 32, 0)
        isIPv6 = false
        self.port = port
    }

    /// From an address already in host-order words (a socket address's), with no byte buffer between:
    /// the packet path converts every datagram's source.
    public init(ipv4 address: UInt32, port: UInt16) {
        bytes = (UInt64(address) << 32, 0)
        isIPv6 = false
        self.port = port
    }

    public init(ipv6 high: UInt64, _ low: UInt64, port: UInt16) {
        bytes = (high, low)
        isIPv6 = true
        self.port = port
    }

    /// From raw network-order address bytes (4 or 16 of them).
    public init?(addressBytes: some Collection<UInt8>, port: UInt16) {
        let b = Array(addressBytes)
        guard b.count == 4 || b.count == 16 else { return nil }
        var hi: UInt64 = 0, lo: UInt64 = 0
        for i in 0..<min(8, b.count) { hi |= UInt64(b[i]) << (56 - 8 * UInt64(i)) }
        if b.count == 16 { for i in 0..<8 { lo |= UInt64(b[8 + i]) << (56 - 8 * UInt64(i)) } }
        bytes = (hi, lo)
        isIPv6 = b.count == 16
        self.port = port
    }

    /// Parses dotted IPv4 or colon IPv6 text (an IPv4-mapped IPv6 literal stays IPv6).
    public init?(host: String, port: UInt16) {
        guard let ip = IPAddress(host) else { return nil }
        self.init(addressBytes: host.contains(":") ? ip.bytes[...] : ip.addressBytes, port: port)
    }

    public var addressBytes: [UInt8] {
        let count = isIPv6 ? 16 : 4
        return (0..<count).map { i in
            i < 8 ? UInt8(truncatingIfNeeded: bytes.0 >> (56 - 8 * UInt64(i))) : UInt8(truncatingIfNeeded: bytes.1 >> (56 - 8 * UInt64(i - 8)))
        }
    }

    public var host: String {
        IPAddress(bytes: addressBytes)!.description
    }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public static func == (a: Self, b: Self) -> Bool {
        a.bytes.0 == b.bytes.0 && a.bytes.1 == b.bytes.1 && a.isIPv6 == b.isIPv6 && a.port == b.port
    }

    public func hash(into h: inout Hasher) {
        h.combine(bytes.0); h.combine(bytes.1); h.combine(isIPv6); h.combine(port)
    }
}
