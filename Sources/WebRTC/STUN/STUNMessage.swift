import Hashing
/// Why bytes are not a STUN message we accept.
public enum STUNParseError: Error, Sendable, Equatable {
    case tooShort
    case notSTUN
    case badLength
    case badAttribute(UInt16)
    case badFingerprint
}

/// A decoded STUN message: the header and the attributes ICE reads, as values and offsets into the
/// caller's bytes, so decoding allocates nothing.
public struct STUNMessage: Sendable {
    public var type: UInt16
    public var transactionID: STUNTransactionID
    /// Byte range of the USERNAME value in the original buffer.
    public var username: Range<Int>?
    /// Offset of the MESSAGE-INTEGRITY attribute's header.
    public var messageIntegrityOffset: Int?
    public var hasFingerprint = false
    public var priority: UInt32?
    public var useCandidate = false
    public var iceControlled: UInt64?
    public var iceControlling: UInt64?
    public var errorCode: Int?
    public var xorMappedAddress: TransportAddress?
    /// The first comprehension-required attribute we do not know, if any.
    public var unknownRequiredAttribute: UInt16?

    public var messageType: STUNMessageType? { STUNMessageType(rawValue: type) }

    /// Cheap check used by the demultiplexer and before parsing: length, top bits and magic cookie.
    public static func looksLikeSTUN(_ p: UnsafeRawBufferPointer) -> Bool {
        p.count >= STUN.headerLength && p[0] & 0xC0 == 0 && p.loadBigEndianUInt32(at: 4) == STUN.magicCookie
    }

    /// Decodes `p`, checking framing and, when present, FINGERPRINT. MESSAGE-INTEGRITY is checked
    /// separately with `verifyIntegrity(in:key:)`, since the key depends on the username.
    public init(parsing p: UnsafeRawBufferPointer) throws(STUNParseError) {
        guard p.count >= STUN.headerLength else { throw .tooShort }
        guard Self.looksLikeSTUN(p) else { throw .notSTUN }
        let length = Int(p.loadBigEndianUInt16(at: 2))
        guard length % 4 == 0, STUN.headerLength + length == p.count else { throw .badLength }
        type = p.loadBigEndianUInt16(at: 0)
        transactionID = STUNTransactionID(high: p.loadBigEndianUInt64(at: 8), low: p.loadBigEndianUInt32(at: 16))
        var offset = STUN.headerLength
        while offset < p.count {
            guard offset + 4 <= p.count else { throw .badLength }
            let attrType = p.loadBigEndianUInt16(at: offset)
            let attrLength = Int(p.loadBigEndianUInt16(at: offset + 2))
            let value = offset + 4
            guard value + attrLength <= p.count else { throw .badLength }
            // After MESSAGE-INTEGRITY only FINGERPRINT counts (RFC 5389 §15.4).
            if messageIntegrityOffset != nil && attrType != STUNAttributeType.fingerprint.rawValue {
                offset = value + (attrLength + 3) & ~3
                continue
            }
            switch STUNAttributeType(rawValue: attrType) {
            case .username:
                username = value..<value + attrLength
            case .messageIntegrity:
                guard attrLength == STUN.messageIntegrityLength else { throw .badAttribute(attrType) }
                messageIntegrityOffset = offset
            case .fingerprint:
                guard attrLength == 4, value + 4 == p.count else { throw .badAttribute(attrType) }
                let expected = CRC32.checksum(UnsafeRawBufferPointer(rebasing: p[0..<offset])) ^ STUN.fingerprintXor
                guard p.loadBigEndianUInt32(at: value) == expected else { throw .badFingerprint }
                hasFingerprint = true
            case .priority:
                guard attrLength == 4 else { throw .badAttribute(attrType) }
                priority = p.loadBigEndianUInt32(at: value)
            case .useCandidate:
                guard attrLength == 0 else { throw .badAttribute(attrType) }
                useCandidate = true
            case .iceControlled:
                guard attrLength == 8 else { throw .badAttribute(attrType) }
                iceControlled = p.loadBigEndianUInt64(at: value)
            case .iceControlling:
                guard attrLength == 8 else { throw .badAttribute(attrType) }
                iceControlling = p.loadBigEndianUInt64(at: value)
            case .errorCode:
                guard attrLength >= 4 else { throw .badAttribute(attrType) }
                errorCode = Int(p[value + 2] & 0x07) * 100 + Int(p[value + 3])
            case .xorMappedAddress:
                xorMappedAddress = try Self.decodeXorAddress(p, at: value, length: attrLength)
            case .mappedAddress, .unknownAttributes, .realm, .nonce, .software:
                break
            case nil:
                if STUNAttributeType.isComprehensionRequired(attrType), unknownRequiredAttribute == nil {
                    unknownRequiredAttribute = attrType
                }
            }
            offset = value + (attrLength + 3) & ~3
        }
        guard offset == p.count else { throw .badLength }
    }

    /// Checks MESSAGE-INTEGRITY with `key` (for ICE: the receiver's password). False when absent.
    public func verifyIntegrity(in p: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer) -> Bool {
        guard let mi = messageIntegrityOffset, mi + 24 <= p.count else { return false }
        // The HMAC covers the message up to MESSAGE-INTEGRITY with the length field counting up to its
        // end, so rewrite the length in a copy of the header.
        var header = [UInt8](UnsafeRawBufferPointer(rebasing: p[0..<mi]))
        let adjusted = UInt16(mi + 24 - STUN.headerLength)
        header[2] = UInt8(adjusted >> 8)
        header[3] = UInt8(truncatingIfNeeded: adjusted)
        var mac = [UInt8](repeating: 0, count: 20)
        header.withUnsafeBytes { h in mac.withUnsafeMutableBytes { Hash.sha1.authenticate(key: key, message: h, into: $0) } }
        var diff: UInt8 = 0
        for i in 0..<20 { diff |= mac[i] ^ p[mi + 4 + i] }
        return diff == 0
    }

    private static func decodeXorAddress(_ p: UnsafeRawBufferPointer, at v: Int, length: Int) throws(STUNParseError) -> TransportAddress {
        guard length >= 8 else { throw .badAttribute(STUNAttributeType.xorMappedAddress.rawValue) }
        let family = p[v + 1]
        let port = p.loadBigEndianUInt16(at: v + 2) ^ UInt16(STUN.magicCookie >> 16)
        // The address is XORed with the cookie and, for IPv6, the transaction ID: bytes 4..<20 of the header.
        switch family {
        case 0x01 where length == 8:
            let bytes = (0..<4).map { p[v + 4 + $0] ^ p[4 + $0] }
            return TransportAddress(addressBytes: bytes, port: port)!
        case 0x02 where length == 20:
            let bytes = (0..<16).map { p[v + 4 + $0] ^ p[4 + $0] }
            return TransportAddress(addressBytes: bytes, port: port)!
        default:
            throw .badAttribute(STUNAttributeType.xorMappedAddress.rawValue)
        }
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always) func loadBigEndianUInt16(at o: Int) -> UInt16 { UInt16(self[o]) << 8 | UInt16(self[o + 1]) }
    @inline(__always) func loadBigEndianUInt32(at o: Int) -> UInt32 {
        UInt32(self[o]) << 24 | UInt32(self[o + 1]) << 16 | UInt32(self[o + 2]) << 8 | UInt32(self[o + 3])
    }
    @inline(__always) func loadBigEndianUInt64(at o: Int) -> UInt64 {
        UInt64(loadBigEndianUInt32(at: o)) << 32 | UInt64(loadBigEndianUInt32(at: o + 4))
    }
}
