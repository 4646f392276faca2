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
    /// Where `<playback file>` looks.
    var soundsDirectory = "sounds"
    /// Session timers (RFC 4028): the interval we ask for on outbound legs, and the shortest we accept.
    var sessionExpires = 1800
    var minSE = 90
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
    }

    // MARK: new calls

    /// Who is calling: a configured trunk (by source address, over UDP/TCP/TLS), else a user proven by digest.
    enum Caller {
        case user(String)
        case trunk(GatewayConfig.Trunk)
    }

    func trunk(for peer: SIPPeer) -> GatewayConfig.Trunk? {
        guard peer.transport != .ws, peer.transport != .wss, let ip = peer.remote.ipAddress else { return nil }
        let matching = trunks.filter { $0.host == ip }
        return matching.first { $0.port == peer.remote.port } ?? matching.first
    }

    func invite(_ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) {
        if (try? request.headers.to().tag) != nil { return inDialog(request, transaction) }
        let toTag = SIPEndpoint.randomToken(10)
        func reply(_ code: Int, _ reason: String? = nil, _ edit: (inout SIPResponse) -> Void = { _ in }) {
            var r = SIPResponse(replyingTo: request, statusCode: code, reasonPhrase: reason, toTag: toTag)
            edit(&r)
            transaction.respond(r)
        }
        let caller: Caller
        if let trunk = trunk(for: transaction.peer) {
            caller = .trunk(trunk)
        } else {
            var user: String?
            let credentials = registrar.credentials
            let result = digest.verify(request, proxy: true) { username, _, _ in
                guard let found = credentials.lookup(username: username, now: Date()) else { return nil }
                user = found.user
                return found.ha1
            }
            switch result {
            case .missingCredentials, .rejected: return reply(407) { digest.challenge(&$0) }
            case .stale: return reply(407) { digest.challenge(&$0, stale: true) }
            case .accepted: break
            }
            guard let user else { return reply(403) }
            caller = .user(user)
        }
        guard let callID = try? request.headers.callID(), calls[callID] == nil else { return reply(482, "Loop Detected") }
        if let asked = try? request.headers.sessionExpires(), asked.interval < minSE {
            return reply(422) { $0.headers.setMinSE(minSE) }
        }
        // No SDP (delayed offer, as some PBXs call): we offer in the 200 and the ACK answers.
        var offer: SessionDescription?
        if !request.body.isEmpty {
            guard let parsed = try? SessionDescription(parsing: request.body), parsed.media.contains(where: { $0.media == "audio" }) else {
                return reply(488, "Unusable SDP offer")
            }
            offer = parsed
        }
        guard let plan = dialplans.snapshot() else { return reply(503, "No dialplan") }
        let from = try? request.headers.from()
        var destination = request.uri.sipURI?.user ?? ""
        if case .trunk(let trunk) = caller, trunk.register, destination == trunk.username,
           let called = (try? request.headers.to())?.uri.sipURI?.user {
            // Sent to the contact we registered at the trunk: who is called is in To, as PBXs put it.
            destination = called
        }
        let callerName: String, context: String, source: CallFields.Source
        switch caller {
        case .user(let user): (callerName, context, source) = (user, "from-browser", .user(user))
        case .trunk(let trunk): (callerName, context, source) = (from?.uri.sipURI?.user ?? "", "from-trunk", .trunk(trunk.name))
        }
        let routing = plan.evaluate(call: CallFields(
            destination: destination, caller: callerName, callerName: from?.displayName ?? "", source: source,
            sourceIP: transaction.peer.remote.ipAddress ?? "", transport: transaction.peer.transport.rawValue.lowercased(),
            headers: request.headers.map { ($0.name.name, $0.value) }), context: context, at: Date())

        // A browser's audio is DTLS-SRTP (a fingerprint); RTP/SAVP without one is SDES keying, which
        // Tandem does not do: say so rather than take the phone for a browser.
        let audio = offer?.media.first { $0.media == "audio" }
        let isSecure = audio.map { $0.proto.contains("TLS") || $0.proto.contains("SAVP") } ?? false
        let isBrowser = isSecure && audio.flatMap { offer?.fingerprint(for: $0) } != nil
        if isSecure && !isBrowser { return reply(488, "SDES-SRTP not supported: offer RTP/AVP or DTLS-SRTP") }
        let inbound = InboundLeg(invite: request, transaction: transaction, peer: transaction.peer, isBrowser: isBrowser,
                                 toTag: toTag, offer: offer)
        let record = CallRecord(id: callID, caller: callerName, destination: destination, context: routing.context,
                                route: routing.matchedRoutes.last, source: "\(source)", start: Date(),
                                legA: CallRecord.Leg(kind: isBrowser ? "webrtc" : "rtp"))
        let call = Call(id: callID, inbound: inbound, record: record)

        var app: MediaApp?
        for step in routing.plan {
            switch step {
            case .echo: app = .echo
            case .tone(let tone):
                let durationMs = tone.duration.map { Int($0.components.seconds * 1000) }
                app = .source(ToneSource(frequencies: (tone.frequencies.first ?? 425, tone.frequencies.dropFirst().first),
                                         onMilliseconds: tone.onMilliseconds, offMilliseconds: tone.offMilliseconds,
                                         durationMilliseconds: durationMs))
            case .playback(let file):
                guard let source = playback(file) else {
                    logger.error("playback file unreadable", metadata: ["call": "\(callID)", "file": "\(file)"])
                    return reply(500, "Announcement unavailable")
                }
                app = .source(source)
            case .reject(let code, let reason), .hangup(let code?, let reason):
                if app == nil && call.step == nil { return reply(code, reason) }
            case .bridge(let bridge):
                if app == nil && call.step == nil { call.step = bridge }
            case .log(let level, let text):
                logger.log(level: Logger.Level(level), "\(text)", metadata: ["call": "\(callID)"])
            default: break
            }
            if app != nil || call.step != nil { break }
        }
        guard app != nil || call.step != nil else { return reply(404) }
        calls[callID] = call
        logger.info("call", metadata: ["call": "\(callID)", "from": "\(callerName)", "to": "\(destination)",
                                       "route": "\(routing.matchedRoutes.last ?? "-")", "plan": "\(app != nil ? "app" : "bridge")"])
        let codecs = callerCodecs(caller, routing.media)
        var callerTrunk: GatewayConfig.Trunk?
        if case .trunk(let trunk) = caller { callerTrunk = trunk }
        call.callerDTMF = Self.dtmfMode(trunk: callerTrunk, policy: routing.media)
        let callT = LoopTransfer(call), appT = LoopTransfer(app)
        let narrowband = call.step.map(isNarrowband) ?? false
        run(call) { try await self.setUpInbound(callT.value, codecs: codecs, narrowband: narrowband, app: appT.value) }
        call.maxDuration = call.step?.maxDuration ?? routing.maxDuration
    }

    /// How DTMF goes to a SIP leg: the route's `<media dtmf>`, else the trunk's `dtmf`, else `auto`
    /// (RFC 4733 when negotiated, tones otherwise).
    static func dtmfMode(trunk: GatewayConfig.Trunk?, policy: MediaPolicy?) -> DTMFMode {
        switch policy?.dtmf.map(\.rawValue) ?? trunk?.dtmf.rawValue {
        case "rfc4733": .rfc4733
        case "info": .info
        case "inband": .inband
        default: .auto
        }
    }

    /// A WAV file from the sounds folder, for `<playback>`; nil when it cannot be read or names a path
    /// outside the folder.
    func playback(_ file: String) -> WAVPlayback? {
        guard !file.hasPrefix("/"), !file.split(separator: "/").contains(".."),
              let data = FileManager.default.contents(atPath: soundsDirectory + "/" + file) else { return nil }
        return try? WAVPlayback(bytes: Array(data))
    }

    /// Whether every target of a bridge is a SIP leg offered G.711 only: the browser then gets a
    /// narrowband Opus answer.
    func isNarrowband(_ step: BridgeStep) -> Bool {
        step.legs.allSatisfy { leg in
            let codecs: [String]
            switch leg.target {
            case .user, .users: return false
            case .trunk(let name, _): codecs = step.media.codecs ?? trunks.first { $0.name == name }?.codecs ?? []
            case .uri: codecs = step.media.codecs ?? Self.uriCodecs
            }
            return !codecs.isEmpty && codecs.allSatisfy { ["pcmu", "pcma"].contains($0.lowercased()) }
        }
    }

    /// What a bridge to a bare SIP URI offers when the route names no codecs.
    static let uriCodecs = ["PCMU", "PCMA", "G722"]

    func callerCodecs(_ caller: Caller, _ policy: MediaPolicy) -> [String] {
        if let codecs = policy.codecs { return codecs }
        if case .trunk(let trunk) = caller { return trunk.codecs }
        return ["PCMU", "PCMA", "G722", "opus"]
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
            let answer = template.answer(offer, codecs: WebRTCSessionTemplate.codecs(narrowband: narrowband))
            sdp = .browser(template, narrowband: narrowband)
            guard let agreed = answer.accepted(), let fingerprint = offer.fingerprint(for: remote),
                  let c = MediaLegConfig(agreed: agreed, ssrc: template.ssrc, cname: template.cname, isBrowser: true) else {
                return await refuse()
            }
            (config, body) = (c, answer.sessionDescription.serializedBytes())
            let endpointDTLS = try DTLSEndpoint(context: dtls, role: WebRTCSessionTemplate.dtlsRole(remoteSetup: offer.setupRole(for: remote)),
                                                expectedFingerprint: CertificateFingerprint(bytes: fingerprint.bytes))
            let dtlsT = LoopTransfer(endpointDTLS)
            try await loop.submit { media.browser(.a)?.setDTLS(dtlsT.value) }.get()
        } else if let offer = inbound.offer {
            guard let remote = offer.media.first(where: { $0.media == "audio" }) else { throw MediaError.codec("no audio") }
            let address = offer.effectiveConnection(for: remote)?.address
            let remoteAddress = address.flatMap { try? SocketAddress(ipAddress: $0, port: Int(remote.port)) }
            media = try await CallMedia.make(loop: loop, host: bindHost, ports: ports, logger: logger,
                                             a: .phone(remote: remoteAddress, payloadTypes: []), onWebRTCEvent: events)
            let template = RTPSessionTemplate(address: advertise.first ?? "127.0.0.1", port: UInt16(media.port(.a) ?? 0), codecs: codecs)
            let answer = template.answer(offer)
            sdp = .phone(template)
            guard let agreed = answer.accepted(),
                  let c = MediaLegConfig(agreed: agreed, ssrc: UInt32.random(in: 1...UInt32.max), cname: "tandem", isBrowser: false,
                                         dtmfMode: call.callerDTMF, ptime: remote.packetTime.map(Int.init)) else {
                return await refuse()
            }
            (config, body) = (c, answer.sessionDescription.serializedBytes())
            let types = Self.payloadTypes(agreed)
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

    static func payloadTypes(_ agreed: AcceptedMedia) -> Set<UInt8> {
        Set(agreed.codecs.map(\.payloadType) + [agreed.telephoneEvent?.payloadType, agreed.comfortNoise?.payloadType].compactMap { $0 })
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
