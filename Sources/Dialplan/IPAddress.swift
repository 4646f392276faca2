import ByteText

/// An address block such as `10.0.0.0/8` or `2001:db8::/32`; a bare address is a /32 or /128.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    /// Prefix length counted over the 128-bit form (an IPv4 /8 is stored as 104).
    let bits: Int
    public let source: String

    public init?(_ text: String) {
        source = text
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(String(parts[0])) else { return nil }
        self.address = address
        let maxBits = address.isIPv4 ? 32 : 128
        var length = maxBits
        if parts.count == 2 {
            guard let n = Int(parts[1]), n >= 0, n <= maxBits, parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                return nil
            }
            length = n
        }
        bits = address.isIPv4 ? length + 96 : length
    }

    public var description: String { source }

    public func contains(_ ip: IPAddress) -> Bool {
        if address.isIPv4 != ip.isIPv4 { return false }
        var remaining = bits
        var i = 0
        while remaining > 0 && i < 16 {
            let take = min(8, remaining)
            let mask: UInt8 = take == 8 ? 0xFF : ~(0xFF >> UInt8(take))
            if address.bytes[i] & mask != ip.bytes[i] & mask { return false }
            remaining -= take
            i += 1
        }
        return true
    }
}
