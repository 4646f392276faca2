import Testing
@testable import SIP

@Suite("Name-addr: From, To, Contact, Route")
struct NameAddressTests {
    @Test func quotedDisplayName() throws {
        let address = try NameAddress(#""Alice Liddell" <sip:alice@example.com;transport=tcp>;tag=88sja8x"#)
        #expect(address.displayName == "Alice Liddell")
        #expect(address.uri.sipURI?.transport == "tcp")
        #expect(address.tag == "88sja8x")
    }

    @Test func addrSpecParametersBelongToTheHeader() throws {
        let address = try NameAddress("sip:bob@example.com;tag=a6c85cf")
        #expect(address.displayName == nil)
        #expect(address.tag == "a6c85cf")
        #expect(address.uri.sipURI?.parameters.isEmpty == true)
        #expect(address.description == "<sip:bob@example.com>;tag=a6c85cf")
    }

    @Test func tokenDisplayName() throws {
        let address = try NameAddress("A. G. Bell <sip:agb@bell-telephone.com> ;tag=a48s")
        #expect(address.displayName == "A. G. Bell")
        #expect(address.tag == "a48s")
    }

    @Test func addingAToTag() throws {
        var to = try NameAddress("<sip:bob@example.com>")
        to.tag = "314159"
        #expect(to.description == "<sip:bob@example.com>;tag=314159")
    }

    @Test func contactParameters() throws {
        var contact = try NameAddress(#"<sip:alice@pc33.example.com>;expires=3600;q=0.5;+sip.instance="<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>";reg-id=2"#)
        #expect(contact.expires == 3600)
        #expect(contact.q == 0.5)
        #expect(contact.sipInstance == "<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>")
        #expect(contact.regID == 2)
        contact.expires = 0
        contact.sipInstance = "<urn:uuid:1>"
        #expect(contact.description == #"<sip:alice@pc33.example.com>;expires=0;q=0.5;+sip.instance="<urn:uuid:1>";reg-id=2"#)
        // Out-of-range expiry reads as absent (RFC 4475 §3.1.2.4 allows the default instead).
        #expect(try NameAddress("<sip:a@b>;expires=280297596632815").expires == nil)
    }

    @Test func malformedAddresses() {
        for text in [#""unterminated <sip:a@b>"#, #""name" sip:a@b"#, "<sip:a@b", "<>", "Name <sip:a@b>;", "<sip:a@b>;=x", "<sip:a@b> junk"] {
            do {
                _ = try NameAddress(text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.kind == .invalidHeaderValue || error.kind == .invalidURI, "\(text)")
            }
        }
    }

    @Test func routeAndRecordRouteLists() throws {
        var headers: SIPHeaders = [(.recordRoute, "<sip:p1.example.com;lr>, <sip:p2.example.com;lr>"),
                                   (.recordRoute, "<sip:p3.example.com;lr>")]
        let rr = try headers.recordRoute()
        #expect(rr.map { $0.uri.sipURI?.host } == ["p1.example.com", "p2.example.com", "p3.example.com"])
        headers.setRoute(rr.reversed())
        #expect(headers.values(.route) == ["<sip:p3.example.com;lr>", "<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"])
        #expect(try headers.route().count == 3)
    }

    @Test func settersWriteText() throws {
        var headers = SIPHeaders()
        headers.setFrom(NameAddress(displayName: "Tandem", uri: SIPURI(user: "gw", host: "tandem.example.com"), parameters: [("tag", "abc")]))
        headers.setContacts(.addresses([NameAddress(uri: SIPURI(user: "gw", host: "10.0.0.1", port: 5080))]))
        headers.setCSeq(CSeq(2, .bye))
        headers.setMaxForwards(70)
        headers.setAllow([.invite, .ack, .bye])
        headers.setContentType(.sdp)
        #expect(headers[.from] == #""Tandem" <sip:gw@tandem.example.com>;tag=abc"#)
        #expect(headers[.contact] == "<sip:gw@10.0.0.1:5080>")
        #expect(headers[.cseq] == "2 BYE")
        #expect(headers[.allow] == "INVITE, ACK, BYE")
        #expect(headers[.contentType] == "application/sdp")
        #expect(try headers.maxForwards() == 70)
        headers.setContacts(.wildcard)
        #expect(try headers.contacts() == .wildcard)
    }
}
