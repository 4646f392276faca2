/// The RFC 4733 §2.3 payload of one telephone-event packet (4 bytes): which event, whether it has
/// ended, its volume and how long it has lasted so far in the event's RTP clock units.
public struct TelephoneEvent: Sendable, Equatable {
    /// Event code: 0–9, 10 = `*`, 11 = `#`, 12–15 = A–D for DTMF (RFC 4733 §3.2).
    public var event: UInt8
    /// The E bit: set on the (repeated) final packets of an event.
    public var isEnd: Bool
    /// Power level in -dBm0, 0…63 (RFC 4733 §2.3.4).
    public var volume: UInt8
    /// Duration so far, in units of the telephone-event RTP clock.
    public var duration: UInt16

    public static let length = 4

    public init(event: UInt8, isEnd: Bool = false, volume: UInt8 = 10, duration: UInt16) {
        self.event = event
        self.isEnd = isEnd
        self.volume = volume & 0x3f
        self.duration = duration
    }

    /// Reads the first event of a payload; nil when it is shorter than 4 bytes. (RFC 4733 allows
    /// several events in one payload only through redundancy, which we do not negotiate.)
    public init?(parsing payload: UnsafeRawBufferPointer) {
        guard payload.count >= Self.length else { return nil }
        event = payload[0]
        isEnd = payload[1] & 0x80 != 0
        volume = payload[1] & 0x3f
        duration = UInt16(payload[2]) << 8 | UInt16(payload[3])
    }

    /// Writes the 4 bytes at the start of `out`; returns 4, or nil if `out` is too small.
    @discardableResult
    public func write(to out: UnsafeMutableRawBufferPointer) -> Int? {
        guard out.count >= Self.length else { return nil }
        out[0] = event
        out[1] = (isEnd ? 0x80 : 0) | (volume & 0x3f)
        out[2] = UInt8(duration >> 8)
        out[3] = UInt8(truncatingIfNeeded: duration)
        return Self.length
    }
}

/// A DTMF key, stored as its RFC 4733 event code so that mapping between the wire, SIP INFO bodies
/// and tone frequencies never needs a string.
public struct DTMFDigit: Sendable, Hashable, CustomStringConvertible {
    /// RFC 4733 event code, 0…15.
    public let code: UInt8

    public init?(code: UInt8) {
        guard code < 16 else { return nil }
        self.code = code
    }

    /// From the character a person types: 0-9, `*`, `#`, A-D (either case).
    public init?(_ character: Character) {
        guard let ascii = character.asciiValue, let d = DTMFDigit(ascii: ascii) else { return nil }
        self = d
    }

    /// From one ASCII byte; nil for anything but 0-9 * # A-D a-d.
    public init?(ascii: UInt8) {
        switch ascii {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): code = ascii - UInt8(ascii: "0")
        case UInt8(ascii: "*"): code = 10
        case UInt8(ascii: "#"): code = 11
        case UInt8(ascii: "A")...UInt8(ascii: "D"): code = 12 + ascii - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "d"): code = 12 + ascii - UInt8(ascii: "a")
        default: return nil
        }
    }

    /// The character for the key: "0"…"9", "*", "#", "A"…"D".
    public var ascii: UInt8 {
        switch code {
        case 0...9: UInt8(ascii: "0") + code
        case 10: UInt8(ascii: "*")
        case 11: UInt8(ascii: "#")
        default: UInt8(ascii: "A") + code - 12
        }
    }

    public var character: Character { Character(Unicode.Scalar(ascii)) }
    public var description: String { String(character) }

    /// The row and column frequencies of the key (ITU-T Q.23), in Hz.
    public var frequencies: (low: Int, high: Int) {
        let row: Int, column: Int
        switch code {
        case 0: (row, column) = (3, 1)
        case 1...9: (row, column) = (Int(code - 1) / 3, Int(code - 1) % 3)
        case 10: (row, column) = (3, 0)
        case 11: (row, column) = (3, 2)
        default: (row, column) = (Int(code) - 12, 3)
        }
        let low = switch row { case 0: 697; case 1: 770; case 2: 852; default: 941 }
        let high = switch column { case 0: 1209; case 1: 1336; case 2: 1477; default: 1633 }
        return (low, high)
    }
}
