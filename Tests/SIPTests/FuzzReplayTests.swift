import Foundation
import Testing
@testable import SIP

/// Replays every file under Tests/SIPTests/Fuzz (the seed corpus and every input the fuzzer ever
/// crashed on) through the same paths the fuzz target exercises.
@Suite("Fuzz corpus and regressions replay")
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

    @Test func everyFileSurvivesEveryPath() throws {
        let files = Fixture.fuzzFiles()
        for file in files {
            exercise(Array(try Data(contentsOf: file)))
        }
    }

    /// What the fuzz target does, minus libFuzzer.
    private func exercise(_ bytes: [UInt8]) {
        if let message = try? SIPMessage(datagram: bytes) {
            touchAccessors(message.headers)
            if let request = message.request { _ = request.uri.description }
            _ = try? SIPMessage(datagram: message.serialized())
        }
        var framer = SIPStreamFramer()
        let third = Swift.max(1, bytes.count / 3)
        var index = 0
        while index < bytes.count {
            framer.append(bytes[index..<Swift.min(bytes.count, index + third)])
            index += third
            while true {
                do {
                    guard try framer.next() != nil else { break }
                } catch {
                    if framer.isFailed { break }
                }
            }
        }
    }

    private func touchAccessors(_ headers: SIPHeaders) {
        _ = try? headers.via()
        _ = try? headers.from()
        _ = try? headers.to()
        _ = try? headers.contacts()
        _ = try? headers.route()
        _ = try? headers.recordRoute()
        _ = try? headers.cseq()
        _ = try? headers.expires()
        _ = try? headers.contentType()
        _ = try? headers.wwwAuthenticate()
        _ = try? headers.authorization()
        _ = try? headers.allow()
    }
}
