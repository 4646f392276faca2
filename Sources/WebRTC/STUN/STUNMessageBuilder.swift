import Hashing
/// Builds a STUN message attribute by attribute, then seals it with MESSAGE-INTEGRITY and
/// FINGERPRINT. Used for ICE responses and checks (a few per second per leg), not per media packet.
public struct STUNMessageBuilder {
    public private(set) var bytes: [UInt8]

    public init(type: STUNMessageType, transactionID: STUNTransactionID) {
        bytes = []
        bytes.reserveCapacity(128)
        append16(type.rawValue)
        append16(0)
        append32(STUN.magicCookie)
        append32(UInt32(truncatingIfNeeded: transactionID.high >> 32))
        append32(UInt32(truncatingIfNeeded: transactionID.high))
        append32(transactionID.low)
    }

    /// Goes on from a header and attributes already written (a multiple of four bytes long), so
    /// they can be sealed: the fuzz harness re-seals mutated checks with it.
    init(unsealed bytes: [UInt8]) {
        self.bytes = bytes
    }

    public mutating func add(_ type: STUNAttributeType, _ value: [UInt8]) {
        append16(type.rawValue)
        append16(UInt16(value.count))
        bytes += value
        while bytes.count % 4 != 0 { bytes.append(0) }
        setLength(bytes.count - STUN.headerLength)
    }

    /// Overwrites the padding of the last attribute; only RFC 5769's vectors, which pad with spaces, need it.
    mutating func patchLastPadding(with byte: UInt8) {
        var i = bytes.count - 1
        while i > STUN.headerLength, bytes[i] == 0 { bytes[i] = byte; i -= 1 }
    }

    public mutating func addUsername(_ username: String) { add(.username, Array(username.utf8)) }
    public mutating func addPriority(_ p: UInt32) { add(.priority, Self.be32(p)) }
    public mutating func addUseCandidate() { add(.useCandidate, []) }
    public mutating func addICEControlling(_ tieBreaker: UInt64) { add(.iceControlling, Self.be64(tieBreaker)) }
    public mutating func addICEControlled(_ tieBreaker: UInt64) { add(.iceControlled, Self.be64(tieBreaker)) }
    public mutating func addSoftware(_ s: String) { add(.software, Array(s.utf8)) }

    /// ERROR-CODE (RFC 5389 §15.6): class and number, then a reason phrase.
    public mutating func addErrorCode(_ code: Int, reason: String) {
        add(.errorCode, [0, 0, UInt8(code / 100), UInt8(code % 100)] + Array(reason.utf8))
    }

    /// XOR-MAPPED-ADDRESS (RFC 5389 §15.2): the address is XORed with the cookie and transaction ID.
    public mutating func addXorMappedAddress(_ a: TransportAddress) {
        let mask = Array(bytes[4..<20])
        var value: [UInt8] = [0, a.isIPv6 ? 0x02 : 0x01]
        value += Self.be16(a.port ^ UInt16(STUN.magicCookie >> 16))
        value += a.addressBytes.enumerated().map { $1 ^ mask[$0] }
        add(.xorMappedAddress, value)
    }

    /// Appends MESSAGE-INTEGRITY keyed with `key` (for ICE: the password of the agent that will check it).
    public mutating func addMessageIntegrity(key: [UInt8]) {
        setLength(bytes.count + 24 - STUN.headerLength)
        var mac = [UInt8](repeating: 0, count: 20)
        key.withUnsafeBytes { k in bytes.withUnsafeBytes { m in mac.withUnsafeMutableBytes { Hash.sha1.authenticate(key: k, message: m, into: $0) } } }
        add(.messageIntegrity, mac)
    }

    public mutating func addFingerprint() {
        setLength(bytes.count + 8 - STUN.headerLength)
        let crc = bytes.withUnsafeBytes { CRC32.checksum($0) } ^ STUN.fingerprintXor
        add(.fingerprint, Self.be32(crc))
    }

    private mutating func setLength(_ n: Int) {
        bytes[2] = UInt8(truncatingIfNeeded: n >> 8)
        bytes[3] = UInt8(truncatingIfNeeded: n)
    }

    private mutating func append16(_ v: UInt16) { bytes += Self.be16(v) }
    private mutating func append32(_ v: UInt32) { bytes += Self.be32(v) }
    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(truncatingIfNeeded: v)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
    static func be64(_ v: UInt64) -> [UInt8] { be32(UInt32(v >> 32)) + be32(UInt32(truncatingIfNeeded: v)) }
}
