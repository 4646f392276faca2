import Testing
@testable import SIP

@Suite("Via")
struct ViaTests {
    @Test func parsesAllParts() throws {
        let via = try Via("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776;received=198.51.100.7;rport=40000;ttl=16")
        #expect(via.protocolName == "SIP")
        #expect(via.protocolVersion == "2.0")
        #expect(via.transport == "UDP")
        #expect(via.host == "192.0.2.1")
        #expect(via.port == 5060)
        #expect(via.branch == "z9hG4bK776")
        #expect(via.received == "198.51.100.7")
        #expect(via.rport == .port(40000))
        #expect(via.parameters["ttl"] == "16")
    }

    @Test func rportWithoutValue() throws {
        let via = try Via("SIP/2.0/WSS df7jal23ls0d.invalid;rport;branch=z9hG4bKhjhs8ass877")
        #expect(via.rport == .requested)
        #expect(via.transport == "WSS")
        #expect(try Via("SIP/2.0/UDP h;branch=z9hG4bK1").rport == nil)
    }

    @Test func ipv6SentBy() throws {
        let via = try Via("SIP/2.0/TCP [2001:db8::9]:5061;branch=z9hG4bKx;received=[2001:db8::7]")
        #expect(via.host == "2001:db8::9")
        #expect(via.port == 5061)
        #expect(via.received == "[2001:db8::7]")
        #expect(via.sentBy == "[2001:db8::9]:5061")
    }

    @Test func serverAddsReceivedAndRport() throws {
        var headers: SIPHeaders = [(.via, "SIP/2.0/WSS df7jal23ls0d.invalid;rport;branch=z9hG4bKhjhs8ass877, SIP/2.0/UDP second.example.com")]
        var top = try headers.topVia()
        top.received = "203.0.113.7"
        top.rport = .port(50412)
        headers.setTopVia(top)
        #expect(headers[.via] == "SIP/2.0/WSS df7jal23ls0d.invalid;rport=50412;branch=z9hG4bKhjhs8ass877;received=203.0.113.7, SIP/2.0/UDP second.example.com")
        #expect(try headers.via().count == 2)
    }

    @Test func prependAndRemoveTop() throws {
        var headers: SIPHeaders = [(.from, "<sip:a@b>;tag=1"), (.via, "SIP/2.0/UDP client.example.com;branch=z9hG4bK1")]
        headers.prependVia(Via(transport: "TCP", host: "tandem.example.com", port: 5060, branch: "z9hG4bKnew"))
        #expect(headers.fields.map(\.name) == [.from, .via, .via])
        #expect(try headers.topVia().host == "tandem.example.com")
        #expect(headers[.via] == "SIP/2.0/TCP tandem.example.com:5060;branch=z9hG4bKnew")
        headers.removeTopVia()
        #expect(try headers.topVia().host == "client.example.com")
    }

    @Test func malformedVias() {
        for text in ["", "SIP/2.0", "SIP/2.0/UDP", "SIP 2.0 UDP host", "SIP/2.0/UDP host:port", "SIP/2.0/UDP host:70000",
                     "SIP/2.0/UDP host;", "SIP/2.0/UDP host;branch=", "SIP/2.0/UDP host junk"] {
            do {
                _ = try Via(text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.kind == .invalidHeaderValue, "\(text)")
            }
        }
    }

    @Test func roundTripsThroughText() throws {
        let via = Via(transport: "UDP", host: "::1", port: 5060, branch: "z9hG4bK-1")
        #expect(via.description == "SIP/2.0/UDP [::1]:5060;branch=z9hG4bK-1")
        #expect(try Via(via.description) == via)
    }
}
