import ByteText

/// A t= line with the r= repeat lines that follow it (RFC 8866 §5.9, §5.10).
///
/// Real-time calls always say `t=0 0`; repeats are kept as written because nothing here acts on them.
public struct Timing: Sendable, Equatable {
    /// NTP seconds; 0 means unbounded.
    public var start: UInt64
    public var stop: UInt64
    /// The raw values of the r= lines belonging to this t= line.
    public var repeats: [String]

    public init(start: UInt64 = 0, stop: UInt64 = 0, repeats: [String] = []) {
        self.start = start
        self.stop = stop
        self.repeats = repeats
    }

    /// `t=0 0`, the permanent session every call uses.
    public static let permanent = Timing()

    static func parse(_ value: String) -> Timing? {
        let parts = SDPText.fields(value)
        guard parts.count == 2,
              let start = BoundedNumber.parse(parts[0], maximum: .max),
              let stop = BoundedNumber.parse(parts[1], maximum: .max) else { return nil }
        return Timing(start: start, stop: stop)
    }

    var sdpValue: String { "\(start) \(stop)" }
}
