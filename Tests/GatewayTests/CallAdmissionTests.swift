import Dialplan
import Foundation
@testable import Gateway
import Logging
import NIOCore
import SIP
import SIPStack
import Testing

/// A new INVITE's admission without sockets: bytes of a request in, the decision out.
@Suite struct CallAdmissionTests {
    static let realm = "tandem.test"
    static let password = "wonderland"
    static let plan = DialplanLoader.load(text: """
        <dialplan>
          <context name="from-browser">
            <route name="echo"><match field="destination" pattern="^9196$"/><answer/><echo/></route>
            <route name="busy"><match field="destination" pattern="^486$"/><reject code="486" reason="Busy Here"/></route>
            <route name="announce"><match field="destination" pattern="^555$"/><answer/><playback file="missing.wav"/></route>
            <route name="pbx"><match field="destination" pattern="^(2\\d{3})$"/>
              <bridge timeout="30s"><target trunk="pbx" user="$1"/></bridge></route>
            <route name="ring-bob"><match field="destination" pattern="^bob$"/><bridge><target user="bob"/></bridge></route>
          </context>
          <context name="from-trunk">
            <route name="to-alice"><match field="destination" pattern="^1001$"/>
              <media dtmf="info"/><bridge><target user="alice"/></bridge></route>
          </context>
        </dialplan>
        """).dialplan

    static var pbx: GatewayConfig.Trunk {
        var trunk = GatewayConfig.Trunk(name: "pbx", address: "127.0.0.9:5070")
        trunk.username = "tandem-line"
        trunk.register = true
        trunk.codecs = ["PCMU"]
        return trunk
    }

    static let browserOffer = """
        v=0\r
        o=- 1 1 IN IP4 127.0.0.1\r
        s=-\r
        t=0 0\r
        a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\r
        m=audio 9 UDP/TLS/RTP/SAVPF 111\r
        c=IN IP4 0.0.0.0\r
        a=rtpmap:111 opus/48000/2\r
        a=setup:actpass\r

        """
    static let phoneOffer = "v=0\r\no=- 1 1 IN IP4 127.0.0.9\r\ns=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"

    var admission = CallAdmission(
        trunks: [Self.pbx],
        credentials: RegistrationCredentials(realm: Self.realm, ha1: ["alice": DigestAlgorithm.md5.ha1(username: "alice", realm: Self.realm, password: Self.password)]),
        minSE: 90, soundsDirectory: "/nonexistent-sounds")
    var digest = DigestServer(realm: Self.realm, secret: Array("a test secret of thirty-two bytes".utf8), algorithms: [.md5])
    let browser = try! SocketAddress(ipAddress: "127.0.0.1", port: 50_000)
    let trunkAddress = try! SocketAddress(ipAddress: "127.0.0.9", port: 5070)

    static func invite(to user: String, callID: String = "call-1", body: String = browserOffer, extra: String = "",
                       toUser: String? = nil) throws -> SIPRequest {
        let sdp = body.isEmpty ? "" : "Content-Type: application/sdp\r\n"
        let text = "INVITE sip:\(user)@\(realm) SIP/2.0\r\n"
            + "Via: SIP/2.0/WSS client.invalid;branch=z9hG4bK\(callID)\r\n"
            + "Max-Forwards: 70\r\nFrom: \"Alice\" <sip:alice@\(realm)>;tag=a1\r\nTo: <sip:\(toUser ?? user)@\(realm)>\r\n"
            + "Call-ID: \(callID)\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@client.invalid;transport=ws>\r\n" + extra
            + sdp + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        return try SIPRequest(datagram: Array(text.utf8))
    }

    /// The INVITE again with Proxy-Authorization answering our 407, as a browser's SIP stack resends it.
    mutating func authorized(_ request: SIPRequest, password: String = password) throws -> SIPRequest {
        var challenge = SIPResponse(replyingTo: request, statusCode: 407)
        digest.challenge(&challenge)
        challenge = try SIPResponse(datagram: challenge.serialized())
        var client = DigestClient(username: "alice", password: password)
        var retry = request
        #expect(client.authorize(&retry, for: challenge))
        return try SIPRequest(datagram: retry.serialized())
    }

    mutating func decide(_ request: SIPRequest, over transport: SIPTransportKind = .wss, from remote: SocketAddress? = nil,
                         plan: Dialplan? = plan, load: CallAdmission.Load = CallAdmission.Load(),
                         inProgress: Set<String> = []) -> CallAdmission.Decision {
        admission.decide(request, over: transport, from: remote ?? browser, digest: &digest, plan: plan, load: load,
                         isCallInProgress: { inProgress.contains($0) }, logger: Logger(label: "test"))
    }

    func refusal(_ decision: CallAdmission.Decision) -> CallAdmission.Refusal? {
        if case .refuse(let r, _) = decision { return r }
        return nil
    }

    func admitted(_ decision: CallAdmission.Decision) throws -> CallAdmission.Admitted {
        guard case .admit(let a) = decision else { throw AdmissionTestError(decision: "\(decision)") }
        return a
    }

    @Test mutating func aBrowserWithoutCredentialsIsChallenged() throws {
        #expect(refusal(decide(try Self.invite(to: "9196"))) == .challenge(stale: false))
    }

    @Test mutating func aWrongPasswordIsChallengedAgain() throws {
        let request = try authorized(Self.invite(to: "9196"), password: "guess")
        #expect(refusal(decide(request)) == .wrongCredentials(user: "alice"), "answered with a fresh 407, counted against alice")
    }

    /// RFC 8760: with SHA-256 challenged beside MD5, a client that knows SHA-256 answers it; a user
    /// whose config holds only the MD5 HA1 cannot be proven by a SHA-256 answer.
    @Test mutating func sha256AnswersAreCheckedAgainstTheSHA256HA1() throws {
        let ha1 = { (a: DigestAlgorithm) in a.ha1(username: "alice", realm: Self.realm, password: Self.password) }
        digest = DigestServer(realm: Self.realm, secret: Array("a test secret of thirty-two bytes".utf8), algorithms: [.md5, .sha256])
        let request = try authorized(Self.invite(to: "9196"))
        #expect(try request.headers.proxyAuthorization().first?.algorithm == .sha256, "the client chose the stronger challenge")
        admission.credentials = RegistrationCredentials(realm: Self.realm, ha1: ["alice": [.md5: ha1(.md5), .sha256: ha1(.sha256)]],
                                                        algorithms: [.md5, .sha256])
        #expect(try admitted(decide(request)).caller == .user("alice"))
        admission.credentials = RegistrationCredentials(realm: Self.realm, ha1: ["alice": [.md5: ha1(.md5)]], algorithms: [.md5, .sha256])
        #expect(refusal(decide(try authorized(Self.invite(to: "9196", callID: "call-2")))) == .wrongCredentials(user: "alice"))
    }

    @Test mutating func aProvenUserReachesTheEchoApp() throws {
        let call = try admitted(decide(try authorized(Self.invite(to: "9196"))))
        #expect(call.caller == .user("alice"))
        #expect(call.callerName == "alice")
        #expect(call.destination == "9196")
        #expect(call.isBrowser)
        #expect(call.routing.matchedRoutes.last == "echo")
        #expect(call.step == nil)
        guard case .echo? = call.app else { Issue.record("expected the echo app, got \(String(describing: call.app))"); return }
    }

    @Test mutating func aBridgeToAG711OnlyTrunkAnswersTheBrowserNarrowband() throws {
        let call = try admitted(decide(try authorized(Self.invite(to: "2001"))))
        #expect(call.app == nil)
        #expect(call.step?.legs.count == 1)
        #expect(call.narrowband)
        #expect(call.codecs == ["PCMU", "PCMA", "G722", "opus"])
    }

    @Test mutating func aBridgeToABrowserIsNotNarrowband() throws {
        admission.reach = { _ in .browser }
        let call = try admitted(decide(try authorized(Self.invite(to: "bob"))))
        #expect(call.step != nil)
        #expect(!call.narrowband)
        #expect(!call.transcodes, "browser to browser passes Opus through")
    }

    @Test mutating func aUserOnADeskPhoneIsWeighedByWhatItRegisteredAs() throws {
        var n = 0
        func call() throws -> SIPRequest {
            n += 1
            return try authorized(Self.invite(to: "bob", callID: "p\(n)"))
        }
        admission.reach = { _ in .phone }
        #expect(try admitted(decide(call())).transcodes, "a browser to a registered desk phone decodes and encodes")
        admission.reach = { _ in [.phone, .browser] }
        let both = try admitted(decide(call()))
        #expect(both.transcodes && !both.narrowband, "ringing a phone and a browser at once: Opus stays wideband for the browser")
        let fromPhone = try admitted(decide(try authorized(Self.invite(to: "bob", callID: "p9", body: Self.phoneOffer)), over: .udp))
        #expect(!fromPhone.isBrowser && fromPhone.transcodes, "a phone calling a user with a browser transcodes")
        admission.reach = { _ in .phone }
        let phoneToPhone = try admitted(decide(try authorized(Self.invite(to: "bob", callID: "p10", body: Self.phoneOffer)), over: .udp))
        #expect(!phoneToPhone.transcodes, "phone to phone passes G.711 through")
    }

    @Test mutating func valuesTooLongToRouteAreRefusedBeforeAnyPattern() throws {
        let long = String(repeating: "7", count: CallAdmission.maxRoutedLength + 1)
        #expect(refusal(decide(try authorized(Self.invite(to: long, callID: "l1")))) == .status(400, "Destination longer than 256 bytes"))
        let header = "X-Account: " + String(repeating: "x", count: CallAdmission.maxRoutedHeaderLength + 1) + "\r\n"
        #expect(refusal(decide(try authorized(Self.invite(to: "9196", callID: "l2", extra: header))))
                == .status(400, "X-Account header longer than 1024 bytes"))
        _ = try admitted(decide(try authorized(Self.invite(to: "9196", callID: "l3", extra: "X-Account: " + String(repeating: "x", count: 1024) + "\r\n"))))
    }

    @Test mutating func aUsersContextAndDTMFModeAreItsOwn() throws {
        #expect(refusal(decide(try authorized(Self.invite(to: "1001", callID: "u1")))) == .status(404, "Not Found"),
                "from-browser has no route for 1001")
        #expect(try admitted(decide(try authorized(Self.invite(to: "9196", callID: "u0")))).dtmf == .auto)
        admission.users = ["alice": GatewayConfig.User(name: "alice", password: Self.password, context: "from-trunk", dtmf: .info)]
        let own = try admitted(decide(try authorized(Self.invite(to: "1001", callID: "u2"))))
        #expect(own.routing.matchedRoutes.last == "to-alice", "alice's calls start in from-trunk: \(own.routing.matchedRoutes)")
        #expect(own.dtmf == .info, "digits go to alice as her dtmf says, not as the route's <media dtmf> for the leg it dials")
    }

    @Test mutating func aTrunkIsKnownByItsAddressAndItsCalleeReadFromTo() throws {
        // The PBX calls the contact we registered (tandem-line); who is called is in To.
        let request = try Self.invite(to: "tandem-line", body: Self.phoneOffer, toUser: "1001")
        let call = try admitted(decide(request, over: .udp, from: trunkAddress))
        #expect(call.caller == .trunk(Self.pbx))
        #expect(call.destination == "1001")
        #expect(call.callerName == "alice")
        #expect(!call.isBrowser)
        #expect(call.dtmf == .info)  // the route's <media dtmf>, over the trunk's rfc4733
        #expect(call.codecs == ["PCMU"])
    }

    @Test mutating func aTrunkAddressOverWebSocketIsStillAUser() throws {
        let request = try Self.invite(to: "1001", body: Self.phoneOffer)
        #expect(refusal(decide(request, over: .ws, from: trunkAddress)) == .challenge(stale: false))
    }

    @Test mutating func aCallIDAlreadyInProgressIsALoop() throws {
        let request = try authorized(Self.invite(to: "9196", callID: "busy-1"))
        #expect(refusal(decide(request, inProgress: ["busy-1"])) == .status(482, "Loop Detected"))
    }

    @Test mutating func aSessionIntervalBelowMinSEGets422() throws {
        let request = try authorized(Self.invite(to: "9196", extra: "Session-Expires: 60\r\n"))
        #expect(refusal(decide(request)) == .intervalTooSmall(minSE: 90))
        let ok = try authorized(Self.invite(to: "9196", callID: "call-2", extra: "Session-Expires: 90\r\n"))
        #expect(refusal(decide(ok)) == nil)
    }

    @Test mutating func anOfferWithoutAudioOrUnparsableIsRefused() throws {
        let video = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 4000 RTP/AVP 96\r\n"
        #expect(refusal(decide(try authorized(Self.invite(to: "9196", body: video)))) == .status(488, "Unusable SDP offer"))
        #expect(refusal(decide(try authorized(Self.invite(to: "9196", callID: "c2", body: "not sdp\r\n")))) == .status(488, "Unusable SDP offer"))
    }

    @Test mutating func sdesSRTPIsRefusedWithTheReason() throws {
        let sdes = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\n"
        #expect(refusal(decide(try authorized(Self.invite(to: "9196", body: sdes))))
            == .status(488, "SDES-SRTP not supported: offer RTP/AVP or DTLS-SRTP"))
    }

    @Test mutating func aDelayedOfferIsAdmittedWithoutOne() throws {
        let call = try admitted(decide(try authorized(Self.invite(to: "9196", body: ""))))
        #expect(call.offer == nil)
        #expect(!call.isBrowser)
    }

    @Test mutating func withoutADialplanTheCallIs503() throws {
        #expect(refusal(decide(try authorized(Self.invite(to: "9196")), plan: nil)) == .status(503, "No dialplan"))
    }

    @Test mutating func thePlanRefusesOrFindsNoRoute() throws {
        #expect(refusal(decide(try authorized(Self.invite(to: "486")))) == .status(486, "Busy Here"))
        let unrouted = refusal(decide(try authorized(Self.invite(to: "nobody-here-1", callID: "c2"))))
        #expect(unrouted == .status(404, "Not Found"))
    }

    @Test mutating func anUnreadableAnnouncementIs500() throws {
        #expect(refusal(decide(try authorized(Self.invite(to: "555")))) == .status(500, "Announcement unavailable"))
    }

    // MARK: limits

    @Test mutating func aDrainingNodeRefusesBeforeAskingForCredentials() throws {
        #expect(refusal(decide(try Self.invite(to: "9196"), load: CallAdmission.Load(draining: true))) == .unavailable(.draining))
    }

    @Test mutating func maxCallsCountsEveryCall() throws {
        admission.limits.maxCalls = 2
        #expect(refusal(decide(try authorized(Self.invite(to: "bob")), load: CallAdmission.Load(calls: 2))) == .unavailable(.maxCalls))
        _ = try admitted(decide(try authorized(Self.invite(to: "bob", callID: "c2")), load: CallAdmission.Load(calls: 1)))
    }

    @Test mutating func theTranscodingLimitsWeighOnlyCallsThatTranscode() throws {
        admission.limits.maxTranscodedCalls = 3
        admission.limits.maxMediaLoad = 0.8
        // Each decision gets its own authorized INVITE: a digest answer counts once.
        var n = 0
        func call(_ to: String) throws -> SIPRequest {
            n += 1
            return try authorized(Self.invite(to: to, callID: "c\(n)"))
        }
        #expect(try admitted(decide(call("2001"))).transcodes, "a browser to a G.711 trunk decodes and encodes")
        admission.reach = { _ in .browser }
        #expect(try !admitted(decide(call("bob"))).transcodes, "browser to browser passes Opus through")
        #expect(refusal(decide(try call("2001"), load: CallAdmission.Load(transcodedCalls: 3))) == .unavailable(.maxTranscodedCalls))
        #expect(refusal(decide(try call("2001"), load: CallAdmission.Load(mediaUtilisation: 0.81))) == .unavailable(.mediaLoad))
        _ = try admitted(decide(try call("bob"), load: CallAdmission.Load(transcodedCalls: 3, mediaUtilisation: 0.95)))
        _ = try admitted(decide(try call("2001"), load: CallAdmission.Load(transcodedCalls: 2, mediaUtilisation: 0.79)))
    }

    @Test mutating func perUserAndPerTrunkCapsCountThatCallersCalls() throws {
        admission.limits.maxCallsPerUser = 1
        let busyAlice = CallAdmission.Load(callsOf: { $0 == .user("alice") ? 1 : 0 })
        #expect(refusal(decide(try authorized(Self.invite(to: "bob")), load: busyAlice)) == .unavailable(.userCalls))
        admission.limits.maxCallsPerTrunk = 5
        admission.trunks[0].maxCalls = 2
        let request = try Self.invite(to: "tandem-line", body: Self.phoneOffer, toUser: "1001")
        let busyTrunk = CallAdmission.Load(callsOf: { if case .trunk = $0 { 2 } else { 0 } })
        #expect(refusal(decide(request, over: .udp, from: trunkAddress, load: busyTrunk)) == .unavailable(.trunkCalls),
                "the trunk's own max_calls wins over the default")
    }

    @Test func playbackStaysInsideTheSoundsFolder() {
        #expect(admission.playback("../etc/passwd") == nil)
        #expect(admission.playback("/etc/passwd") == nil)
    }
}

struct AdmissionTestError: Error, CustomStringConvertible {
    let decision: String
    var description: String { "expected the call admitted, got \(decision)" }
}
