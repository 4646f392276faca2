import SIP
import Testing
@testable import SIPStack

/// The checks a UAS makes before acting on a request, bytes in, response out.
@Suite struct UASChecksTests {
    let checks = UASChecks(supported: ["timer", "path", "outbound"])

    func invite(uri: String = "sip:bob@tandem", extra: String = "", body: String = "", contentType: String = "application/sdp") throws -> SIPRequest {
        let type = body.isEmpty ? "" : "Content-Type: \(contentType)\r\n"
        let text = "INVITE \(uri) SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\nMax-Forwards: 70\r\n"
            + "From: <sip:alice@tandem>;tag=a\r\nTo: <sip:bob@tandem>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n" + extra + type
            + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        return try SIPRequest(datagram: Array(text.utf8))
    }

    @Test func anOrdinaryInviteGoesOn() throws {
        #expect(checks.refusal(for: try invite(extra: "Require: timer\r\nAccept: application/sdp\r\n", body: "v=0\r\n")) == nil)
        #expect(checks.refusal(for: try invite(uri: "tel:+4930123")) == nil)
        #expect(checks.refusal(for: try invite(body: "--b\r\n", contentType: "multipart/mixed;boundary=b")) == nil,
                "SIP-I style multipart bodies are the offer's business, not refused here")
    }

    @Test func anUnknownSchemeIs416() throws {
        #expect(checks.refusal(for: try invite(uri: "soap.beep://192.0.2.103:3002"))?.statusCode == 416)
    }

    @Test func anUnknownRequireIs420NamingWhatIsUnsupported() throws {
        let r = try #require(checks.refusal(for: try invite(extra: "Require: timer, 100rel, Foo\r\nProxy-Require: bar\r\n")))
        #expect(r.statusCode == 420)
        #expect(try r.headers.tokens(.unsupported) == ["100rel", "Foo"])
        #expect(checks.refusal(for: try invite(extra: "Proxy-Require: noProxiesSupportThis\r\n")) == nil, "a UAS ignores Proxy-Require")
    }

    @Test func aBodyOtherThanSDPIs415WithAccept() throws {
        let r = try #require(checks.refusal(for: try invite(body: "x", contentType: "application/unknownformat")))
        #expect(r.statusCode == 415)
        #expect(r.headers[.accept] == "application/sdp")
    }

    @Test func anAcceptWithoutSDPIs406() throws {
        #expect(checks.refusal(for: try invite(extra: "Accept: text/nobodyKnowsThis\r\n"))?.statusCode == 406)
        #expect(checks.refusal(for: try invite(extra: "Accept: application/*\r\n")) == nil)
        #expect(checks.refusal(for: try invite(extra: "Accept: */*\r\n")) == nil)
    }
}
