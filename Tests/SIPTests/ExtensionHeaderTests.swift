import Testing
@testable import SIP

/// The basic INVITE with `lines` added after its Contact, parsed from wire bytes.
private func invite(with lines: String...) throws -> SIPRequest {
    try SIPRequest(datagram: basicInvite(replacing: "Contact:", with: (["Contact: <sip:alice@pc33.example.com>"] + lines).joined(separator: "\n")))
}

@Suite("Session timer headers (RFC 4028)")
struct SessionTimerHeaderTests {
    @Test(arguments: [
        ("Session-Expires: 1800", 1800, nil),
        ("Session-Expires: 90;refresher=uac", 90, SessionExpires.Refresher.uac),
        ("Session-Expires:  4000 ; refresher = UAS", 4000, .uas),
        ("x: 600;refresher=uas", 600, .uas),
        ("Min-SE: 90", nil, nil),
    ] as [(String, Int?, SessionExpires.Refresher?)])
    func sessionExpires(line: String, interval: Int?, refresher: SessionExpires.Refresher?) throws {
        let value = try invite(with: line).headers.sessionExpires()
        #expect(value?.interval == interval)
        #expect(value?.refresher == refresher)
    }

    @Test func extensionParametersSurvive() throws {
        let value = try #require(try invite(with: "Session-Expires: 600;refresher=uac;fancy=1").headers.sessionExpires())
        #expect(value.description == "600;refresher=uac;fancy=1")
        #expect(value.parameters["fancy"] == "1")
    }

    @Test(arguments: ["Session-Expires: soon", "Session-Expires: 0", "Session-Expires: 99999999999",
                      "Session-Expires: 90;refresher=both", "Session-Expires: 90 garbage", "Session-Expires: ;refresher=uac"])
    func malformedSessionExpiresIsAnError(line: String) throws {
        #expect(throws: SIPParseError.self) { try invite(with: line).headers.sessionExpires() }
    }

    @Test func minSE() throws {
        #expect(try invite(with: "Min-SE: 90").headers.minSE() == 90)
        #expect(try invite(with: "Min-SE: 1800;x=y").headers.minSE() == 1800)
        #expect(try invite().headers.minSE() == nil)
        #expect(throws: SIPParseError.self) { try invite(with: "Min-SE: ninety").headers.minSE() }
    }

    @Test func writtenValuesReadBack() throws {
        var headers = SIPHeaders()
        headers.setSessionExpires(SessionExpires(interval: 1800, refresher: .uas))
        headers.setMinSE(90)
        #expect(headers[.sessionExpires] == "1800;refresher=uas")
        #expect(headers[.minSE] == "90")
        #expect(try headers.sessionExpires() == SessionExpires(interval: 1800, refresher: .uas))
    }
}

@Suite("Event and Subscription-State (RFC 6665)")
struct EventHeaderTests {
    @Test func eventPackageAndID() throws {
        let event = try #require(try invite(with: "Event: Refer;id=93809824").headers.event())
        #expect(event.package == "refer")
        #expect(event.id == "93809824")
        #expect(event.description == "refer;id=93809824")
        #expect(try invite(with: "o: dialog").headers.event()?.package == "dialog")
    }

    @Test(arguments: [
        ("Subscription-State: active;expires=60", SubscriptionState.State.active, 60, nil),
        ("Subscription-State: terminated;reason=noresource", .terminated, nil, "noresource"),
        ("Subscription-State: Pending", .pending, nil, nil),
        ("Subscription-State: waiting;retry-after=5", .other("waiting"), nil, nil),
    ] as [(String, SubscriptionState.State, Int?, String?)])
    func subscriptionState(line: String, state: SubscriptionState.State, expires: Int?, reason: String?) throws {
        let value = try #require(try invite(with: line).headers.subscriptionState())
        #expect(value.state == state)
        #expect(value.expires == expires)
        #expect(value.reason == reason)
    }

    @Test func writtenAsNotifiesSendThem() throws {
        #expect(SubscriptionState(.active, expires: 60).description == "active;expires=60")
        #expect(SubscriptionState(.terminated, reason: "noresource").description == "terminated;reason=noresource")
        #expect(EventHeader(package: "refer").description == "refer")
    }

    @Test(arguments: ["Event: ", "Event: refer garbage", "Subscription-State: active;expires=soon", "Subscription-State: ;expires=1"])
    func malformedIsAnError(line: String) throws {
        #expect(throws: SIPParseError.self) {
            let headers = try invite(with: line).headers
            _ = try headers.event()
            _ = try headers.subscriptionState()
        }
    }
}

@Suite("Reason (RFC 3326)")
struct ReasonHeaderTests {
    @Test func severalProtocolsInOneHeader() throws {
        let reasons = try invite(with: "Reason: SIP ;cause=200 ;text=\"Call completed elsewhere\", Q.850;cause=16").headers.reasons()
        #expect(reasons.count == 2)
        #expect(reasons[0] == Reason(protocol: "SIP", cause: 200, text: "Call completed elsewhere"))
        #expect(reasons[1].protocol == "Q.850")
        #expect(reasons[1].cause == 16)
        #expect(reasons[1].text == nil)
    }

    @Test func textIsQuotedAndEscaped() throws {
        let reason = Reason(cause: 480, text: "Callee said \"no\"")
        #expect(reason.description == "SIP;cause=480;text=\"Callee said \\\"no\\\"\"")
        var headers = SIPHeaders()
        headers.addReason(reason)
        #expect(try headers.reasons() == [reason])
    }

    @Test func malformedCauseIsAnError() throws {
        #expect(throws: SIPParseError.self) { try invite(with: "Reason: SIP;cause=abc").headers.reasons() }
    }
}

@Suite("Replaces and Refer-To (RFC 3891, RFC 3515)")
struct ReplacesHeaderTests {
    @Test func replacesNamesADialog() throws {
        let value = try #require(try invite(with: "Replaces: 98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff;early-only").headers.replaces())
        #expect(value.callID == "98732@sip.example.com")
        #expect(value.toTag == "ff87ff")
        #expect(value.fromTag == "r33th4x0r")
        #expect(value.earlyOnly)
        #expect(value.description == "98732@sip.example.com;to-tag=ff87ff;from-tag=r33th4x0r;early-only")
    }

    @Test(arguments: ["Replaces: abc;to-tag=1", "Replaces: ;to-tag=1;from-tag=2", "Replaces: a b;to-tag=1;from-tag=2"])
    func replacesWithoutBothTagsIsAnError(line: String) throws {
        #expect(throws: SIPParseError.self) { try invite(with: line).headers.replaces() }
    }

    @Test func blindReferTo() throws {
        let referTo = try #require(try invite(with: "Refer-To: <sip:2001@pbx.example.com>").headers.referTo())
        #expect(referTo.target.uri.sipURI?.user == "2001")
        #expect(try referTo.replaces == nil)
        #expect(try invite(with: "r: sip:2002@pbx.example.com").headers.referTo()?.target.uri.sipURI?.user == "2002")
    }

    @Test func attendedReferToCarriesAnEscapedReplaces() throws {
        let line = "Refer-To: <sip:dave@denver.example.org?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>"
        let referTo = try #require(try invite(with: line).headers.referTo())
        let replaces = try #require(try referTo.replaces)
        #expect(replaces == Replaces(callID: "12345@192.168.118.3", toTag: "12345", fromTag: "5FFE-3994"))
        let rebuilt = ReferTo(target: NameAddress(uri: try SIPURI("sip:dave@denver.example.org"))).replacing(replaces)
        #expect(rebuilt.description == "<sip:dave@denver.example.org?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>")
        #expect(try rebuilt.replaces == replaces)
    }

    @Test func malformedReferToIsAnError() throws {
        #expect(throws: SIPParseError.self) { try invite(with: "Refer-To: <not a uri").headers.referTo() }
        #expect(throws: SIPParseError.self) {
            try invite(with: "Refer-To: <sip:d@h?Replaces=abc%3Bto-tag%3D1>").headers.referTo()?.replaces
        }
    }
}

@Suite("P-Asserted-Identity (RFC 3325)")
struct AssertedIdentityTests {
    @Test func sipAndTelIdentities() throws {
        let ids = try invite(with: "P-Asserted-Identity: \"Cullen Jennings\" <sip:fluffy@cisco.com>, <tel:+14085264000>").headers.pAssertedIdentities()
        #expect(ids.count == 2)
        #expect(ids[0].displayName == "Cullen Jennings")
        #expect(ids[0].uri.sipURI?.user == "fluffy")
        #expect(ids[1].uri.description == "tel:+14085264000")
        var headers = SIPHeaders()
        headers.setPAssertedIdentity(ids[0])
        #expect(headers[.pAssertedIdentity] == "\"Cullen Jennings\" <sip:fluffy@cisco.com>")
    }
}
