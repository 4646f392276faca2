import SIP
import Testing
@testable import SIPStack

/// The requests of a B2BUA, each checked by reading back the bytes it puts on the wire.
@Suite struct RequestBuilderTests {
    let builder = RequestBuilder(userAgent: "Tandem-test", allow: "INVITE, ACK, CANCEL, BYE")
    let via = Via(transport: "UDP", host: "10.0.0.9", port: 5060, branch: "z9hG4bK-new")

    /// What a peer reads from the request we built.
    func onTheWire(_ request: SIPRequest) throws -> SIPRequest {
        try #require(try SIPMessage(datagram: request.serialized()).request)
    }

    func invite(timer: Bool = true, identity: NameAddress? = nil) throws -> SIPRequest {
        var from = NameAddress(displayName: "Alice", uri: SIPURI(user: "1001", host: "gw.example.com"))
        from.tag = "from-tag"
        return try onTheWire(builder.invite(
            .sip(SIPURI(user: "2001", host: "pbx.example.com")), from: from,
            to: NameAddress(uri: SIPURI(user: "2001", host: "pbx.example.com")), callID: "call-1", via: via,
            contact: "<sip:tandem@10.0.0.9:5060>",
            offer: .init(body: Array("v=0\r\n".utf8), sessionTimer: timer ? (1800, 90) : nil, assertedIdentity: identity)))
    }

    @Test func inviteCarriesEverythingADialogNeeds() throws {
        let r = try invite()
        #expect(r.method == .invite)
        #expect(r.uri.description == "sip:2001@pbx.example.com")
        #expect(try r.headers.cseq() == CSeq(1, .invite))
        #expect(try r.headers.callID() == "call-1")
        #expect(try r.headers.from().tag == "from-tag")
        #expect(try r.headers.to().tag == nil)
        #expect(try r.headers.maxForwards() == 70)
        #expect(try r.headers.sessionExpires() == SessionExpires(interval: 1800))
        #expect(try r.headers.minSE() == 90)
        #expect(r.headers.listValues(.supported) == ["timer"])
        #expect(r.headers.userAgent == "Tandem-test")
        #expect(r.headers[.contentType] == "application/sdp")
        #expect(r.body == Array("v=0\r\n".utf8))
        #expect(try r.headers.pAssertedIdentities().isEmpty)
    }

    @Test func inviteWithoutTimerAsksForNone() throws {
        let r = try invite(timer: false, identity: NameAddress(uri: SIPURI(user: "+15551234", host: "carrier.example.com")))
        #expect(try r.headers.sessionExpires() == nil)
        #expect(!r.headers.contains(.supported))
        #expect(try r.headers.pAssertedIdentities().map(\.uri.description) == ["sip:+15551234@carrier.example.com"])
    }

    @Test func cancelMatchesTheInvitesTransaction() throws {
        let original = try invite()
        let c = try onTheWire(builder.cancel(original))
        #expect(c.method == .cancel)
        #expect(c.uri == original.uri)
        #expect(c.headers[.via] == original.headers[.via])
        #expect(c.headers[.from] == original.headers[.from])
        #expect(c.headers[.to] == original.headers[.to])
        #expect(try c.headers.callID() == "call-1")
        #expect(try c.headers.cseq() == CSeq(1, .cancel))
        #expect(c.body.isEmpty)
    }

    func dialog() throws -> Dialog {
        try #require(Dialog(uas: DialogTests.invite, localTag: "gw-tag", localContact: "<sip:gw@10.0.0.9>", confirmed: true))
    }

    @Test func inDialogRequestsTakeTheNextSequenceInTurn() throws {
        var d = try dialog()
        let reinvite = try onTheWire(builder.reinvite(in: &d, via: via, offer: Array("v=0\r\n".utf8)))
        let bye = try onTheWire(builder.bye(in: &d, via: via, reason: Reason(cause: 487, text: "Request Terminated")))
        #expect(reinvite.method == .invite)
        #expect(reinvite.headers[.contentType] == "application/sdp")
        #expect(reinvite.headers[.contact] == "<sip:gw@10.0.0.9>")
        #expect(bye.method == .bye)
        #expect(try bye.headers.cseq().sequence == reinvite.headers.cseq().sequence + 1)
        #expect(try bye.headers.reasons() == [Reason(cause: 487, text: "Request Terminated")])
        #expect(try bye.headers.to().tag == "alice-tag")
        #expect(try bye.headers.from().tag == "gw-tag")
        #expect(bye.uri.description == "sip:alice@10.0.0.1:5060")
    }

    @Test func notifyReportsAReferAsASipfrag() throws {
        var d = try dialog()
        let n = try onTheWire(builder.notify(in: &d, via: via, sipfrag: "SIP/2.0 100 Trying", state: SubscriptionState(.active, expires: 60)))
        #expect(n.method == .notify)
        #expect(try n.headers.event() == EventHeader(package: "refer"))
        #expect(try n.headers.subscriptionState() == SubscriptionState(.active, expires: 60))
        #expect(n.headers[.contentType] == "message/sipfrag;version=2.0")
        #expect(n.body == Array("SIP/2.0 100 Trying\r\n".utf8))
    }

    @Test func refreshIsAnUpdateWithTheTimerAndNoBody() throws {
        var d = try dialog()
        let u = try onTheWire(builder.refresh(in: &d, via: via, sessionExpires: SessionExpires(interval: 900, refresher: .uas)))
        #expect(u.method == .update)
        #expect(try u.headers.sessionExpires() == SessionExpires(interval: 900, refresher: .uas))
        #expect(u.body.isEmpty)
    }
}
