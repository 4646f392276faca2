import CallState
import Dialplan
import Foundation
import Logging
import Media
import MediaTransport
import NIOCore
import RTP
import SDP
import SIP
import SIPStack
import WebRTC

/// The B2BUA (DESIGN: never a proxy): every call has an inbound leg (side a of its media) and an
/// outbound leg (side b) with their own dialogs, Call-IDs and SDP. An INVITE is identified (a trunk
/// by its address, anyone else by digest as a user), routed by the dialplan, and either answered by
/// a media app or bridged: an INVITE to each target (a trunk or URI with a plain-RTP offer, each
/// registered browser of a user over its own WebSocket with a WebRTC offer), 18x relayed with early
/// media, the first 2xx wins, failures fail over per the plan, and BYE/CANCEL cross to the other leg.
/// Signalling state is touched only on the SIP endpoint's loop; each call's media runs on a loop of its own.
final class CallController: @unchecked Sendable {
    let endpoint: SIPEndpoint
    let registrar: Registrar
    let dialplans: DialplanStore
    let dtls: DTLSContext
    let ports: MediaPortAllocator
    let mediaLoops: EventLoopGroup
    let advertise: [String]
    let bindHost: String
    let trunks: [GatewayConfig.Trunk]
    let cdr: CDRWriter?
    let logger: Logger
    /// Ring time when the plan gives none.
    var defaultRingTimeout: Duration = .seconds(60)
    /// Session timers (RFC 4028): the interval we ask for on outbound legs, and the shortest we accept.
    var sessionExpires = 1800
    var minSE: Int { admission.minSE }
    /// Who may call and what the dialplan makes of each new INVITE.
    var admission: CallAdmission
    /// Silence on an answered SIP leg before the call is hung up; nil never.
    var rtpTimeout: Duration? = .seconds(60)
    /// ICE consent (RFC 7675) on browser legs.
    var consentTimeoutSeconds: UInt64 = 30
    var digest: DigestServer
    /// Calls by the caller's Call-ID (CANCEL and the INVITE's transaction find them there).
    var calls: [String: Call] = [:]
    /// Each leg's dialog by Call-ID and our tag: how in-dialog requests find their call and side.
    var dialogs: [String: (call: Call, inbound: Bool)] = [:]
    /// Media set-ups and tear-downs in flight, so shutting down waits for them.
    var tasks: [UUID: Task<Void, Never>] = [:]

    init(endpoint: SIPEndpoint, registrar: Registrar, dialplans: DialplanStore, dtls: DTLSContext, ports: MediaPortAllocator,
         mediaLoops: EventLoopGroup, advertise: [String], bindHost: String, trunks: [GatewayConfig.Trunk], cdr: CDRWriter?,
         logger: Logger) {
        self.endpoint = endpoint
        self.registrar = registrar
        self.dialplans = dialplans
        self.dtls = dtls
        self.ports = ports
        self.mediaLoops = mediaLoops
        self.advertise = advertise
        self.bindHost = bindHost
        self.trunks = trunks
        self.cdr = cdr
        self.logger = logger
        var secret = [UInt8](repeating: 0, count: 32)
        for i in secret.indices { secret[i] = UInt8.random(in: 0...255) }
        digest = DigestServer(realm: registrar.credentials.realm, secret: secret, algorithms: [.md5])
        admission = CallAdmission(trunks: trunks, credentials: registrar.credentials, minSE: 90, soundsDirectory: "sounds")
    }

    // MARK: new calls

    func invite(_ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) {
        if (try? request.headers.to().tag) != nil { return inDialog(request, transaction) }
        let toTag = SIPEndpoint.randomToken(10)
        let admitted: CallAdmission.Admitted
        switch admission.decide(request, over: transaction.peer.transport, from: transaction.peer.remote, digest: &digest,
                                plan: dialplans.snapshot(), isCallInProgress: { self.calls[$0] != nil }, logger: logger) {
        case .admit(let call): admitted = call
        case .refuse(let refusal): return transaction.respond(response(refusing: request, refusal, toTag: toTag))
        }
        let callID = admitted.callID, routing = admitted.routing
        let inbound = InboundLeg(invite: request, transaction: transaction, peer: transaction.peer, isBrowser: admitted.isBrowser,
                                 toTag: toTag, offer: admitted.offer)
        let record = CallRecord(id: callID, caller: admitted.callerName, destination: admitted.destination, context: routing.context,
                                route: routing.matchedRoutes.last, source: "\(admitted.source)", start: Date(),
                                legA: CallRecord.Leg(kind: admitted.isBrowser ? "webrtc" : "rtp"))
        let call = Call(id: callID, inbound: inbound, record: record)
        call.step = admitted.step
        call.callerDTMF = admitted.dtmf
        call.maxDuration = admitted.maxDuration
        calls[callID] = call
        logger.info("call", metadata: ["call": "\(callID)", "from": "\(admitted.callerName)", "to": "\(admitted.destination)",
                                       "route": "\(routing.matchedRoutes.last ?? "-")", "plan": "\(admitted.app != nil ? "app" : "bridge")"])
        let callT = LoopTransfer(call), appT = LoopTransfer(admitted.app), codecs = admitted.codecs, narrowband = admitted.narrowband
        run(call) { try await self.setUpInbound(callT.value, codecs: codecs, narrowband: narrowband, app: appT.value) }
    }

    func response(refusing request: SIPRequest, _ refusal: CallAdmission.Refusal, toTag: String) -> SIPResponse {
        switch refusal {
        case .status(let code, let reason):
            return SIPResponse(replyingTo: request, statusCode: code, reasonPhrase: reason, toTag: toTag)
        case .challenge(let stale):
            var r = SIPResponse(replyingTo: request, statusCode: 407, toTag: toTag)
            digest.challenge(&r, stale: stale)
            return r
        case .intervalTooSmall(let minSE):
            var r = SIPResponse(replyingTo: request, statusCode: 422, toTag: toTag)
            r.headers.setMinSE(minSE)
            return r
        }
    }

    /// Runs set-up work off the loop, tracked for shutdown; an error ends the call with 500/BYE.
    func run(_ call: Call, _ body: @escaping @Sendable () async throws -> Void) {
        let id = UUID()
        let callT = LoopTransfer(call)
        tasks[id] = Task {
            do {
                try await body()
            } catch {
                self.endpoint.loop.execute {
                    self.logger.warning("call set-up failed: \(error)", metadata: ["call": "\(callT.value.id)"])
                    self.fail(callT.value, code: 500, reason: "Media set-up failed", side: "gateway")
                }
            }
            self.endpoint.loop.execute { self.tasks[id] = nil }
        }
    }

    /// Binds side a, settles our SDP for the caller, then answers with the app or starts dialling.
    func setUpInbound(_ call: Call, codecs: [String], narrowband: Bool, app: MediaApp?) async throws {
        let inbound = call.inbound
        let loop = mediaLoops.next()
        let callT = LoopTransfer(call)
        let events: (LegSide, WebRTCEvent) -> Void = { [weak self] side, event in
            guard let self, case .failed(let why) = event else { return }
            self.endpoint.loop.execute { self.mediaFailed(callT.value, side: side, why: why) }
        }
        // Side a's config is known once its SDP is settled: now for an offer, at the ACK for a delayed offer.
        let media: CallMedia, body: [UInt8], config: MediaLegConfig?, sdp: LegSDP
        func refuse() async {
            await media.close()
            endpoint.loop.execute { self.fail(callT.value, code: 488, reason: "No common codec", side: "gateway") }
        }
        if let offer = inbound.offer, inbound.isBrowser {
            guard let remote = offer.media.first(where: { $0.media == "audio" }) else { throw MediaError.codec("no audio") }
            let ice = ICELiteAgent(remoteUfrag: offer.iceUsernameFragment(for: remote), consentTimeoutSeconds: consentTimeoutSeconds)
            media = try await CallMedia.make(loop: loop, host: bindHost, ports: ports, logger: logger, a: .browser(ice: ice),
                                             onWebRTCEvent: events)
            let template = WebRTCSessionTemplate(ufrag: ice.localUfrag, password: ice.localPassword, fingerprint: dtls.identity.fingerprint,
                                                 candidateAddresses: advertise, port: UInt16(media.port(.a) ?? 0))
            sdp = .browser(template, narrowband: narrowband)
            guard case .success(let agreement) = LegAgreement.answering(browser: offer, with: template, narrowband: narrowband),
                  let keys = agreement.dtls else { return await refuse() }
            (config, body) = (agreement.config, agreement.answer ?? [])
            let dtlsT = LoopTransfer(try DTLSEndpoint(context: dtls, role: keys.role, expectedFingerprint: keys.fingerprint))
            try await loop.submit { media.browser(.a)?.setDTLS(dtlsT.value) }.get()
        } else if let offer = inbound.offer {
            // Where the phone's media goes is set from the agreement below, before anything is sent.
            media = try await CallMedia.make(loop: loop, host: bindHost, ports: ports, logger: logger,
                                             a: .phone(remote: nil, payloadTypes: []), onWebRTCEvent: events)
            let template = RTPSessionTemplate(address: advertise.first ?? "127.0.0.1", port: UInt16(media.port(.a) ?? 0), codecs: codecs)
            sdp = .phone(template)
            guard case .success(let agreement) = LegAgreement.answering(phone: offer, with: template, dtmf: call.callerDTMF) else {
                return await refuse()
            }
            (config, body) = (agreement.config, agreement.answer ?? [])
            let remoteAddress = agreement.remote, types = agreement.payloadTypes
            try await loop.submit { media.phone(.a)?.setRemote(remoteAddress, payloadTypes: types) }.get()
        } else {
            media = try await CallMedia.make(loop: loop, host: bindHost, ports: ports, logger: logger,
                                             a: .phone(remote: nil, payloadTypes: []), onWebRTCEvent: events)
            let template = RTPSessionTemplate(address: advertise.first ?? "127.0.0.1", port: UInt16(media.port(.a) ?? 0), codecs: codecs)
            (sdp, config, body) = (.phone(template), nil, template.offer().serializedBytes())
        }
        let mediaT = LoopTransfer(media), sdpT = LoopTransfer(sdp)
        try await loop.submit {
            mediaT.value.onEvent = { [weak self] event in
                guard let self, case .sendInfo(let side, let digit, let ms) = event else { return }
                self.endpoint.loop.execute { self.sendInfo(callT.value, to: side, digit: digit, durationMs: ms) }
            }
            mediaT.value.onSilence = { [weak self] side in
                guard let self else { return }
                self.endpoint.loop.execute {
                    let seconds = self.rtpTimeout?.components.seconds ?? 0
                    self.logger.warning("no RTP from the phone", metadata: ["call": "\(callT.value.id)", "side": "\(side)"])
                    self.fail(callT.value, code: 408, reason: "No RTP for \(seconds) s", side: "gateway")
                }
            }
        }.get()
        let isApp = app != nil
        if let app, let config {
            let appT = LoopTransfer(app)
            try await loop.submit { try mediaT.value.start(a: config, b: nil, app: appT.value) }.get()
        }
        let appT = LoopTransfer(app)
        endpoint.loop.execute {
            let call = callT.value
            guard call.phase != .ended else {
                let media = mediaT.value
                Task { await media.close() }
                return
            }
            call.media = mediaT.value
            call.configA = config
            call.sdpA = sdpT.value
            call.sdpForCaller = body
            call.record.legA.codec = config?.codec.encodingName
            if config == nil { call.pendingApp = appT.value }
            if isApp {
                call.machine.answeredLocally()
                self.answerCaller(call)
            } else if let step = call.step {
                self.perform(call.machine.routed(DialPlan(step)), on: call)
            }
        }
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
