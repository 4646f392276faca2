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

    /// Parses dotted IPv4 or colon IPv6 text.
    public init?(host: String, port: UInt16) {
        if host.contains(":") {
            guard let b = Self.parseIPv6(host) else { return nil }
            self.init(addressBytes: b, port: port)
        } else {
            let parts = host.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var b: [UInt8] = []
            for p in parts {
                guard p.count <= 3, let v = UInt8(p) else { return nil }
                b.append(v)
            }
            self.init(addressBytes: b, port: port)
        }
    }

    public var addressBytes: [UInt8] {
        let count = isIPv6 ? 16 : 4
        return (0..<count).map { i in
            i < 8 ? UInt8(truncatingIfNeeded: bytes.0 >> (56 - 8 * UInt64(i))) : UInt8(truncatingIfNeeded: bytes.1 >> (56 - 8 * UInt64(i - 8)))
        }
    }

    public var host: String {
        let b = addressBytes
        if !isIPv6 { return b.map(String.init).joined(separator: ".") }
        var groups: [String] = []
        for i in stride(from: 0, to: 16, by: 2) { groups.append(String(UInt16(b[i]) << 8 | UInt16(b[i + 1]), radix: 16)) }
        // Compress the longest run of zero groups (RFC 5952).
        var best = (start: -1, length: 0), run = (start: -1, length: 0)
        for (i, g) in groups.enumerated() {
            if g == "0" {
                run = run.start < 0 ? (i, 1) : (run.start, run.length + 1)
                if run.length > best.length { best = run }
            } else {
                run = (-1, 0)
            }
        }
        guard best.length > 1 else { return groups.joined(separator: ":") }
        let head = groups[..<best.start].joined(separator: ":"), tail = groups[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public static func == (a: Self, b: Self) -> Bool {
        a.bytes.0 == b.bytes.0 && a.bytes.1 == b.bytes.1 && a.isIPv6 == b.isIPv6 && a.port == b.port
    }

    public func hash(into h: inout Hasher) {
        h.combine(bytes.0); h.combine(bytes.1); h.combine(isIPv6); h.combine(port)
    }

    private static func parseIPv6(_ text: String) -> [UInt8]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            for g in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(g.count), let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all += [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8(truncatingIfNeeded: $0)] }
    }
}

extension String {
    /// Foundation-free split on a multi-character separator.
    func components(separatedBy separator: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(self)
        while let r = rest.firstRange(of: separator) {
            parts.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}
