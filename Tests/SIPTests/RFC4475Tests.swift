import Foundation
import Hashing
import Testing
@testable import SIP

/// RFC 4475 torture messages, byte-exact in `Fixtures/rfc4475`.
/// Valid messages must parse with the right values; invalid ones must be rejected with the
/// right kind, except where the RFC lets a tolerant element accept them, which we do and say so.
@Suite("RFC 4475 torture tests")
struct RFC4475Tests {
    private func parse(_ name: String) throws -> SIPMessage {
        try SIPMessage(datagram: try Fixture.rfc4475(name))
    }

    @Test("the messages are byte-exact (SHA256SUMS, checked with our own SHA-256)") func checksums() throws {
        let directory = Fixture.rfc4475Directory
        let sums = try String(contentsOf: directory.appendingPathComponent("SHA256SUMS"), encoding: .utf8)
        var checked = 0
        for line in sums.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2 else { continue }
            let bytes = try Data(contentsOf: directory.appendingPathComponent(String(parts[1])))
            #expect(Hex.encode(Hash.sha256.digest([UInt8](bytes))) == String(parts[0]), "\(parts[1])")
            checked += 1
        }
        #expect(checked == 49)
    }

    // MARK: §3.1.1 valid messages

    @Test("3.1.1.1 wsinv: a short tortuous INVITE") func wsinv() throws {
        let request = try #require(try parse("wsinv").request)
        #expect(request.uri.sipURI?.parameters.contains("unknownparam") == true)
        #expect(try request.headers.to().tag == "1918181833n")
        let from = try request.headers.from()
        #expect(from.displayName == #"J Rosenberg \""#)
        #expect(from.tag == "98asjd8")
        #expect(try request.headers.maxForwards() == 68)
        #expect(try request.headers.cseq() == CSeq(9, .invite))
        #expect(request.headers[.subject] == "")
        #expect(request.headers[HeaderName("NewFangledHeader")] == "newfangled value continued newfangled value")
        #expect(request.headers[HeaderName("UnknownHeaderWithUnusualValue")] == ";;,,;;,;")
        let vias = try request.headers.via()
        #expect(vias.map(\.host) == ["192.0.2.2", "spindle.example.com", "192.168.255.111"])
        #expect(vias.map(\.transport) == ["UDP", "TCP", "UDP"])
        #expect(vias[2].branch == "z9hG4bK30239")
        let route = try request.headers.route()
        #expect(route.first?.uri.sipURI?.parameters["unknownwith"] == "value")
        guard case .addresses(let contacts) = try request.headers.contacts() else {
            Issue.record("contact")
            return
        }
        #expect(contacts.first?.displayName == #"Quoted string """#)
        #expect(contacts.first?.parameters["newparam"] == "newvalue")
        #expect(contacts.first?.parameters.contains("secondparam") == true)
        #expect(contacts.first?.q == 0.33)
        #expect(request.body.count == 150)
    }

    @Test("3.1.1.2 intmeth: wide range of valid characters") func intmeth() throws {
        let request = try #require(try parse("intmeth").request)
        #expect(request.method.rawValue == "!interesting-Method0123456789_*+`.%indeed'~")
        let uri = try #require(request.uri.sipURI)
        #expect(uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        #expect(uri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
        #expect(uri.host == "example.com")
        #expect(try request.headers.to().displayName == "BEL:\u{07} NUL:\u{00} DEL:\u{7F}")
        #expect(try request.headers.from().displayName == "token1~` token2'+_ token3*%!.-")
        #expect(try request.headers.from().tag == "_token~1'+`*%!-.")
        #expect(try request.headers.callID() == #"intmeth.word%ZK-!.*_+'@word`~)(><:\/"][?}{"#)
        #expect(try request.headers.cseq().method == request.method)
        #expect(request.headers[HeaderName("extensionHeader-!.%*+_`'~")] == "\u{FEFF}大停電")
    }

    @Test("3.1.1.3 esc01: valid use of the % escaping mechanism") func esc01() throws {
        let request = try #require(try parse("esc01").request)
        #expect(request.uri.sipURI?.user == "sips:user@example.com")
        #expect(request.uri.sipURI?.host == "example.net")
        #expect(try request.headers.to().uri.sipURI?.user == "user")
        #expect(try request.headers.from().uri.sipURI?.user == "I have spaces")
        guard case .addresses(let contacts) = try request.headers.contacts() else {
            Issue.record("contact")
            return
        }
        #expect(contacts.first?.uri.sipURI?.user == "caller")
        #expect(try request.headers.contentType()?.matches(.sdp) == true)
    }

    @Test("3.1.1.4 escnull: escaped nulls in URIs") func escnull() throws {
        let request = try #require(try parse("escnull").request)
        #expect(try request.headers.to().uri.sipURI?.user == "null-\u{0}-null")
        guard case .addresses(let contacts) = try request.headers.contacts() else {
            Issue.record("contact")
            return
        }
        #expect(contacts.map { $0.uri.sipURI?.user } == ["\u{0}", "\u{0}\u{0}"])
        // Escaped again on the way out.
        #expect(contacts[0].description == "<sip:%00@host5.example.com>")
    }

    @Test("3.1.1.5 esc02: use of % when it is not an escape") func esc02() throws {
        let request = try #require(try parse("esc02").request)
        #expect(request.method.rawValue == "RE%47IST%45R")
        #expect(try request.headers.cseq().method.rawValue == "RE%47IST%45R")
        #expect(try request.headers.to().displayName == "%Z%45")
        #expect(try request.headers.topVia().branch == "z9hG4bK209%fzsnel234")
        // C%6Fntact is an unknown header, not a Contact.
        guard case .addresses(let contacts) = try request.headers.contacts() else {
            Issue.record("contact")
            return
        }
        #expect(contacts.count == 2)
        #expect(request.headers[HeaderName("C%6Fntact")] == "<sip:alias2@host2.example.com>")
    }

    @Test("3.1.1.6 lwsdisp: message with no LWS between display name and <") func lwsdisp() throws {
        let request = try #require(try parse("lwsdisp").request)
        #expect(try request.headers.from().displayName == "caller")
        #expect(try request.headers.from().tag == "323")
    }

    @Test("3.1.1.7 longreq: long values in header fields") func longreq() throws {
        let request = try #require(try parse("longreq").request)
        #expect(try request.headers.to().displayName?.count ?? 0 > 90)
        #expect(try request.headers.from().tag?.count ?? 0 > 100)
        #expect(try request.headers.via().count == 34)
        #expect(try request.headers.callID().hasSuffix("longcallid"))
        #expect(request.body.count == 150)
    }

    @Test("3.1.1.8 dblreq: extra trailing octets in a UDP datagram") func dblreq() throws {
        let request = try #require(try parse("dblreq").request)
        #expect(request.method == .register)
        #expect(request.body.isEmpty)
    }

    @Test("3.1.1.9 semiuri: semicolon-separated parameters in URI user part") func semiuri() throws {
        let request = try #require(try parse("semiuri").request)
        #expect(request.uri.sipURI?.user == "user;par=u@example.net")
        #expect(request.uri.sipURI?.host == "example.com")
        #expect(request.uri.sipURI?.parameters.isEmpty == true)
        #expect(request.headers.listValues(.accept).count == 6)
    }

    @Test("3.1.1.10 transports: varied and unknown transport types") func transports() throws {
        let request = try #require(try parse("transports").request)
        #expect(try request.headers.via().map(\.transport) == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"])
    }

    @Test("3.1.1.11 mpart01: multipart MIME message") func mpart01() throws {
        let request = try #require(try parse("mpart01").request)
        let type = try #require(try request.headers.contentType())
        #expect(type.type == "multipart" && type.subtype == "mixed")
        #expect(type.parameters["boundary"] == "7a9cbec02ceef655")
        #expect(request.body.count == 553)
        #expect(try request.headers.topVia().rport == .requested)
    }

    @Test("3.1.1.12 unreason: unusual reason phrase") func unreason() throws {
        let response = try #require(try parse("unreason").response)
        #expect(response.statusCode == 200)
        #expect(response.reasonPhrase.hasPrefix("= 2**3 * 5**2 но сто"))
        #expect(response.reasonPhrase.hasSuffix("простое"))
    }

    @Test("3.1.1.13 noreason: empty reason phrase") func noreason() throws {
        let response = try #require(try parse("noreason").response)
        #expect(response.statusCode == 100)
        #expect(response.reasonPhrase == "")
    }

    // MARK: §3.1.2 invalid messages that must be rejected

    struct Rejection: Sendable, CustomStringConvertible {
        let file: String
        let kind: SIPParseError.Kind
        let header: String?
        var description: String { file }
    }

    @Test("3.1.2 invalid messages are rejected with the right error", arguments: [
        // §3.1.2.1: empty Via and Contact parameters; 400.
        Rejection(file: "badinv01", kind: .invalidHeaderValue, header: "Via"),
        // §3.1.2.2: Content-Length larger than the UDP datagram; 400.
        Rejection(file: "clerr", kind: .truncated, header: "Content-Length"),
        // §3.1.2.3: negative Content-Length; error, and over TCP close the connection.
        Rejection(file: "ncl", kind: .invalidNumber, header: "Content-Length"),
        // §3.1.2.4: CSeq > 2^32-1 (also Max-Forwards > 255, Expires overflow); 400 because of CSeq.
        Rejection(file: "scalar02", kind: .invalidNumber, header: "CSeq"),
        // §3.1.2.5: response with overlarge CSeq; discarded.
        Rejection(file: "scalarlg", kind: .invalidNumber, header: "CSeq"),
        // §3.1.2.6: unterminated quoted display name; 400 (no safe inference possible).
        Rejection(file: "quotbal", kind: .invalidHeaderValue, header: "To"),
        // §3.1.2.7: Request-URI in <>; 400.
        Rejection(file: "ltgtruri", kind: .invalidURI, header: nil),
        // §3.1.2.8: LWS inside the Request-URI; 400.
        Rejection(file: "lwsruri", kind: .invalidStartLine, header: nil),
        // §3.1.2.16: SIP/7.0; 505.
        Rejection(file: "badvers", kind: .unsupportedVersion, header: nil),
        // §3.1.2.17, §3.1.2.18: CSeq method differs from the request method; 400.
        Rejection(file: "mismatch01", kind: .cseqMethodMismatch, header: "CSeq"),
        Rejection(file: "mismatch02", kind: .cseqMethodMismatch, header: "CSeq"),
        // §3.1.2.19: status code 4294967301; dropped.
        Rejection(file: "bigcode", kind: .invalidStatusCode, header: nil),
        // §3.3.1: no Call-ID, From or To; 400.
        Rejection(file: "insuf", kind: .missingHeader, header: "To"),
        // §3.3.9: conflicting Content-Length values; error, and over TCP close the connection.
        Rejection(file: "mcl01", kind: .duplicateHeader, header: "Content-Length"),
        // §3.3.8: two Call-IDs, CSeqs, Froms and Tos; 400 (the first repeated one is named).
        Rejection(file: "multi01", kind: .duplicateHeader, header: "CSeq"),
    ])
    func rejected(_ case_: Rejection) throws {
        let error = try #require(parseError(try Fixture.rfc4475(case_.file)))
        #expect(error.kind == case_.kind)
        #expect(error.header == case_.header)
        #expect(!error.reason.isEmpty)
    }

    @Test("3.1.2 rejected requests still yield a routable error response") func rejectedRequestsAreAnswerable() throws {
        for file in ["badinv01", "clerr", "ncl", "scalar02", "quotbal", "ltgtruri", "lwsruri", "mismatch01", "insuf", "mcl01"] {
            let error = try #require(parseError(try Fixture.rfc4475(file)))
            let response = try #require(SIPResponse(replyingTo: error), "\(file)")
            #expect(response.statusCode == 400, "\(file)")
            #expect(response.headers.contains(.via), "\(file)")
            #expect(response.headers.contains(.cseq), "\(file)")
        }
        let version = try #require(parseError(try Fixture.rfc4475("badvers")))
        #expect(SIPResponse(replyingTo: version)?.statusCode == 505)
        // Responses are dropped, never answered.
        #expect(SIPResponse(replyingTo: try #require(parseError(try Fixture.rfc4475("bigcode")))) == nil)
    }

    // MARK: §3.1.2 invalid messages a tolerant element may accept (and we do)

    @Test("3.1.2.9 lwsstart: extra SP between request-line elements tolerated") func lwsstart() throws {
        let request = try #require(try parse("lwsstart").request)
        #expect(request.uri.description == "sip:user@example.com")
        // Never propagated: the serialized request line has single spaces.
        #expect(request.startLine == "INVITE sip:user@example.com SIP/2.0")
    }

    @Test("3.1.2.10 trws: SP after the version tolerated") func trws() throws {
        let request = try #require(try parse("trws").request)
        #expect(request.startLine == "OPTIONS sip:remote-target@example.com SIP/2.0")
    }

    @Test("3.1.2.11 escruri: escaped headers in the Request-URI are parsed, for the caller to ignore") func escruri() throws {
        let request = try #require(try parse("escruri").request)
        #expect(request.uri.sipURI?.headers == [SIPURI.Header(name: "Route", value: "%3Csip:example.com%3E")])
    }

    @Test("3.1.2.12 baddate: a non-GMT Date is carried, not interpreted") func baddate() throws {
        let request = try #require(try parse("baddate").request)
        #expect(request.headers[.date] == "Fri, 01 Jan 2010 16:00:00 EST")
    }

    @Test("3.1.2.13 regbadct: an addr-spec with URI headers is read as if in <>") func regbadct() throws {
        let request = try #require(try parse("regbadct").request)
        guard case .addresses(let contacts) = try request.headers.contacts() else {
            Issue.record("contact")
            return
        }
        #expect(contacts.first?.uri.sipURI?.headers.first?.name == "Route")
        // Serialized in name-addr form, so the error is not propagated.
        #expect(contacts.first?.description == "<sip:user@example.com?Route=%3Csip:sip.example.com%3E>")
    }

    @Test("3.1.2.14 badaspec: spaces inside <> are ignored") func badaspec() throws {
        let request = try #require(try parse("badaspec").request)
        #expect(try request.headers.to().uri.description == "sip:t.watson@example.org")
        #expect(try request.headers.to().displayName == "Watson, Thomas")
    }

    @Test("3.1.2.15 baddn: unquoted non-token display names get their quotes inferred") func baddn() throws {
        let request = try #require(try parse("baddn").request)
        let from = try request.headers.from()
        #expect(from.displayName == "Bell, Alexander")
        // And they are quoted on the way out.
        #expect(from.description == #""Bell, Alexander" <sip:a.g.bell@example.com>;tag=43"#)
    }

    // MARK: §3.2–3.4 messages that parse and are judged above the parser

    @Test("3.2–3.4 application-layer cases parse") func applicationLayer() throws {
        // badbranch: a branch that is only the magic cookie; the transaction layer decides.
        #expect(try parse("badbranch").request?.headers.topVia().branch == "z9hG4bK")
        // unkscm, novelsc: unknown and atypical schemes (416 is the application's call).
        #expect(try parse("unkscm").request?.uri == .other(scheme: "nobodyKnowsThisScheme", rest: "totallyopaquecontent"))
        #expect(try parse("novelsc").request?.uri.scheme == "soap.beep")
        // unksm2: unknown schemes in To, From and Contact.
        let unksm2 = try #require(try parse("unksm2").request)
        #expect(try unksm2.headers.to().uri.scheme == "isbn")
        #expect(try unksm2.headers.from().uri.scheme == "http")
        // bext01: Require with unknown options (420 is the application's call).
        #expect(try parse("bext01").request?.headers.require() == ["nothingSupportsThis", "nothingSupportsThisEither"])
        // invut: unknown Content-Type.
        #expect(try parse("invut").request?.headers.contentType()?.subtype == "unknownformat")
        // regaut01: an unknown authorization scheme is not a Digest credential.
        #expect(try parse("regaut01").request?.headers.authorization() == [])
        // zeromf: Max-Forwards 0.
        #expect(try parse("zeromf").request?.headers.maxForwards() == 0)
        // cparam01/02: Contact parameters outside and inside <>.
        if case .addresses(let a) = try parse("cparam01").request?.headers.contacts() {
            #expect(a.first?.parameters.contains("unknownparam") == true)
            #expect(a.first?.uri.sipURI?.parameters.isEmpty == true)
        } else { Issue.record("cparam01") }
        if case .addresses(let a) = try parse("cparam02").request?.headers.contacts() {
            #expect(a.first?.uri.sipURI?.parameters.contains("unknownparam") == true)
        } else { Issue.record("cparam02") }
        // regescrt: escaped Route in a Contact URI, in <>.
        if case .addresses(let a) = try parse("regescrt").request?.headers.contacts() {
            #expect(a.first?.uri.sipURI?.headers.count == 1)
        } else { Issue.record("regescrt") }
        // sdp01, bcast: parse; what to do with them is above the parser.
        #expect(try parse("sdp01").request?.body.count == 150)
        #expect(try parse("bcast").response?.headers.via()[1].host == "255.255.255.255")
        // inv2543: an RFC 2543 INVITE without Max-Forwards or Content-Length; body is the rest.
        let old = try #require(try parse("inv2543").request)
        #expect(try old.headers.maxForwards() == nil)
        #expect(try old.headers.topVia().branch == nil)
        #expect(!old.body.isEmpty)
    }

    @Test("every RFC 4475 message that parses round-trips through the serializer") func roundTrips() throws {
        let directory = Fixture.rfc4475Directory
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".dat") }
        #expect(files.count >= 49)
        for file in files {
            guard let message = try? SIPMessage(datagram: try Fixture.rfc4475(String(file.dropLast(4)))) else { continue }
            let again = try SIPMessage(datagram: message.serialized())
            #expect(withoutContentLength(again) == withoutContentLength(message), "\(file)")
        }
    }
}
