import ByteText

/// A b= line: a bandwidth limit such as `AS:64` (kbit/s, RFC 8866 §5.8) or `TIAS:64000` (bit/s, RFC 3890).
public struct Bandwidth: Sendable, Equatable {
    /// The modifier, kept as written (`AS`, `CT`, `TIAS`, `RS`, `RR`, or an extension).
    public var type: String
    public var value: UInt64

    public init(type: String, value: UInt64) {
        self.type = type
        self.value = value
    }

    public static func applicationSpecific(kilobitsPerSecond: UInt64) -> Bandwidth {
        Bandwidth(type: "AS", value: kilobitsPerSecond)
    }

    public static func transportIndependent(bitsPerSecond: UInt64) -> Bandwidth {
        Bandwidth(type: "TIAS", value: bitsPerSecond)
    }

    static func parse(_ value: String) -> Bandwidth? {
        let (type, amount) = SDPText.splitOnce(value, at: ASCII.colon)
        guard !type.isEmpty, !type.utf8.contains(where: ASCII.isBlank), let amount,
              let number = BoundedNumber.parse(amount, maximum: .max) else { return nil }
        return Bandwidth(type: type, value: number)
    }

    var sdpValue: String { "\(type):\(value)" }
}
