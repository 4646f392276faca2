import Testing
@testable import SDP

/// What the parser forgives: the sloppiness real peers show.
@Suite struct ParserLeniencyTests {
    @Test func trailingWhitespaceBlankLinesAndNoFinalNewline() throws {
        let text = "v=0  \r\no=- 1 1 IN IP4 10.0.0.1\t\r\n\r\ns=-\nt=0 0 \r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv"
        let sdp = try SessionDescription(parsing: text)
        #expect(sdp.media[0].direction == .sendrecv)
        #expect(sdp.serialized() == "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n")
    }

    @Test func sessionLinesInAnyOrderAndMissingTiming() throws {
        let text = "v=0\nc=IN IP4 10.0.0.1\ns=odd\no=- 1 1 IN IP4 10.0.0.1\na=x\nm=audio 4000 RTP/AVP 0\n"
        let sdp = try SessionDescription(parsing: text)
        #expect(sdp.sessionName == "odd")
        #expect(sdp.timings.isEmpty)
        #expect(sdp.connection?.address == "10.0.0.1")
        #expect(try SessionDescription(parsing: sdp.serialized()) == sdp)
    }

    @Test func doubledSeparatorsInFixedLines() throws {
        let sdp = try SessionDescription(parsing: "v=0\no=-  1 1 IN IP4 10.0.0.1\ns=-\nt=0 0\nm=audio  4000 RTP/AVP  0  8\n")
        #expect(sdp.media[0].formats == ["0", "8"])
    }

    @Test func unknownLineTypesAreKept() throws {
        let text = "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nx=session-extra\nt=0 0\nm=video 4000 RTP/AVP 96\na=rtpmap:96 PS/90000\ny=0100000001\n"
        let sdp = try SessionDescription(parsing: text)
        #expect(sdp.unknownLines == [UnknownLine(type: "x", value: "session-extra")])
        #expect(sdp.media[0].unknownLines == [UnknownLine(type: "y", value: "0100000001")])
        #expect(sdp.serialized().contains("a=rtpmap:96 PS/90000\r\ny=0100000001\r\n"))
    }

    @Test func unknownAttributesKeepTheirOrder() throws {
        let text = "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\na=zz-first:1\na=rtpmap:0 PCMU/8000\na=weird\na=empty:\na=aa-last:x:y\n"
        let sdp = try SessionDescription(parsing: text)
        #expect(sdp.media[0].attributes == [
            Attribute("zz-first", "1"), Attribute("rtpmap", "0 PCMU/8000"), Attribute("weird"),
            Attribute("empty", ""), Attribute("aa-last", "x:y"),
        ])
        #expect(sdp.serialized() == crlf(text))
    }

    @Test func multicastConnectionAndPortCount() throws {
        let sdp = try SessionDescription(parsing: "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 233.252.0.1/127/3\nt=0 0\nr=604800 3600 0 90000\nm=audio 49170/2 RTP/AVP 0\n")
        #expect(sdp.connection?.address == "233.252.0.1/127/3")
        #expect(sdp.media[0].portCount == 2)
        #expect(sdp.timings[0].repeats == ["604800 3600 0 90000"])
        #expect(sdp.serialized().contains("m=audio 49170/2 RTP/AVP 0\r\n"))
    }

    @Test func nonRTPFormatsAreFree() throws {
        let sdp = try SessionDescription(parsing: "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nt=0 0\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\nm=image 4000 udptl t38\n")
        #expect(sdp.media.map(\.formats) == [["webrtc-datachannel"], ["t38"]])
        #expect(sdp.media.allSatisfy { !$0.isRTP && $0.codecs.isEmpty })
    }

    @Test func invalidUTF8IsRepairedNotTrusted() throws {
        var bytes = Array("v=0\no=- 1 1 IN IP4 10.0.0.1\ns=".utf8)
        bytes += [0xFF, 0xC3]
        bytes += Array("\nt=0 0\n".utf8)
        let sdp = try SessionDescription(parsing: bytes)
        #expect(sdp.sessionName == "\u{FFFD}\u{FFFD}")
    }
}
