/// An IPv4 or IPv6 address literal as 16 bytes (IPv4 stored IPv4-mapped), parsed from text without
/// touching the network stack. The one parser of address text: dialplan `source-ip` rules, SDP and
/// ICE candidate addresses and the media path's TransportAddress all go through it.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public var bytes: [UInt8]
    public var isIPv4: Bool

    /// Accepts dotted IPv4, IPv6 (with `::`, an IPv4 tail, `[brackets]` and a `%zone`, which is dropped).
    public init?(_ text: some StringProtocol) {
        var t = Substring(text)
        if t.hasPrefix("["), t.hasSuffix("]") { t = t.dropFirst().dropLast() }
        if let zone = t.firstIndex(of: "%") { t = t[..<zone] }
        if let v4 = Self.parseIPv4(t) {
            bytes = Self.mappedPrefix + v4
            isIPv4 = true
        } else if let v6 = Self.parseIPv6(t) {
            bytes = v6
            isIPv4 = v6[0..<12].elementsEqual(Self.mappedPrefix)
        } else {
            return nil
        }
    }

    /// From network-order bytes: 4 make an IPv4 address, 16 an IPv6 one (even when IPv4-mapped, as a
    /// dual-stack socket reports it, so it prints back as IPv6).
    public init?(bytes raw: some Collection<UInt8>) {
        switch raw.count {
        case 4: bytes = Self.mappedPrefix + raw; isIPv4 = true
        case 16: bytes = Array(raw); isIPv4 = false
        default: return nil
        }
    }

    /// The 4 bytes of an IPv4 address, or all 16.
    public var addressBytes: ArraySlice<UInt8> { isIPv4 ? bytes[12...] : bytes[...] }

    /// Dotted IPv4, or IPv6 with the longest run of zero groups compressed (RFC 5952).
    public var description: String {
        if isIPv4 { return bytes[12...].map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        var best = (start: -1, length: 0), run = (start: -1, length: 0)
        for (i, g) in groups.enumerated() {
            if g == 0 {
                run = run.start < 0 ? (i, 1) : (run.start, run.length + 1)
                if run.length > best.length { best = run }
            } else {
                run = (-1, 0)
            }
        }
        func text(_ gs: ArraySlice<UInt16>) -> String { gs.map { String($0, radix: 16) }.joined(separator: ":") }
        guard best.length > 1 else { return text(groups[...]) }
        return text(groups[..<best.start]) + "::" + text(groups[(best.start + best.length)...])
    }

    private static let mappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]

    static func parseIPv4(_ t: Substring) -> [UInt8]? {
        let parts = t.utf8.split(separator: ASCII.dot, omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard p.count <= 3, let v = BoundedNumber.parse(p, maximum: 255) else { return nil }
            out.append(UInt8(v))
        }
        return out
    }

    static func parseIPv6(_ t: Substring) -> [UInt8]? {
        guard t.utf8.count >= 2, t.utf8.count <= 45 else { return nil }
        let halves = t.splitAtDoubleColons()
        guard halves.count <= 2 else { return nil }
        func groups(_ s: Substring, allowV4Tail: Bool) -> [UInt8]? {
            if s.isEmpty { return [] }
            var out: [UInt8] = []
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, p) in parts.enumerated() {
                if i == parts.count - 1, allowV4Tail, p.contains("."), let v4 = parseIPv4(p) {
                    out += v4
                    continue
                }
                guard !p.isEmpty, p.utf8.count <= 4, p.utf8.allSatisfy({ ASCII.hexValue($0) != nil }),
                      let v = UInt16(p, radix: 16) else { return nil }
                out += [UInt8(v >> 8), UInt8(v & 0xFF)]
            }
            return out
        }
        if halves.count == 1 {
            guard let all = groups(halves[0], allowV4Tail: true), all.count == 16 else { return nil }
            return all
        }
        guard let head = groups(halves[0], allowV4Tail: false), let tail = groups(halves[1], allowV4Tail: true),
              head.count + tail.count <= 14 else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}

extension Substring {
    /// Splits at every `::`; more than one makes a third piece, which the caller refuses.
    fileprivate func splitAtDoubleColons() -> [Substring] {
        var pieces: [Substring] = []
        var start = startIndex
        var i = startIndex
        while i < endIndex {
            let next = index(after: i)
            if self[i] == ":", next < endIndex, self[next] == ":" {
                pieces.append(self[start..<i])
                i = index(after: next)
                start = i
                continue
            }
            i = next
        }
        pieces.append(self[start..<endIndex])
        return pieces
    }
}
