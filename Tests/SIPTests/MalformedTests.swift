import Testing
@testable import SIP

@Suite("Parser: malformed input yields the specific error")
struct MalformedTests {
    @Test func cseqOverflow() throws {
        let error = try #require(parseError(basicInvite(replacing: "CSeq", with: "CSeq: 4294967296 INVITE")))
        #expect(error.kind == .invalidNumber)
        #expect(error.header == "CSeq")
        #expect(error.reason.contains("CSeq"))
        #expect(error.line == 7)
        // The largest 32-bit value is still fine.
        #expect(parseError(basicInvite(replacing: "CSeq", with: "CSeq: 4294967295 INVITE")) == nil)
    }

    @Test func hugeNumbersDoNotTrap() throws {
        let digits = String(repeating: "9", count: 500)
        #expect(parseError(basicInvite(replacing: "CSeq", with: "CSeq: \(digits) INVITE"))?.kind == .invalidNumber)
        #expect(parseError(basicInvite(replacing: "Content-Length", with: "Content-Length: \(digits)"))?.kind == .invalidNumber)
        #expect(parseError(basicInvite(replacing: "Max-Forwards", with: "Max-Forwards: \(digits)"))?.kind == .invalidNumber)
    }

    @Test func negativeContentLength() throws {
        let error = try #require(parseError(basicInvite(replacing: "Content-Length", with: "Content-Length: -1")))
        #expect(error.kind == .invalidNumber)
        #expect(error.header == "Content-Length")
        #expect(error.reason == "Invalid Content-Length")
    }

    @Test func contentLengthBeyondDatagram() throws {
        let error = try #require(parseError(basicInvite(replacing: "Content-Length", with: "Content-Length: 10") + Array("abc".utf8)))
        #expect(error.kind == .truncated)
        #expect(error.reason.contains("exceeds"))
    }

    @Test func statusCodeOutOfRange() throws {
        for line in ["SIP/2.0 1000 Big", "SIP/2.0 99 Small", "SIP/2.0 700 Beyond", "SIP/2.0 2x0 OK", "SIP/2.0"] {
            let bytes = Fixture.wire("""
            \(line)
            Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1
            To: <sip:bob@example.com>;tag=2
            From: <sip:alice@example.com>;tag=1
            Call-ID: code@pc33
            CSeq: 1 INVITE
            Content-Length: 0


            """)
            let error = try #require(parseError(bytes))
            #expect(error.kind == (line == "SIP/2.0" ? .invalidStartLine : .invalidStatusCode), "\(line)")
            #expect(error.line == 1)
        }
    }

    @Test func maxForwardsOutOfRange() throws {
        let error = try #require(parseError(basicInvite(replacing: "Max-Forwards", with: "Max-Forwards: 256")))
        #expect(error.kind == .invalidNumber)
        #expect(error.header == "Max-Forwards")
    }

    @Test func badExpiresIsReportedByItsAccessor() throws {
        let request = try SIPRequest(datagram: basicInvite(replacing: "Contact", with: "Expires: 4294967296"))
        #expect(throws: SIPParseError.self) { try request.headers.expires() }
        do {
            _ = try request.headers.expires()
        } catch {
            #expect(error.kind == .invalidNumber)
            #expect(error.header == "Expires")
        }
    }

    @Test func badVersion() throws {
        let error = try #require(parseError(basicInvite(replacing: "INVITE sip", with: "INVITE sip:bob@example.com SIP/3.0")))
        #expect(error.kind == .unsupportedVersion)
        let garbled = try #require(parseError(basicInvite(replacing: "INVITE sip", with: "INVITE sip:bob@example.com HTTP/1.1")))
        #expect(garbled.kind == .invalidStartLine)
        #expect(garbled.reason == "Malformed SIP version")
    }

    @Test func badRequestURIs() throws {
        for uri in ["<sip:bob@example.com>", "sip:", "sip:bob@", "sip:bob@exa mple", "sip:bob@[::1", "sip:bob@host:99999",
                    "sip:bob@host;", "sip:b%ZZob@host", "sip:bob@host?x", "tel:", "1234"] {
            let error = try #require(parseError(basicInvite(replacing: "INVITE sip", with: "INVITE \(uri) SIP/2.0")), "\(uri)")
            #expect(error.kind == .invalidURI || (uri.contains(" ") && error.kind == .invalidStartLine), "\(uri)")
        }
    }

    @Test func badURIInsideAHeader() throws {
        let error = try #require(parseError(basicInvite(replacing: "To:", with: "To: <sip:bob@[zz]>")))
        #expect(error.kind == .invalidURI)
        #expect(error.header == "To")
    }

    @Test func missingMandatoryHeaders() throws {
        for name in ["To", "From", "CSeq", "Call-ID", "Via"] {
            let error = try #require(parseError(basicInvite(replacing: name, with: nil)), "\(name)")
            #expect(error.kind == .missingHeader)
            #expect(error.header == name)
            #expect(error.reason == "Missing \(name) header")
        }
        // Max-Forwards is optional-ish: a UAS tolerates its absence (RFC 2543 peers).
        #expect(parseError(basicInvite(replacing: "Max-Forwards", with: nil)) == nil)
    }

    @Test func cseqMethodMismatch() throws {
        let error = try #require(parseError(basicInvite(replacing: "CSeq", with: "CSeq: 1 BYE")))
        #expect(error.kind == .cseqMethodMismatch)
        #expect(error.header == "CSeq")
    }

    @Test func truncatedMessages() throws {
        let full = Fixture.wire(basicInvite)
        // Cut inside the start line, inside a header, and inside a body.
        #expect(parseError(Array(full.prefix(10)))?.kind == .truncated)
        #expect(parseError(Array(full.prefix(60)))?.kind == .truncated)
        let withBody = basicInvite(replacing: "Content-Length", with: "Content-Length: 20") + Array("short".utf8)
        #expect(parseError(withBody)?.kind == .truncated)
        #expect(parseError([])?.kind == .empty)
        #expect(parseError(Array("\r\n\r\n".utf8))?.kind == .empty)
    }

    @Test func limitsAreEnforced() throws {
        let bytes = Fixture.wire(basicInvite)
        var small = SIPLimits()
        small.maxMessageBytes = 100
        #expect(parseError(bytes, limits: small)?.kind == .messageTooLarge)

        var fewHeaders = SIPLimits()
        fewHeaders.maxHeaderCount = 3
        let tooMany = try #require(parseError(bytes, limits: fewHeaders))
        #expect(tooMany.kind == .tooManyHeaders)
        #expect(tooMany.line == 5)

        var shortLines = SIPLimits()
        shortLines.maxHeaderLineLength = 40
        #expect(parseError(bytes, limits: shortLines)?.kind == .headerLineTooLong)

        var smallBody = SIPLimits()
        smallBody.maxBodyBytes = 4
        let body = basicInvite(replacing: "Content-Length", with: "Content-Length: 5") + Array("12345".utf8)
        #expect(parseError(body, limits: smallBody)?.kind == .bodyTooLarge)
    }

    @Test func malformedHeaderLines() throws {
        let noColon = try #require(parseError(basicInvite(replacing: "Contact", with: "Contact <sip:a@b>")))
        #expect(noColon.kind == .invalidHeaderLine)
        #expect(noColon.reason == "Header line without a colon")
        #expect(noColon.line == 8)
        let badName = try #require(parseError(basicInvite(replacing: "Contact", with: "Con(tact): x")))
        #expect(badName.kind == .invalidHeaderLine)
        var bytes = basicInvite(replacing: "Contact", with: "Subject: a\rb")
        #expect(parseError(bytes)?.kind == .invalidHeaderLine)
        bytes = Fixture.wire(" leading: space\n") + Fixture.wire(basicInvite)
        #expect(parseError(bytes)?.kind == .invalidMethod)
    }

    @Test func duplicateSingletonHeaders() throws {
        let bytes = basicInvite(replacing: "Contact", with: "Call-ID: second@pc33")
        let error = try #require(parseError(bytes))
        #expect(error.kind == .duplicateHeader)
        #expect(error.header == "Call-ID")
    }

    @Test func partialInformationSurvivesTheError() throws {
        let error = try #require(parseError(basicInvite(replacing: "Max-Forwards", with: "Max-Forwards: many")))
        let partial = try #require(error.partial)
        #expect(partial.isRequest)
        #expect(partial.method == "INVITE")
        #expect(partial.requestURI == "sip:bob@example.com")
        #expect(partial.headers[.callID] == "a84b4c76e66710@pc33.example.com")
        #expect(partial.headers.values(.via).count == 1)
        let response = try #require(SIPResponse(replyingTo: error))
        #expect(response.statusCode == 400)
        #expect(response.reasonPhrase == "Invalid Max-Forwards value")
        #expect(response.headers[.cseq] == "314159 INVITE")
        #expect(response.headers[.from] == "Alice <sip:alice@example.com>;tag=1928301774")
    }

    @Test func unsupportedVersionAnswers505() throws {
        let error = try #require(parseError(basicInvite(replacing: "INVITE sip", with: "INVITE sip:bob@example.com SIP/7.0")))
        let response = try #require(SIPResponse(replyingTo: error))
        #expect(response.statusCode == 505)
    }

    @Test func responsesAreNeverAnswered() throws {
        let bytes = Fixture.wire("""
        SIP/2.0 200 OK
        Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1
        To: <sip:bob@example.com>;tag=2
        From: <sip:alice@example.com>;tag=1
        Call-ID: code@pc33
        CSeq: 99999999999 INVITE
        Content-Length: 0


        """)
        let error = try #require(parseError(bytes))
        #expect(error.kind == .invalidNumber)
        #expect(SIPResponse(replyingTo: error) == nil)
    }

    @Test func errorDescriptionNamesWhere() throws {
        let error = try #require(parseError(basicInvite(replacing: "CSeq", with: "CSeq: x INVITE")))
        #expect(error.description.contains("CSeq"))
        #expect(error.description.contains("line 7"))
        #expect(error.offset != nil)
    }
}
