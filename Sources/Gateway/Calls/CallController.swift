import CallState
import Dialplan
import Foundation
import Logging
import Media
import MediaTransport
import NIOCore
import SIP
import SIPStack

/// The B2BUA (never a proxy): every call has an inbound leg (side a of its media) and an outbound
/// leg (side b) with their own dialogs, Call-IDs and SDP. An INVITE is admitted (CallAdmission:
/// a trunk by its address, anyone else by digest as a user, then the dialplan), and either answered
/// by a media app or bridged. The call's course is its `CallStateMachine`'s; this controller feeds
/// the machine each event and performs the actions it returns, through its parts: `Dialler` (the
/// outbound INVITEs and their responses), `CallerLeg` (what the caller hears up to the answer),
/// `MediaSetUp` (sockets and SDP agreement), `InDialogRequests` (BYE, re-offers, INFO, ACK),
/// `Transfers` (REFER) and `CallTimers`.
/// Signalling state is touched only on the SIP endpoint's loop; each call's media runs on a loop of its own.
final class CallController: @unchecked Sendable {
    let services: CallServices
    let table = CallTable()
    /// Who may call and what the dialplan makes of each new INVITE.
    var admission: CallAdmission
    var digest: DigestServer
    /// Media set-ups and tear-downs in flight, so shutting down waits for them.
    var tasks: [UUID: Task<Void, Never>] = [:]
    /// New INVITEs get 503 while the node drains; calls in progress go on.
    var draining = false
    /// A digest answer that did not match: the username it gave, and its flow.
    var onAuthFailure: ((String?, SIPPeer) -> Void)?
    /// Media counts of the calls that ended, by leg kind, for metrics.
    var endedMedia: [String: MediaTotals] = [:]
    /// Calls placed by HTTP, by resource id; each stays a while after its end for late event streams.
    var httpCalls: [String: HTTPCallSession] = [:]

    var minSE: Int { admission.minSE }
    var dialler: Dialler { Dialler(controller: self) }
    var caller: CallerLeg { CallerLeg(controller: self) }
    var mediaSetUp: MediaSetUp { MediaSetUp(controller: self) }
    var dialogRequests: InDialogRequests { InDialogRequests(controller: self) }
    var transfers: Transfers { Transfers(controller: self) }
    var timers: CallTimers { CallTimers(controller: self) }
    var http: HTTPCalls { HTTPCalls(controller: self) }

    init(services: CallServices, soundsDirectory: String) {
        self.services = services
        var secret = [UInt8](repeating: 0, count: 32)
        for i in secret.indices { secret[i] = UInt8.random(in: 0...255) }
        digest = DigestServer(realm: services.registrar.credentials.realm, secret: secret, algorithms: services.registrar.credentials.algorithms)
        admission = CallAdmission(trunks: services.trunks, credentials: services.registrar.credentials, minSE: 90,
                                  soundsDirectory: soundsDirectory)
        let registrar = services.registrar
        admission.reach = { UserReach(registrar.lookup($0)) }
    }

    // MARK: what the SIP endpoint hands us

    func invite(_ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) {
        if (try? request.headers.to().tag) != nil { return dialogRequests.received(request, transaction) }
        let toTag = SIPEndpoint.randomToken(10)
        let admitted: CallAdmission.Admitted
        switch admission.decide(request, over: transaction.peer.transport, from: transaction.peer.remote, digest: &digest,
                                plan: services.dialplans.snapshot(), load: load, isCallInProgress: { self.table.calls[$0] != nil },
                                logger: services.logger) {
        case .admit(let call): admitted = call
        case .refuse(let refusal, let routed):
            services.metrics.refused(refusal.reason)
            let transport = transaction.peer.transport
            recordRefusal(request, refusal, routed: routed, source: transaction.peer.remote.ipAddress ?? "",
                          browser: transport == .ws || transport == .wss)
            if case .wrongCredentials(let user) = refusal { onAuthFailure?(user, transaction.peer) }
            return transaction.respond(response(refusing: request, refusal, toTag: toTag))
        }
        start(admitted, request, .sip(transaction, transaction.peer), toTag: toTag)
    }

    /// Sets up the call admission let in: side a's media, then the app or the dialling.
    func start(_ admitted: CallAdmission.Admitted, _ request: SIPRequest, _ signalling: InboundLeg.Signalling, toTag: String) {
        let callID = admitted.callID, routing = admitted.routing
        let inbound = InboundLeg(invite: request, signalling: signalling, isBrowser: admitted.isBrowser, toTag: toTag, offer: admitted.offer)
        let record = CallRecord(id: callID, caller: admitted.callerName, destination: admitted.destination, context: routing.context,
                                route: routing.matchedRoutes.last, source: "\(admitted.source)", start: Date(),
                                legA: CallRecord.Leg(kind: admitted.isBrowser ? "webrtc" : "rtp"))
        let call = Call(id: callID, inbound: inbound, record: record)
        call.step = admitted.step
        call.callerDTMF = admitted.dtmf
        call.maxDuration = admitted.maxDuration
        call.caller = admitted.caller
        call.transcodes = admitted.transcodes
        call.isApp = admitted.app != nil
        table.calls[callID] = call
        services.logger.info("call", metadata: ["call": "\(callID)", "from": "\(admitted.callerName)", "to": "\(admitted.destination)",
                                                "route": "\(routing.matchedRoutes.last ?? "-")",
                                                "plan": "\(admitted.app != nil ? "app" : "bridge")"])
        let callT = LoopTransfer(call), appT = LoopTransfer(admitted.app), codecs = admitted.codecs, narrowband = admitted.narrowband
        let setUp = mediaSetUp
        run(call) { try await setUp.inbound(callT.value, codecs: codecs, narrowband: narrowband, app: appT.value) }
    }

    func cancel(_ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) { caller.cancel(request, transaction) }
    func inDialog(_ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) { dialogRequests.received(request, transaction) }
    func acknowledged(_ ack: SIPRequest) { dialogRequests.acknowledged(ack) }
    func stray(_ response: SIPResponse) { dialler.stray(response) }

    func response(refusing request: SIPRequest, _ refusal: CallAdmission.Refusal, toTag: String) -> SIPResponse {
        switch refusal {
        case .status(let code, let reason):
            return SIPResponse(replyingTo: request, statusCode: code, reasonPhrase: reason, toTag: toTag)
        case .challenge(let stale):
            var r = SIPResponse(replyingTo: request, statusCode: 407, toTag: toTag)
            digest.challenge(&r, stale: stale)
            return r
        case .wrongCredentials:
            return response(refusing: request, .challenge(stale: false), toTag: toTag)
        case .intervalTooSmall(let minSE):
            var r = SIPResponse(replyingTo: request, statusCode: 422, toTag: toTag)
            r.headers.setMinSE(minSE)
            return r
        case .unavailable(let limit):
            var r = SIPResponse(replyingTo: request, statusCode: 503, reasonPhrase: limit.phrase, toTag: toTag)
            r.headers.add(HeaderName("Retry-After"), String(Self.retryAfterSeconds))
            return r
        }
    }

    /// What a 503 for a limit asks the caller (or the proxy in front) to wait before trying here again.
    static let retryAfterSeconds = 30

    /// What admission weighs a new INVITE against.
    var load: CallAdmission.Load {
        let calls = table.calls.values
        return CallAdmission.Load(
            draining: draining, calls: calls.count, transcodedCalls: calls.filter { $0.transcodes || $0.kind == "transcoded" }.count,
            mediaUtilisation: services.load.highestUtilisation,
            callsOf: { caller in
                switch caller {
                case .user(let user): calls.filter { $0.caller == .user(user) }.count
                case .trunk(let trunk): calls.filter { $0.involves(trunk: trunk.name) }.count
                }
            })
    }

    /// A call refused by a limit, by the plan or for what it asked gets a record, so the CDR shows
    /// what the node turned away and why. Challenges are no calls: the caller's next INVITE is.
    func recordRefusal(_ request: SIPRequest, _ refusal: CallAdmission.Refusal, routed: CallAdmission.Routed?, source: String,
                       browser: Bool) {
        let status: Int, reason: String
        switch refusal {
        case .unavailable(let limit): (status, reason) = (503, "\(limit.phrase) (\(limit.rawValue))")
        case .status(let code, let phrase): (status, reason) = (code, phrase ?? SIPResponse.defaultReason(for: code))
        case .challenge, .wrongCredentials, .intervalTooSmall: return
        }
        let now = Date()
        var record = CallRecord(id: (try? request.headers.callID()) ?? "",
                                caller: routed?.caller ?? (try? request.headers.from())?.uri.sipURI?.user ?? "",
                                destination: routed?.destination ?? request.uri.sipURI?.user ?? "", context: routed?.context ?? "",
                                route: routed?.route, source: source, start: now, legA: CallRecord.Leg(kind: browser ? "webrtc" : "rtp"))
        record.end = now
        record.status = status
        record.reason = reason
        record.hangupSide = "gateway"
        services.logger.notice("call refused", metadata: ["call": "\(record.id)", "status": "\(status)", "reason": "\(reason)"])
        services.cdr?.write(record)
    }

    /// Runs set-up work off the loop, tracked for shutdown; an error ends the call with 500/BYE.
    func run(_ call: Call, _ body: @escaping @Sendable () async throws -> Void) {
        let id = UUID()
        let callT = LoopTransfer(call)
        tasks[id] = Task {
            do {
                try await body()
            } catch {
                self.services.onSIPLoop {
                    self.services.logger.warning("call set-up failed: \(error)", metadata: ["call": "\(callT.value.id)"])
                    self.fail(callT.value, code: 500, reason: "Media set-up failed", side: "gateway")
                }
            }
            self.services.onSIPLoop { self.tasks[id] = nil }
        }
    }

    // MARK: carrying out the machine's actions

    /// What an action may need from the event that caused it: the response of a branch, the offer it
    /// answered, the transaction of a request to answer.
    struct Cause {
        var response: SIPResponse?
        var context: OfferContext?
        var transaction: ServerTransactionHandle<SIPPeer>?
        var request: SIPRequest?
    }

    /// The only place the machine's decisions turn into messages, media and timers.
    func perform(_ actions: [CallStateMachine.Action], on call: Call, _ cause: Cause = Cause()) {
        for action in actions { perform(action, on: call, cause) }
    }

    private func perform(_ action: CallStateMachine.Action, on call: Call, _ cause: Cause) {
        switch action {
        case .dial(let targets):
            guard let step = call.step else { return }
            let legs = targets.compactMap { $0 < step.legs.count ? step.legs[$0] : nil }
            if isCallerTransfer(call) {
                transfers.dialForCaller(call, legs)
            } else {
                dialler.dial(call, legs)
            }
        case .cancel(let id):
            if let branch = call.outbound[id] { dialler.cancel(branch) }
        case .acknowledge(let id, let tag):
            guard let branch = call.outbound[id], let response = cause.response else { return }
            if tag == branch.dialog?.id.remoteTag {
                dialler.acknowledge(branch, response)
            } else {
                dialler.fork(branch, response, acknowledge: true)
            }
        case .hangUp(let id, let tag, let outcome):
            guard let branch = call.outbound[id] else { return }
            if tag == branch.dialog?.id.remoteTag {
                dialogRequests.bye(.branch(branch), status: outcome.code, reason: outcome.reason)
            } else if let response = cause.response {
                dialler.fork(branch, response, hangUp: true)
            }
        case .connectEarlyMedia:
            guard let response = cause.response, let context = cause.context else { return }
            let caller = caller
            mediaSetUp.connect(call, from: response, context: context) { caller.relayProvisional(call, response, withSDP: true) }
        case .relayProvisional:
            if let response = cause.response { caller.relayProvisional(call, response, withSDP: false) }
        case .playRingback:
            caller.ringback(call)
        case .answerCaller(let id):
            guard let branch = call.outbound[id], let response = cause.response, let context = cause.context else { return }
            timers.armSessionTimer(call, .b, grantedIn: response)
            call.answered = branch
            let caller = caller
            mediaSetUp.connect(call, from: response, context: context) { caller.answer(call) }
        case .connectTransferTarget(let id, let replaced):
            guard let branch = call.outbound[id], let response = cause.response, let context = cause.context else { return }
            if replaced == .a {
                transfers.takeSideA(call, branch, response, context: context)
            } else {
                table.remove(call.answered?.dialog?.id)
                call.answered = branch
                timers.armSessionTimer(call, .b, grantedIn: response)
                mediaSetUp.connect(call, from: response, context: context) {}
            }
        case .rejectCaller(let outcome):
            caller.reject(call, outcome)
        case .bye(let side, let outcome):
            // Side a not answered yet (the callee's 2xx is still connecting): it hears the failure instead.
            if side == .a, call.phase == .proceeding, call.aLeg == nil {
                return caller.reject(call, outcome.code >= 300 ? outcome : Outcome(480, outcome.reason))
            }
            dialogRequests.bye(.side(call, LegSide(side)), status: outcome.code, reason: outcome.reason)
        case .notifyTransferor(let side, let sipfrag, let final):
            transfers.notify(.side(call, LegSide(side)), "SIP/2.0 \(sipfrag.code) \(sipfrag.reason)", final: final)
        case .respond(_, let code):
            guard let transaction = cause.transaction, let request = cause.request else { return }
            transaction.respond(SIPResponse(replyingTo: request, statusCode: code, reasonPhrase: code == 202 ? "Accepted" : nil))
        case .reoffer(let side):
            // Glare: offer again what the other side's hold asks of this one, if it still does then.
            let side = LegSide(side)
            dialogRequests.retryAfterGlare(call, side: side, direction: call.heldDirection[side.other] ?? .sendrecv)
        case .stopRingTimer:
            call.ringTimer?.cancel()
        case .finish(let outcome, let by):
            finish(call, status: outcome.code, reason: outcome.reason, side: by)
        }
    }

    /// A transfer by the caller dials on side a's socket, even once the caller has hung up after its
    /// 202 (which `machine.transferor` no longer reports, since no NOTIFY is owed).
    private func isCallerTransfer(_ call: Call) -> Bool {
        if case .answered(let a) = call.machine.state { return a.transfer?.transferor == .a }
        return false
    }

    // MARK: ending calls

    /// Ends the call for the gateway's (or the callee's) reason: BYEs, CANCELs or a final response,
    /// whichever the call's state calls for.
    func fail(_ call: Call, code: Int, reason: String, side: String) {
        perform(call.machine.end(Outcome(code, reason), by: side), on: call)
    }

    func mediaFailed(_ call: Call, side: LegSide, why: String) {
        services.logger.warning("media failed", metadata: ["call": "\(call.id)", "side": "\(side)", "why": "\(why)"])
        fail(call, code: 480, reason: "Media failed: \(why)", side: "gateway")
    }

    /// Forgets the call, frees its media and writes its record.
    func finish(_ call: Call, status: Int, reason: String, side: String) {
        call.phase = .ended
        call.ringTimer?.cancel()
        call.maxDurationTimer?.cancel()
        for timer in call.sessionTimers.values { timer.task?.cancel() }
        table.calls[call.id] = nil
        table.remove(call.inbound.dialog?.id)
        for branch in call.outbound.values { table.remove(branch.dialog?.id) }
        call.record.end = Date()
        call.record.status = status
        call.record.reason = reason
        call.record.hangupSide = side
        services.metrics.callEnded(call.record.answer != nil ? "answered" : status == 487 ? "cancelled" : "failed_\(min(6, max(4, status / 100)))xx")
        services.logger.info("call ended", metadata: ["call": "\(call.id)", "status": "\(status)", "reason": "\(reason)", "side": "\(side)"])
        if let session = call.inbound.http { http.ended(session, status: status, reason: reason, side: side) }
        let recordT = LoopTransfer(call.record)
        let cdr = services.cdr
        guard let media = call.media else {
            cdr?.write(recordT.value)
            return
        }
        let mediaT = LoopTransfer(media)
        let id = UUID()
        tasks[id] = Task {
            let media = mediaT.value
            var record = recordT.value
            if let legs = try? await media.loop.submit({ LoopTransfer((LegCounts(media, .a), LegCounts(media, .b))) }).get().value {
                if let a = legs.0.statistics { record.legA.take(a) }
                if let b = legs.1.statistics { record.legB?.take(b) }
                let kinds = [(record.legA.kind, legs.0), (record.legB?.kind ?? "rtp", legs.1)]
                for (kind, leg) in kinds { self.services.metrics.callQuality(leg: kind, leg.statistics) }
                let kindsT = LoopTransfer(kinds)
                self.services.onSIPLoop { for (kind, leg) in kindsT.value { self.endedMedia[kind, default: MediaTotals()].add(leg) } }
            }
            await media.close()
            cdr?.write(record)
            self.services.onSIPLoop { self.tasks[id] = nil }
        }
    }

    /// Ends every call (BYE with a Reason saying why, CANCEL or 503 for those not up) and waits for
    /// work in flight, so every CDR is written; run before the event loops shut down.
    func shutdown(reason: String = "Shutting down") async {
        for _ in 0..<3 {
            let pending = try? await services.endpoint.loop.submit { () -> LoopTransfer<[Task<Void, Never>]> in
                for call in Array(self.table.calls.values) { self.fail(call, code: 503, reason: reason, side: "gateway") }
                return LoopTransfer(Array(self.tasks.values))
            }.get()
            guard let tasks = pending?.value, !tasks.isEmpty else { break }
            for task in tasks { await task.value }
        }
        services.cdr?.flush()
    }
}

extension DialPlan {
    init(_ step: BridgeStep) {
        self.init(mode: step.mode, failover: step.failover, targets: step.legs.count)
    }
}

extension GatewayConfig.Trunk {
    /// The host part of `address` (brackets removed from IPv6).
    var host: String { (ListenAddress(parsing: address)?.host ?? address).unbracketed }
    var port: Int? { ListenAddress(parsing: address)?.port }
}

extension SIPTransportKind {
    init(_ transport: GatewayConfig.Trunk.Transport) {
        switch transport {
        case .udp: self = .udp
        case .tcp: self = .tcp
        case .tls: self = .tls
        }
    }
}

extension Logger.Level {
    init(_ level: LogLevel) {
        switch level {
        case .debug: self = .debug
        case .info: self = .info
        case .notice: self = .notice
        case .warning: self = .warning
        case .error: self = .error
        }
    }
}

extension String {
    /// An IPv6 host without the brackets a URI puts around it.
    var unbracketed: String { hasPrefix("[") && hasSuffix("]") ? String(dropFirst().dropLast()) : self }
}
