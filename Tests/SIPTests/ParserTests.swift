import Testing
@testable import SIP

@Suite("Parser: realistic messages and grammar")
struct ParserTests {
    @Test func jssipInviteOverWebSocket() throws {
        let request = try SIPRequest(datagram: try Fixture.corpus("jssip-invite-wss.sip"))
        #expect(request.method == .invite)
        #expect(request.uri.sipURI?.user == "2001")
        let via = try request.headers.topVia()
        #expect(via.transport == "WSS")
        #expect(via.host == "4b8e2u1k9q3v.invalid")
        #expect(via.port == nil)
        #expect(via.branch == "z9hG4bK1276843")
        guard case .addresses(let contacts) = try request.headers.contacts() else {
            Issue.record("expected addresses")
            return
        }
        #expect(contacts.count == 1)
        let contact = try #require(contacts.first)
        #expect(contact.uri.sipURI?.transport == "ws")
        #expect(contact.uri.sipURI?.parameters.contains("ob") == true)
        #expect(contact.sipInstance == "<urn:uuid:4e0a5b6e-7f0b-4d3e-9d3c-1a2b3c4d5e6f>")
        #expect(contact.expires == 600)
        #expect(try request.headers.from().displayName == "Alice")
        #expect(try request.headers.from().tag == "nd9fgq2b7u")
        #expect(try request.headers.allow().contains(.refer))
        #expect(try request.headers.supported() == ["timer", "ice", "replaces", "outbound"])
        #expect(request.headers.userAgent == "JsSIP 3.10.1")
        #expect(try request.headers.contentType()?.matches(.sdp) == true)
        #expect(request.body.count == (try request.headers.contentLength()))
        #expect(String(decoding: request.body.prefix(4), as: UTF8.self) == "v=0\r")
    }

    @Test func baresipInviteWithSDP() throws {
        let request = try SIPRequest(datagram: try Fixture.corpus("baresip-invite-udp.sip"))
        let via = try request.headers.topVia()
        #expect(via.rport == .requested)
        #expect(via.port == 5060)
        #expect(try request.headers.cseq() == CSeq(10237, .invite))
        #expect(try request.headers.maxForwards() == 70)
        #expect(try request.headers.callID() == "8f2a1dbe4f6d2a31")
        #expect(try request.headers.require() == [])
        #expect(String(decoding: request.body, as: UTF8.self).contains("a=rtpmap:9 G722/8000"))
    }

    @Test func responsesOfACall() throws {
        for (file, code, reason) in [("response-100.sip", 100, "Trying"), ("response-180.sip", 180, "Ringing"),
                                     ("response-183.sip", 183, "Session Progress"), ("response-486.sip", 486, "Busy Here")] {
            let response = try SIPResponse(datagram: try Fixture.corpus(file))
            #expect(response.statusCode == code)
            #expect(response.reasonPhrase == reason)
            #expect(try response.headers.topVia().received == "192.168.1.20")
            #expect(try response.headers.topVia().rport == .port(5060))
            #expect((try response.headers.to().tag == nil) == (code == 100))
        }
        let progress = try SIPResponse(datagram: try Fixture.corpus("response-183.sip"))
        #expect(!progress.body.isEmpty)
    }

    @Test func okWithRecordRoute() throws {
        let response = try SIPResponse(datagram: try Fixture.corpus("response-200-record-route.sip"))
        #expect(try response.headers.via().count == 2)
        let routes = try response.headers.recordRoute()
        #expect(routes.count == 3)
        #expect(routes[0].uri.sipURI?.isLooseRouter == true)
        #expect(routes[0].uri.sipURI?.parameters["ftag"] == "3c1a5e1f8c6b2d47")
        #expect(routes[1].uri.sipURI?.transport == "tcp")
        #expect(routes[2].uri.sipURI?.host == "2001:db8::10")
        #expect(routes[2].uri.sipURI?.port == 5070)
        #expect(try response.headers.allow().count == 11)
    }

    @Test func challengeResponse() throws {
        let response = try SIPResponse(datagram: try Fixture.corpus("response-401-www-authenticate.sip"))
        let challenges = try response.headers.wwwAuthenticate()
        #expect(challenges.map(\.algorithm) == [.sha256, .md5])
        #expect(challenges[0].realm == "example.com")
        #expect(challenges[0].opaque == "c2VjcmV0")
        #expect(challenges[0].qop == ["auth"])
    }

    @Test func registerWithAuthorization() throws {
        let request = try SIPRequest(datagram: try Fixture.corpus("sipjs-register-auth.sip"))
        let credentials = try #require(try request.headers.authorization().first)
        #expect(credentials.username == "alice")
        #expect(credentials.nonceCount == 1)
        #expect(credentials.cnonce == "m1b3mfp9kpv4")
        #expect(credentials.algorithm == .md5)
        #expect(try request.headers.expires() == 600)
        guard case .addresses(let contacts) = try request.headers.contacts() else {
            Issue.record("expected addresses")
            return
        }
        #expect(contacts[0].regID == 1)
        #expect(contacts[0].parameters.contains("+sip.ice"))
    }

    @Test func compactFormsExpand() throws {
        let request = try SIPRequest(datagram: try Fixture.corpus("bye-compact-forms.sip"))
        #expect(request.headers.contains(.via))
        #expect(request.headers[.callID] == "a84b4c76e66710")
        #expect(try request.headers.from().displayName == "Bob")
        #expect(try request.headers.from().uri.sipURI?.isSecure == true)
        #expect(try request.headers.supported() == ["timer"])
        #expect(try request.headers.contentLength() == 0)
        #expect(request.headers.fields.map(\.name.name).prefix(4) == ["Via", "From", "To", "Call-ID"])
        for compact in ["i", "v", "f", "t", "m", "l", "c", "k", "s", "e", "o", "u", "r", "b"] {
            #expect(HeaderName(compact) != HeaderName(compact + "x"))
        }
        #expect(HeaderName("m") == .contact)
        #expect(HeaderName("e") == .contentEncoding)
        #expect(HeaderName("o") == .event)
        #expect(HeaderName("u") == .allowEvents)
        #expect(HeaderName("r") == .referTo)
        #expect(HeaderName("b") == .referredBy)
        #expect(HeaderName("s") == .subject)
        #expect(HeaderName("CALL-id") == .callID)
    }

    @Test func foldedHeadersAreUnfolded() throws {
        let request = try parseRequest("""
        OPTIONS sip:bob@example.com SIP/2.0
        Via: SIP/2.0/UDP pc33.example.com
          ;branch=z9hG4bK776asdhds
        Max-Forwards: 70
        To: <sip:bob@example.com>
        From: <sip:alice@example.com>;tag=1
        Call-ID: fold@pc33
        CSeq: 1
        \tOPTIONS
        Subject: first part
         second part
        Content-Length: 0


        """)
        #expect(try request.headers.topVia().branch == "z9hG4bK776asdhds")
        #expect(try request.headers.cseq().sequence == 1)
        #expect(request.headers[.subject] == "first part second part")
    }

    @Test func multiValueSplitsAroundQuotesAndBrackets() throws {
        let request = try parseRequest("""
        REGISTER sip:example.com SIP/2.0
        Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b.example.com:5061;branch=z9hG4bK2
        To: <sip:u@example.com>
        From: <sip:u@example.com>;tag=9
        Call-ID: multi@x
        CSeq: 2 REGISTER
        Contact: "Doe, John" <sip:john,doe@a.example.com;p=1>;q=0.7, <sip:john@b.example.com>;expires=30
        Contact: sip:john@c.example.com;q=0.1
        Content-Length: 0


        """)
        let vias = try request.headers.via()
        #expect(vias.map(\.host) == ["a.example.com", "b.example.com"])
        #expect(vias[1].port == 5061)
        guard case .addresses(let contacts) = try request.headers.contacts() else {
            Issue.record("expected addresses")
            return
        }
        #expect(contacts.count == 3)
        #expect(contacts[0].displayName == "Doe, John")
        #expect(contacts[0].q == 0.7)
        #expect(contacts[0].uri.sipURI?.user == "john,doe")
        #expect(contacts[1].expires == 30)
        #expect(contacts[2].q == 0.1)
    }

    @Test func contactWildcard() throws {
        let request = try parseRequest("""
        REGISTER sip:example.com SIP/2.0
        Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1
        To: <sip:u@example.com>
        From: <sip:u@example.com>;tag=9
        Call-ID: star@x
        CSeq: 3 REGISTER
        Contact: *
        Expires: 0
        Content-Length: 0


        """)
        #expect(try request.headers.contacts() == .wildcard)
        #expect(try request.headers.expires() == 0)
    }

    @Test func quotedStringEscapes() throws {
        let address = try NameAddress(#""A \"quoted\" \\ name" <sip:a@example.com>;tag=x"#)
        #expect(address.displayName == #"A "quoted" \ name"#)
        #expect(address.tag == "x")
        #expect(try NameAddress(address.description) == address)
    }

    @Test func headerNamesAreCaseInsensitive() throws {
        let request = try parseRequest("""
        OPTIONS sip:bob@example.com SIP/2.0
        vIa: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds
        max-forwards: 70
        TO: <sip:bob@example.com>
        FROM: <sip:alice@example.com>;tag=1
        CALL-ID: case@pc33
        cseq: 1 OPTIONS
        content-length: 0


        """)
        #expect(request.headers.fields.map(\.name.name).contains("Call-ID"))
        #expect(try request.headers.maxForwards() == 70)
    }

    @Test func datagramWithoutContentLengthTakesRestAsBody() throws {
        let bytes = Fixture.wire("""
        MESSAGE sip:bob@example.com SIP/2.0
        Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1
        To: <sip:bob@example.com>
        From: <sip:alice@example.com>;tag=1
        Call-ID: nocl@pc33
        CSeq: 1 MESSAGE
        Content-Type: text/plain

        hello
        """)
        let request = try SIPRequest(datagram: bytes)
        #expect(request.body == Array("hello".utf8))
    }

    @Test func datagramWithSmallerContentLengthTruncatesBody() throws {
        let bytes = basicInvite(replacing: "Content-Length", with: "Content-Length: 3") + Array("abcdef".utf8)
        let request = try SIPRequest(datagram: bytes)
        #expect(request.body == Array("abc".utf8))
    }

    @Test func leadingKeepaliveCRLFsAreSkipped() throws {
        let request = try SIPRequest(datagram: Array("\r\n\r\n".utf8) + Fixture.wire(basicInvite))
        #expect(request.method == .invite)
    }

    @Test func bareLineFeedsAreTolerated() throws {
        let request = try SIPRequest(datagram: Array(basicInvite.utf8))
        #expect(try request.headers.callID() == "a84b4c76e66710@pc33.example.com")
    }

    @Test func unknownHeadersPassThrough() throws {
        let request = try SIPRequest(datagram: basicInvite(replacing: "Contact", with: "X-Custom-Thing:   some ;odd, value  "))
        #expect(request.headers[HeaderName("x-custom-thing")] == "some ;odd, value")
        #expect(request.headers.fields.last { $0.name == HeaderName("X-Custom-Thing") }?.name.name == "X-Custom-Thing")
    }
}
