import Foundation
import Testing
@testable import SIP

/// Shared helpers for the SIP tests: building wire bytes from readable literals and finding the
/// fixtures (the seed corpus and the RFC 4475 messages beside these files).
enum Fixture {
    /// Wire bytes from a literal written with `\n` line ends: every `\n` becomes CRLF.
    static func wire(_ text: String) -> [UInt8] {
        Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
    }

    /// The directory of this test target in the source tree.
    static let testsDirectory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()

    /// Every file under Tests/Fuzz/sip (seed corpus and fuzzer regressions).
    static func fuzzFiles(_ subdirectory: String? = nil) -> [URL] {
        var root = testsDirectory.deletingLastPathComponent().appendingPathComponent("Fuzz/sip")
        if let subdirectory { root = root.appendingPathComponent(subdirectory) }
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return []
        }
        var files: [URL] = []
        for case let url as URL in enumerator {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true, !url.lastPathComponent.hasPrefix("."),
               url.pathExtension != "md" {
                files.append(url)
            }
        }
        return files.sorted { $0.path < $1.path }
    }

    static func corpus(_ name: String) throws -> [UInt8] {
        let url = testsDirectory.deletingLastPathComponent().appendingPathComponent("Fuzz/sip/corpus").appendingPathComponent(name)
        return Array(try Data(contentsOf: url))
    }

    /// The RFC 4475 messages, kept byte-exact in `Fixtures/rfc4475`.
    static let rfc4475Directory = testsDirectory.appendingPathComponent("Fixtures/rfc4475")

    static func rfc4475(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: rfc4475Directory.appendingPathComponent(name + ".dat")))
    }
}

/// The error a datagram parse throws, or nil when it parses.
func parseError(_ bytes: [UInt8], limits: SIPLimits = .default) -> SIPParseError? {
    do {
        _ = try SIPMessage(datagram: bytes, limits: limits)
        return nil
    } catch {
        return error
    }
}

func parseRequest(_ text: String) throws -> SIPRequest {
    try SIPRequest(datagram: Fixture.wire(text))
}

func parseResponse(_ text: String) throws -> SIPResponse {
    try SIPResponse(datagram: Fixture.wire(text))
}

/// A minimal valid request; tests mutate one line of it at a time.
let basicInvite = """
INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds
Max-Forwards: 70
To: Bob <sip:bob@example.com>
From: Alice <sip:alice@example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.example.com
CSeq: 314159 INVITE
Contact: <sip:alice@pc33.example.com>
Content-Length: 0


"""

/// `basicInvite` with the line starting with `prefix` replaced (or removed when `with` is nil).
func basicInvite(replacing prefix: String, with line: String?) -> [UInt8] {
    var lines = basicInvite.components(separatedBy: "\n")
    if let index = lines.firstIndex(where: { $0.hasPrefix(prefix) }) {
        if let line { lines[index] = line } else { lines.remove(at: index) }
    }
    return Fixture.wire(lines.joined(separator: "\n"))
}

/// The message with Content-Length removed: serialization always writes the real length, so a
/// message that arrived without one gains one, and round-trip comparisons ignore it.
func withoutContentLength(_ message: SIPMessage) -> SIPMessage {
    var copy = message
    copy.headers.remove(.contentLength)
    return copy
}
