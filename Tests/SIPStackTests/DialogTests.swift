import SIP
import Testing
@testable import SIPStack

/// Dialog state per RFC 3261 §12: creation on both sides, route sets, target refresh, CSeq rules,
/// early dialogs confirmed by the 2xx, and the requests built from all that.
@Suite struct DialogTests {
    static func message(_ text: String) -> SIPMessage {
        try! SIPMessage(datagram: Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8))
    }

    static let invite = message("""
        INVITE sip:bob@gw.example.com SIP/2.0
        Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1
        Record-Route: <sip:p2.example.com;lr>
        Record-Route: <sip:p1.example.com;lr>
        Max-Forwards: 70
        From: "Alice" <sip:alice@example.com>;tag=alice-tag
        To: <sip:bob@example.com>
        Call-ID: dialog-1
        CSeq: 10 INVITE
        Contact: <sip:alice@10.0.0.1:5060>
        Content-Length: 0


        """).request!

    @Test func serverDialogTakesTheRouteSetInOrderAndTheCallersContact() throws {
        let d = try #require(Dialog(uas: Self.invite, localTag: "gw-tag", localContact: "<sip:gw@10.0.0.9>", confirmed: true))
        #expect(d.id == Dialog.ID(callID: "dialog-1", localTag: "gw-tag", remoteTag: "alice-tag"))
        #expect(d.routeSet.map(\.uri.description) == ["sip:p2.example.com;lr", "sip:p1.example.com;lr"])
        #expect(d.remoteTarget.description == "sip:alice@10.0.0.1:5060")
        #expect(d.remoteSequence == 10)
        #expect(d.nextHop?.host == "p2.example.com")
    }

    @Test func requestsInsideTheDialogCarryTagsRoutesAndRisingCSeq() throws {
        var d = try #require(Dialog(uas: Self.invite, localTag: "gw-tag", localContact: "<sip:gw@10.0.0.9>", confirmed: true))
        let via = Via(transport: "UDP", host: "10.0.0.9", port: 5060, branch: "z9hG4bK-x")
        let bye1 = d.makeRequest(.bye, via: via)
        let bye2 = d.makeRequest(.info, via: via)
        #expect(bye1.uri.description == "sip:alice@10.0.0.1:5060")
        #expect(try bye1.headers.from().tag == "gw-tag")
        #expect(try bye1.headers.to().tag == "alice-tag")
        #expect(try bye1.headers.route().map(\.uri.description) == ["sip:p2.example.com;lr", "sip:p1.example.com;lr"])
        #expect(try bye2.headers.cseq().sequence == bye1.headers.cseq().sequence + 1)
        #expect(!bye1.headers.contains(.contact))
    }

    @Test func strictRouterTakesTheRequestURIAndTheTargetGoesLast() throws {
        var invite = Self.invite
        invite.headers.setAll(.recordRoute, ["<sip:strict.example.com>"])
        var d = try #require(Dialog(uas: invite, localTag: "t", localContact: "<sip:gw@10.0.0.9>", confirmed: true))
        let r = d.makeRequest(.bye, via: Via(transport: "UDP", host: "10.0.0.9", branch: "z9hG4bK-y"))
        #expect(r.uri.description == "sip:strict.example.com")
        #expect(try r.headers.route().map(\.uri.description) == ["sip:alice@10.0.0.1:5060"])
    }

    @Test func lowerOrEqualCSeqIsRefusedAndReINVITERefreshesTheTarget() throws {
        var d = try #require(Dialog(uas: Self.invite, localTag: "gw-tag", localContact: "<sip:gw@10.0.0.9>", confirmed: true))
        var old = Self.invite
        old.headers.set(.to, "<sip:bob@example.com>;tag=gw-tag")
        old.headers.set(.cseq, "9 BYE")
        old.method = .bye
        #expect(throws: Dialog.Refusal.outOfOrder) { try d.receive(old) }
        var reinvite = Self.invite
        reinvite.headers.set(.cseq, "11 INVITE")
        reinvite.headers.set(.contact, "<sip:alice@10.0.0.2:5062>")
        try d.receive(reinvite)
        #expect(d.remoteTarget.description == "sip:alice@10.0.0.2:5062")
        var ack = reinvite
        ack.method = .ack
        ack.headers.set(.cseq, "11 ACK")
        try d.receive(ack) // ACK reuses the INVITE's number
    }

    static let outbound = message("""
        INVITE sip:2001@pbx.example.com SIP/2.0
        Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-out
        Max-Forwards: 70
        From: <sip:alice@gw.example.com>;tag=ours
        To: <sip:2001@pbx.example.com>
        Call-ID: out-1
        CSeq: 1 INVITE
        Contact: <sip:gw@10.0.0.9:5060>
        Content-Length: 0


        """).request!

    @Test func clientDialogFromEarlyResponseIsConfirmedAndReroutedByThe2xx() throws {
        var ringing = SIPResponse(replyingTo: Self.outbound, statusCode: 180, toTag: "theirs")
        ringing.headers.add(.recordRoute, "<sip:edge.example.com;lr>")
        var d = try #require(Dialog(uac: Self.outbound, response: ringing, localContact: "<sip:gw@10.0.0.9:5060>"))
        #expect(d.state == .early)
        #expect(d.remoteTarget.description == "sip:2001@pbx.example.com", "no Contact yet: the Request-URI")
        var ok = SIPResponse(replyingTo: Self.outbound, statusCode: 200, toTag: "theirs")
        ok.headers.add(.recordRoute, "<sip:a.example.com;lr>")
        ok.headers.add(.recordRoute, "<sip:b.example.com;lr>")
        ok.headers.add(.contact, "<sip:2001@10.0.0.5:5080>")
        d.update(with: ok)
        #expect(d.state == .confirmed)
        #expect(d.routeSet.map(\.uri.description) == ["sip:b.example.com;lr", "sip:a.example.com;lr"], "reversed on the UAC side")
        #expect(d.remoteTarget.description == "sip:2001@10.0.0.5:5080")
        let ack = d.makeACK(sequence: 1, via: Via(transport: "UDP", host: "10.0.0.9", branch: "z9hG4bK-ack"))
        #expect(try ack.headers.cseq() == CSeq(1, .ack))
        #expect(ack.uri.description == "sip:2001@10.0.0.5:5080")
        var d2 = d
        #expect(try d2.makeRequest(.bye, via: Via(transport: "UDP", host: "10.0.0.9", branch: "z9hG4bK-b")).headers.cseq().sequence == 2)
    }

    @Test func forkedResponsesWithDifferentTagsMakeDifferentDialogs() throws {
        let a = try #require(Dialog(uac: Self.outbound, response: SIPResponse(replyingTo: Self.outbound, statusCode: 183, toTag: "fork-a"),
                                    localContact: "<sip:gw@10.0.0.9>"))
        let b = try #require(Dialog(uac: Self.outbound, response: SIPResponse(replyingTo: Self.outbound, statusCode: 180, toTag: "fork-b"),
                                    localContact: "<sip:gw@10.0.0.9>"))
        #expect(a.id != b.id)
        #expect(Dialog(uac: Self.outbound, response: SIPResponse(replyingTo: Self.outbound, statusCode: 100), localContact: "") == nil)
    }
}
