import ByteText

/// The set of RFC 4733 events a telephone-event format carries, e.g. `0-15` (DTMF) or `0-16` (DTMF and
/// flash), read from and written to its fmtp.
public struct TelephoneEvents: Sendable, Equatable {
    /// Sorted, non-overlapping ranges of event codes.
    public private(set) var ranges: [ClosedRange<UInt8>]

    public init(_ ranges: [ClosedRange<UInt8>]) {
        self.ranges = Self.normalized(ranges)
    }

    /// DTMF digits 0-9, *, #, A-D: what RFC 4733 §2.4.1 says a receiver assumes without fmtp.
    public static let dtmf = TelephoneEvents([0...15])
    /// DTMF plus hook flash (16), what most phones and gateways announce.
    public static let dtmfAndFlash = TelephoneEvents([0...16])

    public var isEmpty: Bool { ranges.isEmpty }

    public func contains(_ event: UInt8) -> Bool {
        ranges.contains { $0.contains(event) }
    }

    /// The events both sides support; an answer must not announce events the offerer did not.
    public func intersection(_ other: TelephoneEvents) -> TelephoneEvents {
        var result: [ClosedRange<UInt8>] = []
        for lhs in ranges {
            for rhs in other.ranges where lhs.overlaps(rhs) {
                result.append(max(lhs.lowerBound, rhs.lowerBound)...min(lhs.upperBound, rhs.upperBound))
            }
        }
        return TelephoneEvents(result)
    }

    /// Reads the fmtp event list (`0-15,66,70`); nil when it is not one.
    public init?(formatParameters: FormatParameters) {
        guard let first = formatParameters.parameters.first, first.value == nil else { return nil }
        var ranges: [ClosedRange<UInt8>] = []
        for piece in SDPText.split(first.name, on: ASCII.comma) {
            let (low, high) = SDPText.splitOnce(SDPText.trimmed(piece), at: ASCII.hyphen)
            guard let lower = SDPText.uint8(low) else { return nil }
            let upper = high.flatMap { SDPText.uint8($0) } ?? (high == nil ? lower : nil)
            guard let upper, lower <= upper else { return nil }
            ranges.append(lower...upper)
        }
        guard !ranges.isEmpty else { return nil }
        self.init(ranges)
    }

    /// The fmtp parameter text, e.g. `0-16`.
    public var parameterText: String {
        ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
            .joined(separator: ",")
    }

    private static func normalized(_ input: [ClosedRange<UInt8>]) -> [ClosedRange<UInt8>] {
        let sorted = input.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt8>] = []
        for range in sorted {
            if let last = merged.last, Int(range.lowerBound) <= Int(last.upperBound) + 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged
    }
}
