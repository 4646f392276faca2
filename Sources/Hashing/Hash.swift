import COpenSSL

/// The message digests Tandem needs (SIP digest authentication, digest nonces, registration tokens,
/// STUN MESSAGE-INTEGRITY), computed by OpenSSL: it is linked for DTLS anyway, and a hash is not
/// something to maintain by hand.
public enum Hash: Sendable, CaseIterable {
    case md5, sha1, sha256

    /// Digest length in bytes.
    public var length: Int {
        switch self {
        case .md5: 16
        case .sha1: 20
        case .sha256: 32
        }
    }

    private var evp: OpaquePointer {
        switch self {
        case .md5: EVP_md5()
        case .sha1: EVP_sha1()
        case .sha256: EVP_sha256()
        }
    }

    public func digest(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        var written: UInt32 = 0
        let ok = bytes.withUnsafeBytes { message in
            EVP_Digest(message.baseAddress, message.count, &out, &written, evp, nil)
        }
        precondition(ok == 1 && Int(written) == length, "OpenSSL refused a \(self) digest")
        return out
    }

    public func digest(_ text: String) -> [UInt8] { digest(Array(text.utf8)) }

    /// HMAC (RFC 2104) keyed by `key`.
    public func authenticate(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in out.withUnsafeMutableBytes { authenticate(key: k, message: m, into: $0) } }
        }
        return out
    }

    /// HMAC into caller-owned memory, so the STUN path never allocates.
    public func authenticate(key: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer,
                             into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= length)
        var written: UInt32 = 0
        let result = HMAC(evp, key.baseAddress, Int32(key.count), message.baseAddress?.assumingMemoryBound(to: UInt8.self),
                          message.count, out.baseAddress?.assumingMemoryBound(to: UInt8.self), &written)
        precondition(result != nil && Int(written) == length, "OpenSSL refused an HMAC-\(self)")
    }

    /// Compares two MACs in time independent of where they differ.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
    }
}
