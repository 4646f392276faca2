import Testing
@testable import SIP

@Suite("Stream framing")
struct StreamFramerTests {
    private let first = Fixture.wire(basicInvite)
    private var withBody: [UInt8] {
        basicInvite(replacing: "Content-Length", with: "Content-Length: 11") + Array("hello world".utf8)
    }

    private func drain(_ framer: inout SIPStreamFramer) throws -> [SIPMessage] {
        var messages: [SIPMessage] = []
        while let message = try framer.next() { messages.append(message) }
        return messages
    }

    @Test func oneByteAtATime() throws {
        var framer = SIPStreamFramer()
        var messages: [SIPMessage] = []
        for byte in withBody {
            framer.append([byte])
            messages += try drain(&framer)
        }
        #expect(messages.count == 1)
        #expect(messages.first?.body == Array("hello world".utf8))
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func pipelinedMessagesInOneChunk() throws {
        var framer = SIPStreamFramer()
        framer.append(first + withBody + first)
        let messages = try drain(&framer)
        #expect(messages.count == 3)
        #expect(messages.map(\.body.count) == [0, 11, 0])
    }

    @Test func bodySplitAcrossChunks() throws {
        var framer = SIPStreamFramer()
        let bytes = withBody
        framer.append(bytes.prefix(bytes.count - 6))
        #expect(try framer.next() == nil)
        framer.append(bytes.suffix(6))
        #expect(try framer.next()?.body == Array("hello world".utf8))
    }

    @Test func keepalivesBetweenMessages() throws {
        var framer = SIPStreamFramer()
        framer.append(Array("\r\n\r\n".utf8))
        #expect(try framer.next() == nil)
        framer.append(first + Array("\r\n\r\n\r\n".utf8) + first + Array("\r\n".utf8))
        #expect(try drain(&framer).count == 2)
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func missingContentLengthMeansNoBody() throws {
        var framer = SIPStreamFramer()
        framer.append(basicInvite(replacing: "Content-Length", with: nil) + first)
        #expect(try drain(&framer).count == 2)
    }

    @Test func oversizedContentLengthFailsTheStream() throws {
        var framer = SIPStreamFramer()
        framer.append(basicInvite(replacing: "Content-Length", with: "Content-Length: 99999999"))
        do {
            _ = try framer.next()
            Issue.record("accepted")
        } catch {
            #expect(error.kind == .bodyTooLarge)
            #expect(error.header == "Content-Length")
        }
        #expect(framer.isFailed)
        framer.append(first)
        #expect(throws: SIPParseError.self) { try framer.next() }
    }

    @Test func badContentLengthFailsTheStream() throws {
        for value in ["-1", "abc", "1 2"] {
            var framer = SIPStreamFramer()
            framer.append(basicInvite(replacing: "Content-Length", with: "Content-Length: \(value)"))
            #expect(throws: SIPParseError.self) { try framer.next() }
            #expect(framer.isFailed, "\(value)")
        }
    }

    @Test func endlessHeadersFailTheStream() throws {
        var limits = SIPLimits()
        limits.maxMessageBytes = 1024
        var framer = SIPStreamFramer(limits: limits)
        framer.append(Array("INVITE sip:a@b SIP/2.0\r\n".utf8))
        for _ in 0..<100 { framer.append(Array("X-Filler: aaaaaaaaaaaaaaaaaaaa\r\n".utf8)) }
        do {
            _ = try framer.next()
            Issue.record("accepted")
        } catch {
            #expect(error.kind == .messageTooLarge)
        }
        #expect(framer.isFailed)
    }

    @Test func malformedMessageIsSkippedAndStreamContinues() throws {
        var framer = SIPStreamFramer()
        framer.append(basicInvite(replacing: "CSeq", with: "CSeq: 1 BYE") + first)
        do {
            _ = try framer.next()
            Issue.record("accepted")
        } catch {
            #expect(error.kind == .cseqMethodMismatch)
            #expect(SIPResponse(replyingTo: error)?.statusCode == 400)
        }
        #expect(!framer.isFailed)
        #expect(try framer.next()?.request?.method == .invite)
    }

    @Test func manyMessagesKeepTheBufferSmall() throws {
        var framer = SIPStreamFramer()
        for _ in 0..<200 {
            framer.append(withBody)
            #expect(try framer.next() != nil)
        }
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func foldedContentLength() throws {
        var framer = SIPStreamFramer()
        framer.append(basicInvite(replacing: "Content-Length", with: "l:\n 3") + Array("abc".utf8))
        #expect(try framer.next()?.body == Array("abc".utf8))
    }
}
