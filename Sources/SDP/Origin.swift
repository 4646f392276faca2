import ByteText

/// The o= line: who created the session and which version of it this is (RFC 8866 §5.2).
///
/// Session id and version stay strings so leading zeros and values wider than 64 bits survive a round
/// trip; `sessionVersionNumber` gives the numeric view a re-offer needs to increment.
public struct Origin: Sendable, Equatable {
    public var username: String
    public var sessionID: String
    public var sessionVersion: String
    public var networkType: String
    public var addressType: String
    public var unicastAddress: String

    public init(
        username: String = "-",
        sessionID: String,
        sessionVersion: String,
        networkType: String = "IN",
        addressType: String = "IP4",
        unicastAddress: String
    ) {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.networkType = networkType
        self.addressType = addressType
        self.unicastAddress = unicastAddress
    }

    /// The session version as a number, when it is one; RFC 3264 §8 wants it incremented per re-offer.
    public var sessionVersionNumber: UInt64? {
        BoundedNumber.parse(sessionVersion, maximum: .max)
    }

    static func parse(_ value: String) -> Origin? {
        let parts = SDPText.fields(value)
        guard parts.count == 6 else { return nil }
        return Origin(
            username: parts[0], sessionID: parts[1], sessionVersion: parts[2],
            networkType: parts[3], addressType: parts[4], unicastAddress: parts[5]
        )
    }

    var sdpValue: String {
        "\(username) \(sessionID) \(sessionVersion) \(networkType) \(addressType) \(unicastAddress)"
    }
}
