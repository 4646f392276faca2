import Foundation
import Testing
@testable import Dialplan

/// `<time>`: days, hours (also across midnight), dates, yearly dates, timezones and DST changes.
@Suite struct TimeWindowTests {
    func plan(_ time: String, zone: String = "Europe/Berlin") throws -> Dialplan {
        try Support.plan("""
            <dialplan timezone="\(zone)"><context name="c">
              <route name="in">\(time)<answer/></route>
              <route name="out"><reject code="480"/></route>
            </context></dialplan>
            """)
    }

    func matches(_ p: Dialplan, _ at: String) throws -> Bool {
        Support.route(p, CallFields(destination: "1"), at: try Support.time(at)).matchedRoutes == ["in"]
    }

    @Test func officeHoursOnWeekdays() throws {
        let p = try plan(#"<time days="mon-fri" hours="09:00-17:00"/>"#)
        #expect(try matches(p, "2026-01-05T08:00:00Z"))       // Monday 09:00 Berlin (CET, +1)
        #expect(try !matches(p, "2026-01-05T07:59:00Z"))      // 08:59
        #expect(try !matches(p, "2026-01-05T16:00:00Z"))      // 17:00, end is exclusive
        #expect(try !matches(p, "2026-01-10T10:00:00Z"))      // Saturday
    }

    @Test func rangeAcrossMidnightBelongsToTheDayItOpens() throws {
        let p = try plan(#"<time days="fri" hours="22:00-06:00"/>"#)
        #expect(try matches(p, "2026-01-09T21:30:00Z"))       // Friday 22:30
        #expect(try matches(p, "2026-01-10T04:00:00Z"))       // Saturday 05:00, still Friday's night
        #expect(try !matches(p, "2026-01-10T05:00:00Z"))      // Saturday 06:00
        #expect(try !matches(p, "2026-01-09T04:00:00Z"))      // Friday 05:00 belongs to Thursday's night
        #expect(try !matches(p, "2026-01-10T21:30:00Z"))      // Saturday 22:30
    }

    @Test func nightWithoutDaysCoversBothSidesOfMidnight() throws {
        let p = try plan(#"<time hours="22:00-06:00"/>"#, zone: "UTC")
        #expect(try matches(p, "2026-01-05T23:59:00Z"))
        #expect(try matches(p, "2026-01-06T00:00:00Z"))
        #expect(try matches(p, "2026-01-06T05:59:00Z"))
        #expect(try !matches(p, "2026-01-06T06:00:00Z"))
        #expect(try !matches(p, "2026-01-06T21:59:00Z"))
    }

    @Test func springForwardInBerlin() throws {
        // 2026-03-29: 02:00 CET jumps to 03:00 CEST; the hour 02:00-03:00 does not exist that night.
        let twoToThree = try plan(#"<time dates="2026-03-29" hours="02:00-03:00"/>"#)
        #expect(try !matches(twoToThree, "2026-03-29T00:59:00Z")) // 01:59 CET
        #expect(try !matches(twoToThree, "2026-03-29T01:00:00Z")) // 03:00 CEST
        let threeToFour = try plan(#"<time dates="2026-03-29" hours="03:00-04:00"/>"#)
        #expect(try matches(threeToFour, "2026-03-29T01:00:00Z"))  // 03:00 CEST, the minute after 01:59 CET
        #expect(try matches(threeToFour, "2026-03-29T01:59:00Z"))
        #expect(try !matches(threeToFour, "2026-03-29T02:00:00Z")) // 04:00 CEST
        let morning = try plan(#"<time hours="08:00-09:00"/>"#)
        #expect(try !matches(morning, "2026-03-28T08:30:00Z"))     // Saturday 09:30 CET
        #expect(try matches(morning, "2026-03-29T06:30:00Z"))      // Sunday 08:30 CEST
    }

    @Test func fallBackInBerlin() throws {
        // 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:00-03:00 happens twice.
        let p = try plan(#"<time dates="2026-10-25" hours="02:00-03:00"/>"#)
        #expect(try matches(p, "2026-10-25T00:30:00Z")) // 02:30 CEST
        #expect(try matches(p, "2026-10-25T01:30:00Z")) // 02:30 CET
        #expect(try !matches(p, "2026-10-25T02:00:00Z")) // 03:00 CET
        #expect(try !matches(p, "2026-10-24T23:59:00Z")) // 01:59 CEST
    }

    @Test func datesAndYearlyRanges() throws {
        let p = try plan(#"<time dates="12-24..01-01,2026-04-03"/>"#)
        #expect(try matches(p, "2026-12-24T12:00:00Z"))
        #expect(try matches(p, "2027-01-01T12:00:00Z"))
        #expect(try !matches(p, "2027-01-02T12:00:00Z"))
        #expect(try matches(p, "2026-04-03T12:00:00Z"))
        #expect(try !matches(p, "2027-04-03T12:00:00Z"))
        let span = try plan(#"<time dates="2026-02-27..2026-03-02"/>"#, zone: "UTC")
        #expect(try matches(span, "2026-02-28T23:00:00Z"))
        #expect(try matches(span, "2026-03-01T00:00:00Z"))
        #expect(try !matches(span, "2026-03-03T00:00:00Z"))
    }

    @Test func perElementTimezoneAndNegation() throws {
        let p = try plan(#"<time hours="09:00-17:00" timezone="America/New_York" not="true"/>"#, zone: "UTC")
        #expect(try matches(p, "2026-01-05T13:00:00Z"))   // 08:00 in New York: outside, so `not` passes
        #expect(try !matches(p, "2026-01-05T15:00:00Z"))  // 10:00 in New York
        let text = Support.route(p, CallFields(destination: "1"), at: try Support.time("2026-01-05T15:00:00Z")).traceText()
        #expect(text.contains("FAIL  not time hours 09:00-17:00 (America/New_York)"))
    }

    @Test func weekdayWrapAndFullNames() throws {
        let p = try plan(#"<time days="saturday-monday"/>"#, zone: "UTC")
        #expect(try matches(p, "2026-01-10T12:00:00Z")) // Sat
        #expect(try matches(p, "2026-01-11T12:00:00Z")) // Sun
        #expect(try matches(p, "2026-01-12T12:00:00Z")) // Mon
        #expect(try !matches(p, "2026-01-13T12:00:00Z")) // Tue
    }

    @Test func localDateArithmeticAgreesWithFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        let zone = try #require(TimeZone(identifier: "Europe/Berlin"))
        calendar.timeZone = zone
        var t = try Support.time("1969-12-30T00:00:00Z")
        for _ in 0..<3000 {
            let local = LocalTime(t, in: zone)
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: t)
            #expect(local.date.year == c.year && local.date.month == c.month && local.date.day == c.day)
            #expect(local.date.weekday == (c.weekday ?? 0) - 1)
            #expect(local.minute == (c.hour ?? 0) * 60 + (c.minute ?? 0))
            t += 86400 * 7 + 3607
        }
    }

    @Test func timestampsNeedAnOffset() {
        #expect(Timestamp.parse("2026-03-29T03:30+02:00") == Timestamp.parse("2026-03-29T01:30:00Z"))
        #expect(Timestamp.parse("2026-03-29 01:30Z") != nil)
        #expect(Timestamp.parse("2026-03-29T01:30") == nil)
        #expect(Timestamp.parse("2026-02-30T01:30Z") == nil)
    }
}
