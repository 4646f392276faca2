import Testing
@testable import SIP

@Suite("Serializer and round trips")
struct SerializerTests {
    @Test(arguments: ["jssip-invite-wss.sip", "sipjs-register-auth.sip", "response-401-www-authenticate.sip",
                      "baresip-invite-udp.sip", "response-200-record-route.sip", "response-100.sip", "response-180.sip",
                      "response-183.sip", "response-486.sip", "options-keepalive-tcp.sip"])
    func corpusMessagesRoundTripByteForByte(_ file: String) throws {
        let bytes = try Fixture.corpus(file)
        let message = try SIPMessage(datagram: bytes)
        // These are written in canonical form, so serialization reproduces them exactly.
        #expect(message.serialized() == bytes)
        #expect(try SIPMessage(datagram: message.serialized()) == message)
    }

    @Test func compactFormsComeOutCanonical() throws {
        let message = try SIPMessage(datagram: try Fixture.corpus("bye-compact-forms.sip"))
        let text = String(decoding: message.serialized(), as: UTF8.self)
        #expect(text.contains("\r\nVia: SIP/2.0/TLS client.example.com:5061;branch=z9hG4bKnashds7\r\n"))
        #expect(text.contains("\r\nCall-ID: a84b4c76e66710\r\n"))
        #expect(text.contains("\r\nSupported: timer\r\n"))
        #expect(try SIPMessage(datagram: message.serialized()) == message)
    }

    @Test func contentLengthFollowsTheBody() throws {
        var request = try parseRequest(basicInvite)
        request.body = Array("v=0\r\n".utf8)
        request.headers.setContentType(.sdp)
        let text = String(decoding: request.serialized(), as: UTF8.self)
        #expect(text.contains("Content-Length: 5\r\n"))
        #expect(!text.contains("Content-Length: 0"))
        #expect(text.hasSuffix("\r\n\r\nv=0\r\n"))
        request.headers.remove(.contentLength)
        #expect(String(decoding: request.serialized(), as: UTF8.self).contains("Content-Length: 5\r\n\r\n"))
    }

    @Test func headerInjectionIsNeutralized() throws {
        var request = try parseRequest(basicInvite)
        request.headers.add(.subject, "hello\r\nVia: SIP/2.0/UDP evil.example.com")
        let reparsed = try SIPRequest(datagram: request.serialized())
        #expect(try reparsed.headers.via().count == 1)
        #expect(reparsed.headers[.subject] == "hello  Via: SIP/2.0/UDP evil.example.com")
    }

    @Test func builtRequestSerializes() throws {
        var headers = SIPHeaders()
        headers.prependVia(Via(transport: "UDP", host: "10.0.0.1", port: 5060, branch: "z9hG4bK-abc"))
        headers.setMaxForwards(70)
        headers.setFrom(NameAddress(uri: SIPURI(user: "tandem", host: "10.0.0.1"), parameters: [("tag", "t1")]))
        headers.setTo(NameAddress(uri: SIPURI(user: "2001", host: "pbx.example.com")))
        headers.setCallID("c1@10.0.0.1")
        headers.setCSeq(CSeq(1, .options))
        let request = SIPRequest(method: .options, uri: .sip(SIPURI(user: "2001", host: "pbx.example.com")), headers: headers)
        let text = String(decoding: request.serialized(), as: UTF8.self)
        #expect(text == """
        OPTIONS sip:2001@pbx.example.com SIP/2.0\r
        Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-abc\r
        Max-Forwards: 70\r
        From: <sip:tandem@10.0.0.1>;tag=t1\r
        To: <sip:2001@pbx.example.com>\r
        Call-ID: c1@10.0.0.1\r
        CSeq: 1 OPTIONS\r
        Content-Length: 0\r
        \r

        """)
        #expect(try SIPRequest(datagram: request.serialized()) == SIPRequest(method: .options, uri: request.uri,
                                                                            headers: headers + [(.contentLength, "0")]))
    }

    @Test func typedValuesRoundTrip() throws {
        let request = try SIPRequest(datagram: try Fixture.corpus("jssip-invite-wss.sip"))
        var rebuilt = request
        rebuilt.headers.setVia(try request.headers.via())
        rebuilt.headers.setFrom(try request.headers.from())
        rebuilt.headers.setTo(try request.headers.to())
        rebuilt.headers.setContacts(try request.headers.contacts())
        rebuilt.headers.setCSeq(try request.headers.cseq())
        let again = try SIPRequest(datagram: rebuilt.serialized())
        #expect(try again.headers.via() == request.headers.via())
        #expect(try again.headers.from() == request.headers.from())
        #expect(try again.headers.to() == request.headers.to())
        #expect(try again.headers.contacts() == request.headers.contacts())
        #expect(again.body == request.body)
    }
}

extension SIPHeaders {
    static func + (lhs: SIPHeaders, rhs: [(HeaderName, String)]) -> SIPHeaders {
        SIPHeaders(lhs.fields + rhs.map { SIPHeaderField($0.0, $0.1) })
    }
}
