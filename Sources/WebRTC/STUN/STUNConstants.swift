/// STUN message classes and the Binding method (RFC 5389 §6): all ICE needs.
public enum STUNMessageType: UInt16, Sendable {
    case bindingRequest = 0x0001
    case bindingIndication = 0x0011
    case bindingSuccess = 0x0101
    case bindingError = 0x0111
}

/// The STUN attribute types ICE uses (RFC 5389 §15, RFC 8445 §16.1).
public enum STUNAttributeType: UInt16, Sendable {
    case mappedAddress = 0x0001
    case username = 0x0006
    case messageIntegrity = 0x0008
    case errorCode = 0x0009
    case unknownAttributes = 0x000A
    case realm = 0x0014
    case nonce = 0x0015
    case xorMappedAddress = 0x0020
    case priority = 0x0024
    case useCandidate = 0x0025
    case software = 0x8022
    case fingerprint = 0x8028
    case iceControlled = 0x8029
    case iceControlling = 0x802A

    /// Types below 0x8000 must be understood; a request carrying an unknown one gets 420.
    static func isComprehensionRequired(_ raw: UInt16) -> Bool { raw < 0x8000 }
}

/// Fixed values of the STUN header.
public enum STUN {
    public static let magicCookie: UInt32 = 0x2112_A442
    public static let headerLength = 20
    /// XORed into the CRC-32 of FINGERPRINT (RFC 5389 §15.5).
    static let fingerprintXor: UInt32 = 0x5354_554E
    static let messageIntegrityLength = 20
}

/// A 96-bit STUN transaction ID, stored inline.
public struct STUNTransactionID: Sendable, Hashable {
    public var high: UInt64
    public var low: UInt32

    public init(high: UInt64, low: UInt32) {
        self.high = high
        self.low = low
    }

    public static func random() -> STUNTransactionID {
        var g = SystemRandomNumberGenerator()
        return STUNTransactionID(high: g.next(), low: g.next())
    }
}
