import Testing
@testable import SIP

@Suite("URIs")
struct URITests {
    @Test func fullSIPURI() throws {
        let uri = try SIPURI("sips:alice:secret@atlanta.example.com:5061;transport=tls;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent")
        #expect(uri.isSecure)
        #expect(uri.user == "alice")
        #expect(uri.password == "secret")
        #expect(uri.host == "atlanta.example.com")
        #expect(uri.port == 5061)
        #expect(uri.transport == "tls")
        #expect(uri.isLooseRouter)
        #expect(uri.maddr == "239.255.255.1")
        #expect(uri.headers.map(\.name) == ["subject", "priority"])
        #expect(uri.headers[0].value == "project%20x")
        #expect(uri.description == "sips:alice:secret@atlanta.example.com:5061;transport=tls;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent")
    }

    @Test func ipv6References() throws {
        let uri = try SIPURI("sip:[2001:db8::1]:5070;transport=udp")
        #expect(uri.host == "2001:db8::1")
        #expect(uri.isIPv6)
        #expect(uri.port == 5070)
        #expect(uri.hostPort == "[2001:db8::1]:5070")
        #expect(uri.description == "sip:[2001:db8::1]:5070;transport=udp")
        #expect(try SIPURI("sip:user@[::1]").host == "::1")
        #expect(throws: SIPParseError.self) { try SIPURI("sip:[::1") }
        #expect(throws: SIPParseError.self) { try SIPURI("sip:[]") }
        #expect(throws: SIPParseError.self) { try SIPURI("sip:[1.2.3.4]") }
    }

    @Test func escapedUserPart() throws {
        let uri = try SIPURI("sip:%61lice%20smith@example.com")
        #expect(uri.user == "alice smith")
        #expect(uri.description == "sip:alice%20smith@example.com")
        #expect(throws: SIPParseError.self) { try SIPURI("sip:bad%2@example.com") }
        #expect(throws: SIPParseError.self) { try SIPURI("sip:a<b@example.com") }
    }

    @Test func parameterAccessorsMutate() throws {
        var uri = try SIPURI("sip:k0s7v3d8@4b8e2u1k9q3v.invalid;transport=ws;ob")
        #expect(uri.parameters.contains("ob"))
        #expect(uri.parameters["ob"] == nil)
        uri.transport = "wss"
        uri.isLooseRouter = true
        uri.parameters["ob"] = nil
        #expect(uri.description == "sip:k0s7v3d8@4b8e2u1k9q3v.invalid;transport=wss;lr")
        #expect(uri.parameters.contains("TRANSPORT"))
    }

    @Test func buildingFromParts() {
        var uri = SIPURI(user: "+1 212", host: "gw.example.com", port: 5060)
        uri.parameters.set("user", value: "phone")
        #expect(uri.description == "sip:+1%20212@gw.example.com:5060;user=phone")
    }

    @Test func telURI() throws {
        let uri = try URI("tel:+1-201-555-0123;phone-context=example.com")
        guard case .tel(let tel) = uri else {
            Issue.record("expected tel")
            return
        }
        #expect(tel.isGlobal)
        #expect(tel.number == "+1-201-555-0123")
        #expect(tel.digits == "+12015550123")
        #expect(tel.parameters["phone-context"] == "example.com")
        #expect(uri.description == "tel:+1-201-555-0123;phone-context=example.com")
        #expect(throws: SIPParseError.self) { try URI("tel:;x=1") }
    }

    @Test func otherSchemesAreOpaque() throws {
        #expect(try URI("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6") == .other(scheme: "urn", rest: "uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"))
        #expect(throws: SIPParseError.self) { try URI("urn:") }
        #expect(throws: SIPParseError.self) { try URI("mailto:a b") }
    }

    @Test func malformedURIsReportInvalidURI() {
        for text in ["", "sip", ":x", "sip:", "sip:@host", "sip:host:", "sip:host:65536", "sip:host;=x", "sip:host;a=", "sip:host?=v", "sip:ho st"] {
            do {
                _ = try URI(text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.kind == .invalidURI, "\(text)")
            }
        }
    }

    @Test func schemeIsCaseInsensitive() throws {
        #expect(try URI("SIP:bob@example.com").sipURI?.user == "bob")
        #expect(try URI("SIPS:bob@example.com").scheme == "sips")
    }
}
