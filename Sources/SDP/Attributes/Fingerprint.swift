import ByteText

/// `a=fingerprint`: the hash of the peer's DTLS certificate that the handshake must match (RFC 8122).
public struct Fingerprint: Sendable, Equatable, SDPAttributeValue {
    public static let attributeName = "fingerprint"

    /// The hash function as named in the SDP, e.g. `sha-256`; compare with `hasHashFunction`.
    public var hashFunction: String
    public var bytes: [UInt8]

    public init(hashFunction: String, bytes: [UInt8]) {
        self.hashFunction = hashFunction
        self.bytes = bytes
    }

    /// True when this fingerprint uses `name`; RFC 8122 says hash names are case-insensitive.
    public func hasHashFunction(_ name: String) -> Bool {
        ASCII.equalsIgnoringCase(hashFunction, name)
    }

    public init?(attributeValue: String) {
        let parts = SDPText.fields(attributeValue)
        guard parts.count == 2, let bytes = Self.parseHex(parts[1]) else { return nil }
        self.init(hashFunction: parts[0], bytes: bytes)
    }

    /// The `AB:CD:...` form, upper case as RFC 8122 §5 writes it.
    public var hexString: String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3)
        for (index, byte) in bytes.enumerated() {
            if index > 0 { out.append(ASCII.colon) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(wireBytes: out)
    }

    public var attributeValue: String { "\(hashFunction) \(hexString)" }

    /// Parses colon-separated pairs of hex digits; anything else (odd digits, empty pairs, more than
    /// 64 bytes, which no hash in RFC 8122's registry produces) is not a fingerprint.
    static func parseHex(_ text: String) -> [UInt8]? {
        let pieces = Array(text.utf8).split(separator: ASCII.colon, omittingEmptySubsequences: false)
        guard !pieces.isEmpty, pieces.count <= 64 else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(pieces.count)
        for piece in pieces {
            guard piece.count == 2,
                  let high = hexValue(piece[piece.startIndex]),
                  let low = hexValue(piece[piece.startIndex + 1]) else { return nil }
            result.append(high << 4 | low)
        }
        return result
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
