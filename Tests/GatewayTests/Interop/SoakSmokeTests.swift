import Foundation
import Testing
import TestSupport

/// A minute of `make soak` (Tests/Soak/soak.py) on every `make test`, books only: every kind of call
/// the soak places gets its CDR with the outcome expected, and the node ends with no call or
/// registration left. Growth is judged by the half-hour run, not by this one.
@Suite(.serialized) struct SoakSmokeTests {
    @Test func aMinuteOfEveryKindOfCallLeavesTheBooksStraight() throws {
        let out = NSTemporaryDirectory() + "tandem-soak-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let soak = try ChildProcess(pythonBinary, [repositoryRoot + "/Tests/Soak/soak.py", "--seconds", "50", "--warm-up", "20",
                                                   "--smoke", "--tandem", tandemBinary, "--out", out])
        defer { soak.stop() }
        #expect(soak.waitForExit(timeout: 300) == 0, "\(soak.text.suffix(4000))")
        #expect(soak.text.contains("soak passed"), "\(soak.text.suffix(4000))")
    }
}
