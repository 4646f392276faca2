import Testing
@testable import SDP

/// Structurally broken input: each case checks the error kind and the 1-based line it names.
@Suite struct ParserErrorTests {
    private let head = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\n"

    private func failure(_ text: String, limits: SDPParserLimits = .default) -> SDPParseError? {
        do {
            _ = try SessionDescription(parsing: text, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    private func expectError(_ text: String, _ kind: SDPParseError.Kind, line: Int,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        let error = failure(text)
        #expect(error?.kind == kind, sourceLocation: sourceLocation)
        #expect(error?.line == line, sourceLocation: sourceLocation)
    }

    @Test func emptyInput() {
        expectError("", .empty, line: 0)
        expectError("\r\n \r\n\n", .empty, line: 0)
    }

    @Test func missingVersion() {
        expectError("o=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\n", .missingVersion, line: 1)
        expectError("\r\ns=-\r\nv=0\r\n", .missingVersion, line: 2)
    }

    @Test func unsupportedVersion() {
        expectError("v=1\r\n", .unsupportedVersion, line: 1)
        expectError("v=99999999999999999999999\r\n", .unsupportedVersion, line: 1)
    }

    @Test func missingOrigin() {
        expectError("v=0\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", .missingOrigin, line: 4)
    }

    @Test func badPort() {
        expectError(head + "m=audio 70000 RTP/AVP 0\r\n", .invalidPort, line: 5)
        expectError(head + "m=audio 99999999999999999999999999 RTP/AVP 0\r\n", .invalidPort, line: 5)
        expectError(head + "m=audio -1 RTP/AVP 0\r\n", .invalidPort, line: 5)
        expectError(head + "m=audio 4000/0 RTP/AVP 0\r\n", .invalidPort, line: 5)
        let error = failure(head + "m=audio 70000 RTP/AVP 0\r\n")
        #expect(error?.description == "SDP line 5: m= port must be 0-65535, got \"70000\"")
    }

    @Test func badPayloadType() {
        expectError(head + "m=audio 4000 RTP/AVP 0 PCMU\r\n", .invalidPayloadType, line: 5)
        expectError(head + "m=audio 4000 RTP/AVP 128\r\n", .invalidPayloadType, line: 5)
        expectError(head + "m=audio 9 UDP/TLS/RTP/SAVPF 111 18446744073709551617\r\n", .invalidPayloadType, line: 5)
    }

    @Test func garbageLine() {
        expectError(head + "this is not sdp\r\n", .lineWithoutEquals, line: 5)
        expectError("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\nhello\r\n", .lineWithoutEquals, line: 3)
        expectError(head + "ab=c\r\n", .invalidLineType, line: 5)
        expectError(head + "A=c\r\n", .invalidLineType, line: 5)
        expectError(head + "=c\r\n", .invalidLineType, line: 5)
    }

    @Test func truncated() throws {
        let chrome = try InteropData.text(InteropData.chromeOffer)
        // Cut inside the m= line: "m=audio 9 UDP/TLS" has no formats.
        let mLine = try #require(chrome.range(of: "UDP/TLS/RTP"))
        let cut = String(chrome[..<mLine.lowerBound]) + "UDP/TLS"
        expectError(cut, .malformedMedia, line: 8)
        // Cut inside o=.
        expectError("v=0\r\no=- 4792099748582991630 2 IN", .malformedOrigin, line: 2)
        // Cut inside c=.
        expectError(head + "m=audio 4000 RTP/AVP 0\r\nc=IN IP4", .malformedConnection, line: 6)
    }

    @Test func badConnectionAddressType() {
        expectError(head + "m=audio 4000 RTP/AVP 0\r\nc=IN IPX 10.0.0.1\r\n", .unsupportedAddressType, line: 6)
        expectError("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN ATM 1\r\n", .unsupportedAddressType, line: 4)
    }

    @Test func misplacedAndDuplicateLines() {
        expectError(head + "m=audio 4000 RTP/AVP 0\r\nt=0 0\r\n", .misplacedLine, line: 6)
        expectError(head + "m=audio 4000 RTP/AVP 0\r\no=- 1 1 IN IP4 10.0.0.1\r\n", .misplacedLine, line: 6)
        expectError("v=0\r\nr=1 2 3\r\n", .misplacedLine, line: 2)
        expectError(head + "v=0\r\n", .duplicateLine, line: 5)
        expectError(head + "o=- 2 2 IN IP4 10.0.0.1\r\n", .duplicateLine, line: 5)
        expectError(head + "c=IN IP4 1.1.1.1\r\nc=IN IP4 2.2.2.2\r\n", .duplicateLine, line: 6)
    }

    @Test func otherMalformedLines() {
        expectError(head + "b=AS\r\n", .malformedBandwidth, line: 5)
        expectError(head + "b=AS:lots\r\n", .malformedBandwidth, line: 5)
        expectError("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=now\r\n", .malformedTiming, line: 4)
        expectError(head + "a=\r\n", .malformedAttribute, line: 5)
        expectError(head + "a=:value\r\n", .malformedAttribute, line: 5)
        expectError(head + "m=audio\r\n", .malformedMedia, line: 5)
    }

    @Test func limits() {
        let small = SDPParserLimits(maximumBytes: 16)
        #expect(failure(head, limits: small)?.kind == .tooLarge)
        let twoMedia = head + "m=audio 1 RTP/AVP 0\r\nm=audio 2 RTP/AVP 0\r\n"
        let error = failure(twoMedia, limits: SDPParserLimits(maximumMediaSections: 1))
        #expect(error?.kind == .tooLarge)
        #expect(error?.line == 6)
    }
}
