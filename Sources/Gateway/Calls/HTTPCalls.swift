import CallState
import Foundation
import MediaTransport
import NIOCore
import RTP
import SIP
import SIPStack

/// Calls placed by HTTP (docs/http-calls.md): a POST with a bearer token and an SDP offer becomes
/// the INVITE that user would have sent over SIP, so it is admitted, routed, limited and recorded
/// exactly like one; only what the caller hears goes back as HTTP and Server-Sent Events instead
/// of SIP responses. Runs on the SIP loop.
struct HTTPCalls: CallPart {
    let controller: CallController

    /// How long an ended call's events stay readable.
    static let keptAfterEnd = TimeAmount.seconds(30)
    /// Digits sent by `POST …/dtmf`: each this long, the next after this gap.
    static let digitMilliseconds = 100
    static let digitGapMilliseconds = 70
    static let maxDigits = 32

    /// A call to place: who (the token's user), whom, the browser's offer, and where from.
    struct Placement: Sendable {
        var destination: String
        var user: String
        var offer: [UInt8]
        var source: SocketAddress
        var secure: Bool
        /// Headers every answer about the call carries (CORS, ICE servers).
        var headers: [(String, String)]
    }

    func place(_ placement: Placement, answer: EventLoopPromise<HTTPAnswer>) {
        let realm = services.registrar.credentials.realm
        let called = SIPURI(user: placement.destination, host: realm)
        var from = NameAddress(uri: SIPURI(user: placement.user, host: realm))
        from.tag = SIPEndpoint.randomToken(10)
        let transport: SIPTransportKind = placement.secure ? .wss : .ws
        let invite = services.requests.invite(.sip(called), from: from, to: NameAddress(uri: called), callID: SIPEndpoint.randomToken(24),
                                              via: endpoint.makeVia(transport), contact: "<sip:\(placement.user)@\(realm)>",
                                              offer: .init(body: placement.offer))
        let source = placement.source.ipAddress ?? ""
        let decision = controller.admission.decide(
            invite, over: transport, from: placement.source, digest: &controller.digest, plan: services.dialplans.snapshot(),
            load: controller.load, isCallInProgress: { table.calls[$0] != nil }, logger: logger,
            authenticated: placement.user, transportName: placement.secure ? "https" : "http")
        func refuse(_ why: CallAdmission.Refusal, _ routed: CallAdmission.Routed?) {
            services.metrics.refused(why.reason)
            controller.recordRefusal(invite, why, routed: routed, source: source, browser: true)
            let response: HTTPAnswer
            switch why {
            case .unavailable(let limit):
                response = HTTPCallSession.refusal(503, "\(limit.phrase) (\(limit.rawValue))", retryAfter: CallController.retryAfterSeconds)
            case .status(let code, let phrase): response = HTTPCallSession.refusal(code, phrase ?? SIPResponse.defaultReason(for: code))
            case .challenge, .wrongCredentials, .intervalTooSmall: response = HTTPCallSession.refusal(403, "Forbidden")
            }
            answer.succeed(response.adding(placement.headers))
        }
        let admitted: CallAdmission.Admitted
        switch decision {
        case .admit(let a) where a.isBrowser: admitted = a
        case .admit: return refuse(.status(488, "An HTTP call needs a WebRTC offer: DTLS-SRTP with a fingerprint"), nil)
        case .refuse(let why, let routed): return refuse(why, routed)
        }
        var idBytes = [UInt8](repeating: 0, count: 16)
        for i in idBytes.indices { idBytes[i] = UInt8.random(in: 0...255) }
        let session = HTTPCallSession(id: idBytes.map { String(format: "%02x", $0) }.joined(), destination: admitted.destination,
                                      user: placement.user, callID: admitted.callID, headers: placement.headers, answer: answer)
        controller.httpCalls[session.id] = session
        controller.start(admitted, invite, .http(session), toTag: SIPEndpoint.randomToken(10))
    }

    /// The call's session, if `user` may act on it: 404 for an id not known, 403 for another user's call.
    private func session(_ id: String, of user: String) throws(HTTPRefusal) -> HTTPCallSession {
        guard let session = controller.httpCalls[id] else { throw HTTPRefusal(answer: .problem(.notFound, "no such call")) }
        guard session.user == user else { throw HTTPRefusal(answer: .problem(.forbidden, "another user's call")) }
        return session
    }

    /// `DELETE`: CANCEL while the far end rings, BYE once it answered; an ended call stays ended.
    func hangUp(_ id: String, user: String) throws(HTTPRefusal) -> HTTPAnswer {
        if let call = table.calls[try session(id, of: user).callID] {
            let cancelled = call.machine.callerCancelled()
            perform(cancelled.isEmpty ? call.machine.bye(from: .a) : cancelled, on: call)
        }
        return .json(.ok, #"{"ended":true}"# + "\n")
    }

    /// `POST …/dtmf`: the digits go to the far end one after another, in the route's DTMF mode for
    /// that leg, as if the browser had sent them.
    func sendDigits(_ id: String, user: String, digits text: String) throws(HTTPRefusal) -> HTTPAnswer {
        let session = try session(id, of: user)
        let digits = text.compactMap(DTMFDigit.init)
        guard !digits.isEmpty, digits.count == text.count, digits.count <= Self.maxDigits else {
            throw HTTPRefusal(answer: .problem(.badRequest, "digits are 1 to \(Self.maxDigits) of 0-9 * # A-D"))
        }
        guard let call = table.calls[session.callID], call.phase == .answered, let media = call.media else {
            throw HTTPRefusal(answer: .problem(.conflict, "the call is not answered"))
        }
        let mediaT = LoopTransfer(media)
        for (i, digit) in digits.enumerated() {
            controller.timers.after(.milliseconds(i * (Self.digitMilliseconds + Self.digitGapMilliseconds)), call) { call in
                guard call.phase == .answered else { return }
                mediaT.value.loop.execute {
                    mediaT.value.bridge?.sendDTMF(to: .b, digit: digit, durationMs: Self.digitMilliseconds,
                                                  now: NIODeadline.now().uptimeNanoseconds)
                }
            }
        }
        return .json(.accepted, HTTPCallSession.json(["digits": text]) + "\n")
    }

    /// `GET …/events`: a stream that gets the events so far, then each as it happens, until the
    /// call's `ended`.
    func eventStream(_ id: String) -> HTTPAnswer {
        guard controller.httpCalls[id] != nil else { return .problem(.notFound, "no such call") }
        let loop = endpoint.loop, controllerT = LoopTransfer(controller)
        // The subscription's number, known on the SIP loop once attached.
        let subscription = LoopTransfer(Box<Int?>(nil))
        var answer = HTTPAnswer(status: .ok, contentType: "text/event-stream", body: [])
        answer.events = HTTPAnswer.EventStream(
            attach: { sink in
                loop.execute {
                    guard let session = controllerT.value.httpCalls[id] else { return sink.close() }
                    subscription.value.value = session.subscribe(sink)
                }
            },
            detach: {
                loop.execute {
                    if let number = subscription.value.value { controllerT.value.httpCalls[id]?.unsubscribe(number) }
                }
            })
        return answer
    }

    func ended(_ session: HTTPCallSession, status: Int, reason: String, side: String) {
        session.end(status: status, reason: reason, by: side)
        // A task scheduled on the loop goes with it at shutdown.
        let id = session.id
        weak let controller = controller
        endpoint.loop.scheduleTask(in: Self.keptAfterEnd) { controller?.httpCalls[id] = nil }
    }
}

/// A value the SIP loop sets and reads later, shared by closures that cross loops.
final class Box<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}
