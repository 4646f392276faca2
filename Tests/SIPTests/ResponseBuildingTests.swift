import Testing
@testable import SIP

@Suite("Building responses (RFC 3261 §8.2.6)")
struct ResponseBuildingTests {
    private let invite = try! parseRequest("""
    INVITE sip:bob@example.com SIP/2.0
    Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK-p1, SIP/2.0/WSS client.invalid;branch=z9hG4bK-c1;rport
    Via: SIP/2.0/UDP third.example.com;branch=z9hG4bK-t1
    Record-Route: <sip:proxy.example.com;lr>
    Max-Forwards: 69
    To: Bob <sip:bob@example.com>
    From: "Alice" <sip:alice@example.com>;tag=9fxced76sl
    Call-ID: 3848276298220188511@atlanta.example.com
    CSeq: 2 INVITE
    Contact: <sip:alice@client.invalid;transport=ws>
    Content-Type: application/sdp
    Content-Length: 3

    v=0
    """)

    @Test func copiesTheTransactionHeaders() throws {
        let ringing = SIPResponse(replyingTo: invite, statusCode: 180, toTag: "8321234356")
        #expect(ringing.reasonPhrase == "Ringing")
        #expect(ringing.headers.values(.via) == invite.headers.values(.via))
        #expect(try ringing.headers.via().count == 3)
        #expect(ringing.headers[.from] == invite.headers[.from])
        #expect(try ringing.headers.to().tag == "8321234356")
        #expect(try ringing.headers.to().displayName == "Bob")
        #expect(ringing.headers[.callID] == invite.headers[.callID])
        #expect(try ringing.headers.cseq() == CSeq(2, .invite))
        #expect(ringing.headers.values(.recordRoute) == ["<sip:proxy.example.com;lr>"])
        #expect(ringing.body.isEmpty)
        #expect(!ringing.headers.contains(.contentType))
        // What goes on the wire parses as a valid response.
        let wire = try SIPResponse(datagram: ringing.serialized())
        #expect(wire.statusCode == 180)
    }

    @Test func trying100HasNoTagAndNoRecordRoute() throws {
        let trying = SIPResponse(replyingTo: invite, statusCode: 100, toTag: "ignored")
        #expect(try trying.headers.to().tag == nil)
        #expect(!trying.headers.contains(.recordRoute))
    }

    @Test func errorsDoNotCopyRecordRoute() throws {
        let busy = SIPResponse(replyingTo: invite, statusCode: 486, toTag: "x")
        #expect(busy.reasonPhrase == "Busy Here")
        #expect(!busy.headers.contains(.recordRoute))
    }

    @Test func existingToTagIsKept() throws {
        var reinvite = invite
        reinvite.headers.setTo(try NameAddress("<sip:bob@example.com>;tag=existing"))
        let ok = SIPResponse(replyingTo: reinvite, statusCode: 200, toTag: "new")
        #expect(try ok.headers.to().tag == "existing")
    }

    @Test func customReasonAndBody() throws {
        var ok = SIPResponse(replyingTo: invite, statusCode: 200, reasonPhrase: "Fine", toTag: "a")
        ok.body = Array("v=0\r\n".utf8)
        ok.headers.setContentType(.sdp)
        let wire = try SIPResponse(datagram: ok.serialized())
        #expect(wire.reasonPhrase == "Fine")
        #expect(wire.body == ok.body)
    }

    @Test func partialReplyRefusesACK() {
        var partial = PartialMessage(isRequest: true, method: "ACK")
        partial.headers.add(.via, "SIP/2.0/UDP h;branch=z9hG4bK1")
        #expect(SIPResponse(replyingTo: partial, statusCode: 400) == nil)
        partial.method = "INVITE"
        #expect(SIPResponse(replyingTo: partial, statusCode: 400, reasonPhrase: "Bad\r\nthing")?.reasonPhrase == "Bad  thing")
    }
}
