import COpenSSL

/// HMAC-SHA1 through OpenSSL, for STUN MESSAGE-INTEGRITY (RFC 5389 §15.4).
enum HMACSHA1 {
    static func authenticate(key: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer,
                             into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= 20)
        var length: UInt32 = 0
        _ = HMAC(EVP_sha1(), key.baseAddress, Int32(key.count), message.baseAddress?.assumingMemoryBound(to: UInt8.self),
                 message.count, out.baseAddress?.assumingMemoryBound(to: UInt8.self), &length)
    }
}
