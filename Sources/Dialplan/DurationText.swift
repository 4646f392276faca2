/// Durations as dialplans write them: `30s`, `1500ms`, `5m`, `1h30m`, or a bare number of seconds.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let t = text.trimmingCharacters(in: " \t\r\n")
        guard !t.isEmpty, t.utf8.count <= 32 else { return nil }
        if let seconds = Int(t), seconds >= 0 { return .seconds(seconds) }
        var total: Int64 = 0
        var number: Int64 = -1
        var chars = Array(t.utf8)[...]
        while let c = chars.first {
            if c >= 0x30 && c <= 0x39 {
                let digit = Int64(c - 0x30)
                let base = max(number, 0)
                guard base < 1_000_000_000 else { return nil }
                number = base * 10 + digit
                chars = chars.dropFirst()
                continue
            }
            guard number >= 0 else { return nil }
            let unitMilliseconds: Int64
            if chars.starts(with: "ms".utf8) {
                unitMilliseconds = 1
                chars = chars.dropFirst(2)
            } else if c == UInt8(ascii: "s") {
                unitMilliseconds = 1000
                chars = chars.dropFirst()
            } else if c == UInt8(ascii: "m") {
                unitMilliseconds = 60_000
                chars = chars.dropFirst()
            } else if c == UInt8(ascii: "h") {
                unitMilliseconds = 3_600_000
                chars = chars.dropFirst()
            } else {
                return nil
            }
            total += number * unitMilliseconds
            number = -1
        }
        guard number < 0 else { return nil } // a trailing number without its unit
        return .milliseconds(total)
    }

    /// The shortest of the forms `parse` accepts that says the same duration.
    public static func format(_ d: Duration) -> String {
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        if ms % 1000 != 0 { return "\(ms)ms" }
        var s = ms / 1000
        var out = ""
        if s >= 3600 {
            out += "\(s / 3600)h"
            s %= 3600
        }
        if s >= 60 {
            out += "\(s / 60)m"
            s %= 60
        }
        if s > 0 || out.isEmpty { out += "\(s)s" }
        return out
    }
}
