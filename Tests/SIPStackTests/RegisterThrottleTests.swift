import Testing
@testable import SIPStack

@Suite struct RegisterThrottleTests {
    @Test func floodFromOneSourceIsCutOffAndOthersAreNot() {
        var throttle = RegisterThrottle(limit: 5, window: 10)
        let allowed = (0..<20).map { i in throttle.allow("192.0.2.66", now: 100 + Double(i) * 0.1) }
        #expect(allowed.prefix(5).allSatisfy { $0 })
        #expect(allowed.dropFirst(5).allSatisfy { !$0 })
        let other = throttle.allow("192.0.2.7", now: 101)
        #expect(other, "another source is unaffected")
        let later = throttle.allow("192.0.2.66", now: 111)
        #expect(later, "the window passes")
    }
}
