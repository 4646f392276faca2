/// A hash HMAC can be built on: the incremental interface MD5, SHA-1 and SHA-256 share here.
public protocol BlockHash {
    init()
    mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8
    mutating func finalize() -> [UInt8]
}

extension MD5: BlockHash {}
extension SHA1: BlockHash {}
extension SHA256: BlockHash {}

/// HMAC (RFC 2104) over any 64-byte-block hash.
public enum HMAC {
    public static func authenticate<H: BlockHash>(_ hash: H.Type, key: [UInt8], message: [UInt8]) -> [UInt8] {
        var block = key
        if block.count > 64 {
            var h = H()
            h.update(key)
            block = h.finalize()
        }
        block += [UInt8](repeating: 0, count: 64 - block.count)
        var inner = H()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(message)
        var outer = H()
        outer.update(block.map { $0 ^ 0x5c })
        outer.update(inner.finalize())
        return outer.finalize()
    }
}

/// HMAC-SHA256, used to sign digest nonces so the server can verify them without a table.
public enum HMACSHA256 {
    public static func authenticate(key: [UInt8], message: [UInt8]) -> [UInt8] {
        HMAC.authenticate(SHA256.self, key: key, message: message)
    }

    /// Compares two MACs in time independent of where they differ.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
