import Foundation

/// A `<time>` test: days of the week, hour ranges and date ranges, read on the wall clock of a
/// timezone. An hour range that crosses midnight (`22:00-06:00`) belongs to the day it opens on, so
/// `days="fri" hours="22:00-06:00"` holds until Saturday 06:00. Every part given must hold.
public struct TimeWindow: Sendable {
    /// Bit n set for weekday n, 0 = Sunday; nil when `days` is not given.
    public var days: UInt8?
    /// Minute-of-day ranges, end exclusive; `start > end` wraps past midnight.
    public var hours: [MinuteRange]
    public var dates: [DateRange]
    public var timeZone: TimeZone
    /// The attributes as written, for traces.
    public var source: String

    /// `HH:MM-HH:MM`, as minutes since midnight.
    public struct MinuteRange: Sendable, Equatable {
        public var start: Int
        public var end: Int
        public var wraps: Bool { start > end }
    }

    /// `YYYY-MM-DD`, `MM-DD` (every year) or a `..` range of either.
    public struct DateRange: Sendable, Equatable {
        /// `year*10000 + month*100 + day`, with year 0 for yearly ranges.
        public var start: Int
        public var end: Int
        public var yearly: Bool

        func contains(_ d: LocalDate) -> Bool {
            if yearly {
                let md = d.month * 100 + d.day
                return start <= end ? (start...end).contains(md) : (md >= start || md <= end)
            }
            return (start...end).contains(d.year * 10000 + d.month * 100 + d.day)
        }
    }

    /// Whether `date` falls in the window.
    public func contains(_ date: Date) -> Bool {
        contains(LocalTime(date, in: timeZone))
    }

    func contains(_ t: LocalTime) -> Bool {
        if hours.isEmpty { return dayMatches(t.date) }
        for r in hours {
            if r.wraps {
                if t.minute >= r.start, dayMatches(t.date) { return true }
                if t.minute < r.end, dayMatches(t.date.previous()) { return true }
            } else if t.minute >= r.start && t.minute < r.end, dayMatches(t.date) {
                return true
            }
        }
        return false
    }

    private func dayMatches(_ d: LocalDate) -> Bool {
        if let days, days & (1 << UInt8(d.weekday)) == 0 { return false }
        if !dates.isEmpty && !dates.contains(where: { $0.contains(d) }) { return false }
        return true
    }

    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// `mon-fri,sun`; ranges may wrap (`fri-mon`).
    static func parseDays(_ text: String) -> UInt8? {
        var mask: UInt8 = 0
        for item in text.lowercased().split(separator: ",") {
            let ends = item.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard ends.count == 1 || ends.count == 2 else { return nil }
            var idx: [Int] = []
            for e in ends {
                guard e.count >= 3, let i = dayNames.firstIndex(where: { e.hasPrefix($0) }),
                      fullDayNames[i].hasPrefix(e) else { return nil }
                idx.append(i)
            }
            var d = idx[0]
            let last = idx[idx.count - 1]
            while true {
                mask |= 1 << UInt8(d)
                if d == last { break }
                d = (d + 1) % 7
            }
        }
        return mask == 0 ? nil : mask
    }

    private static let fullDayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    /// `09:00-17:00,22:00-06:00`; `24:00` may end a range.
    static func parseHours(_ text: String) -> [MinuteRange]? {
        var out: [MinuteRange] = []
        for item in text.split(separator: ",") {
            let ends = item.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count == 2, let s = minutes(ends[0]), let e = minutes(ends[1]), s != e, s < 1440 else { return nil }
            out.append(MinuteRange(start: s, end: e))
        }
        return out.isEmpty ? nil : out
    }

    private static func minutes(_ t: Substring) -> Int? {
        let parts = t.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2,
              parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && !$0.isEmpty }),
              let h = Int(parts[0]), let m = Int(parts[1]), m < 60, h < 24 || (h == 24 && m == 0) else { return nil }
        return h * 60 + m
    }

    /// `2026-12-24`, `2026-12-24..2026-12-31`, `12-25`, `12-24..01-02`, comma-separated.
    static func parseDates(_ text: String) -> [DateRange]? {
        var out: [DateRange] = []
        for item in text.split(separator: ",") {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            let ends: [String]
            if let r = trimmed.range(of: "..") {
                ends = [String(trimmed[..<r.lowerBound]), String(trimmed[r.upperBound...])]
            } else {
                ends = [trimmed]
            }
            let parsed = ends.compactMap(date)
            guard parsed.count == ends.count, let first = parsed.first, let last = parsed.last,
                  first.yearly == last.yearly else { return nil }
            if !first.yearly && first.value > last.value { return nil }
            out.append(DateRange(start: first.value, end: last.value, yearly: first.yearly))
        }
        return out.isEmpty ? nil : out
    }

    private static func date(_ t: String) -> (value: Int, yearly: Bool)? {
        let parts = t.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3,
              parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }) else { return nil }
        let nums = parts.compactMap { Int($0) }
        guard nums.count == parts.count else { return nil }
        let (y, m, d) = parts.count == 3 ? (nums[0], nums[1], nums[2]) : (0, nums[0], nums[1])
        if parts.count == 3 && (parts[0].count != 4) { return nil }
        let monthLengths = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(m), d >= 1, d <= monthLengths[m - 1] else { return nil }
        return (y * 10000 + m * 100 + d, parts.count == 2)
    }
}

/// A calendar day on some wall clock.
struct LocalDate: Equatable {
    var year: Int
    var month: Int
    var day: Int
    /// 0 = Sunday.
    var weekday: Int
    var daysSinceEpoch: Int

    init(daysSinceEpoch z0: Int) {
        daysSinceEpoch = z0
        // Days to civil date, after Howard Hinnant's `civil_from_days`.
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        weekday = ((z0 % 7) + 7 + 4) % 7 // 1970-01-01 was a Thursday
    }

    func previous() -> LocalDate { LocalDate(daysSinceEpoch: daysSinceEpoch - 1) }
}

/// An instant read on a timezone's wall clock: the date and the minute of the day.
struct LocalTime {
    var date: LocalDate
    var minute: Int

    init(_ instant: Date, in zone: TimeZone) {
        let utc = instant.timeIntervalSince1970
        let clamped = utc.isFinite ? min(max(utc, -1e13), 1e13) : 0
        let local = Int((clamped + Double(zone.secondsFromGMT(for: instant))).rounded(.down))
        let days = local >= 0 ? local / 86400 : (local - 86399) / 86400
        date = LocalDate(daysSinceEpoch: days)
        minute = (local - days * 86400) / 60
    }
}
