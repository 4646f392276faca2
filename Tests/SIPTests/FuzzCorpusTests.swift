import Foundation
import Testing
@testable import SIP

/// The SIP seed corpus (Tests/Fuzz/sip/corpus) is real traffic: every file parses and round-trips.
/// FuzzTargetsTests replays it, and every regression, through the fuzz harness itself.
@Suite("Fuzz corpus")
struct FuzzReplayTests {
    @Test func corpusFilesParse() throws {
        let files = Fixture.fuzzFiles("corpus")
        #expect(files.count >= 10)
        for file in files {
            let bytes = Array(try Data(contentsOf: file))
            do {
                let message = try SIPMessage(datagram: bytes)
                #expect(withoutContentLength(try SIPMessage(datagram: message.serialized())) == withoutContentLength(message),
                        "\(file.lastPathComponent)")
            } catch {
                Issue.record("\(file.lastPathComponent): \(error)")
            }
        }
    }
}
