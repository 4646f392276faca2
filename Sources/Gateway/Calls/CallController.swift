import Dialplan
import Foundation
import Logging
import Media
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
    private var digest: DigestServer
    /// Calls by the caller's Call-ID (CANCEL and the INVITE's transaction find them there).
    private var calls: [String: Call] = [:]
    /// Each leg's dialog by Call-ID and our tag: how in-dialog requests find their call and side.
    private var dialogs: [String: (call: Call, inbound: Bool)] = [:]
    /// Media set-ups and tear-downs in flight, so shutting down waits for them.
    private var tasks: [UUID: Task<Void, Never>] = [:]

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
    private enum Caller {
        case user(String)
        case trunk(GatewayConfig.Trunk)
    }

    private func trunk(for peer: SIPPeer) -> GatewayConfig.Trunk? {
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
        if let asked = SessionTimer.parse(request.headers), asked.interval < minSE {
            return reply(422) { $0.headers.add(HeaderName("Min-SE"), String(minSE)) }
        }
        guard let offer = try? SessionDescription(parsing: request.body), offer.media.contains(where: { $0.media == "audio" }) else {
            return reply(488, "An SDP offer is required")
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

        let isBrowser = offer.media.first.map { $0.proto.contains("TLS") || $0.proto.contains("SAVP") } ?? false
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
        let dtmf = Self.dtmfMode(trunk: callerTrunk, policy: routing.media)
        let callT = LoopTransfer(call), appT = LoopTransfer(app)
        let narrowband = call.step.map(isNarrowband) ?? false
        run(call) { try await self.setUpInbound(callT.value, codecs: codecs, dtmf: dtmf, narrowband: narrowband, app: appT.value) }
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
    private func playback(_ file: String) -> WAVPlayback? {
        guard !file.hasPrefix("/"), !file.split(separator: "/").contains(".."),
              let data = FileManager.default.contents(atPath: soundsDirectory + "/" + file) else { return nil }
        return try? WAVPlayback(bytes: Array(data))
    }

    /// Whether every target of a bridge is a SIP leg offered G.711 only: the browser then gets a
    /// narrowband Opus answer.
    private func isNarrowband(_ step: BridgeStep) -> Bool {
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

    private func callerCodecs(_ caller: Caller, _ policy: MediaPolicy) -> [String] {
        if let codecs = policy.codecs { return codecs }
        if case .trunk(let trunk) = caller { return trunk.codecs }
        return ["PCMU", "PCMA", "G722", "opus"]
    }

    /// Runs set-up work off the loop, tracked for shutdown; an error ends the call with 500/BYE.
    private func run(_ call: Call, _ body: @escaping @Sendable () async throws -> Void) {
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
    private func setUpInbound(_ call: Call, codecs: [String], dtmf: DTMFMode, narrowband: Bool, app: MediaApp?) async throws {
        let inbound = call.inbound
        let offer = inbound.offer
        guard let remote = offer.media.first(where: { $0.media == "audio" }) else { throw MediaError.codec("no audio") }
        let loop = mediaLoops.next()
        let callT = LoopTransfer(call)
        let events: (LegSide, WebRTCEvent) -> Void = { [weak self] side, event in
            guard let self, case .failed(let why) = event else { return }
            self.endpoint.loop.execute { self.mediaFailed(callT.value, side: side, why: why) }
        }
        let media: CallMedia, answer: Answer, config: MediaLegConfig, sdp: LegSDP
        if inbound.isBrowser {
            let ice = ICELiteAgent(remoteUfrag: offer.iceUsernameFragment(for: remote))
            media = try await CallMedia.make(loop: loop, host: bindHost, ports: ports, logger: logger, a: .browser(ice: ice),
                                             onWebRTCEvent: events)
            let template = WebRTCSessionTemplate(ufrag: ice.localUfrag, password: ice.localPassword, fingerprint: dtls.identity.fingerprint,
                                                 candidateAddresses: advertise, port: UInt16(media.port(.a) ?? 0))
            answer = template.answer(offer, codecs: WebRTCSessionTemplate.codecs(narrowband: narrowband))
            sdp = .browser(template, narrowband: narrowband)
            guard let agreed = answer.accepted(), let fingerprint = offer.fingerprint(for: remote),
                  let c = MediaLegConfig(agreed: agreed, ssrc: template.ssrc, cname: template.cname, isBrowser: true) else {
                await media.close()
                return endpoint.loop.execute { self.fail(callT.value, code: 488, reason: "No common codec", side: "gateway") }
            }
            config = c
            let endpointDTLS = try DTLSEndpoint(context: dtls, role: WebRTCSessionTemplate.dtlsRole(remoteSetup: offer.setupRole(for: remote)),
                                                expectedFingerprint: CertificateFingerprint(bytes: fingerprint.bytes))
            let dtlsT = LoopTransfer(endpointDTLS)
            try await loop.submit { media.browser(.a)?.setDTLS(dtlsT.value) }.get()
        } else {
            let address = offer.effectiveConnection(for: remote)?.address
            let remoteAddress = address.flatMap { try? SocketAddress(ipAddress: $0, port: Int(remote.port)) }
            media = try await CallMedia.make(loop: loop, host: bindHost, ports: ports, logger: logger,
                                             a: .phone(remote: remoteAddress, payloadTypes: []), onWebRTCEvent: events)
            let template = RTPSessionTemplate(address: advertise.first ?? "127.0.0.1", port: UInt16(media.port(.a) ?? 0), codecs: codecs)
            answer = template.answer(offer)
            sdp = .phone(template)
            guard let agreed = answer.accepted(),
                  let c = MediaLegConfig(agreed: agreed, ssrc: UInt32.random(in: 1...UInt32.max), cname: "tandem", isBrowser: false,
                                         dtmfMode: dtmf, ptime: remote.packetTime.map(Int.init)) else {
                await media.close()
                return endpoint.loop.execute { self.fail(callT.value, code: 488, reason: "No common codec", side: "gateway") }
            }
            config = c
            let types = Self.payloadTypes(agreed)
            try await loop.submit { media.phone(.a)?.setRemote(remoteAddress, payloadTypes: types) }.get()
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
                    self.end(callT.value, reason: "No RTP for \(seconds) s", status: 408, side: "gateway")
                }
            }
        }.get()
        let body = answer.sessionDescription.serializedBytes()
        let isApp = app != nil
        if let app {
            let appT = LoopTransfer(app)
            try await loop.submit { try mediaT.value.start(a: config, b: nil, app: appT.value) }.get()
        }
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
            call.answerToCaller = body
            call.record.legA.codec = config.codec.encodingName
            if isApp {
                self.answerCaller(call)
            } else if let step = call.step {
                call.remainingTargets = step.legs
                self.dialNext(call)
            }
        }
    }

    static func payloadTypes(_ agreed: AcceptedMedia) -> Set<UInt8> {
        Set(agreed.codecs.map(\.payloadType) + [agreed.telephoneEvent?.payloadType, agreed.comfortNoise?.payloadType].compactMap { $0 })
    }

    // MARK: dialling

    /// Starts the next target of the bridge, or fails the call with the best answer seen.
    private func dialNext(_ call: Call) {
        guard call.dialling else { return }
        guard !call.remainingTargets.isEmpty, let step = call.step else {
            if let transferor = call.transferor {
                notify(transferor, "SIP/2.0 \(call.bestFailure?.statusCode ?? 480) \(call.bestFailure?.reasonPhrase ?? "No Answer")", final: true)
            }
            let failure = call.bestFailure
            return fail(call, code: failure.map { Self.callerCode(for: $0.statusCode) } ?? 480,
                        reason: failure?.reasonPhrase ?? "No Answer", side: "callee")
        }
        // A parallel bridge rings every target at once, when they are of one kind (all browsers or all
        // SIP: side b has one socket); mixed, they are dialled one after another.
        var legs = [call.remainingTargets.removeFirst()]
        let isBrowser: (BridgeLeg) -> Bool = { if case .user = $0.target { true } else if case .users = $0.target { true } else { false } }
        if step.mode == .parallel, !call.remainingTargets.isEmpty {
            if call.remainingTargets.allSatisfy({ isBrowser($0) == isBrowser(legs[0]) }) {
                legs += call.remainingTargets
                call.remainingTargets.removeAll()
            } else {
                logger.warning("parallel bridge mixes browsers and SIP targets: dialling them in turn", metadata: ["call": "\(call.id)"])
            }
        }
        call.bestFailure = nil
        call.record.target = legs[0].target.description
        let timing = BridgeLeg(target: legs[0].target, timeout: legs.count > 1 ? step.timeout : legs[0].timeout)
        if isBrowser(legs[0]) {
            return dialUsers(call, legs.flatMap { leg -> [String] in
                switch leg.target {
                case .user(let user): [user]
                case .users(_, let members): members
                default: []
                }
            }, timing)
        }
        var destinations: [SIPDestination] = []
        for leg in legs {
            switch leg.target {
            case .trunk(let name, let user):
                guard let trunk = trunks.first(where: { $0.name == name }) else { continue }
                destinations.append(SIPDestination(uri: "sip:\(user)@\(trunk.address)", transport: SIPTransportKind(trunk.transport),
                                                   trunk: trunk, codecs: step.media.codecs ?? trunk.codecs, target: leg.target))
            case .uri(let text):
                let transport = (try? SIPURI(text))?.transport.flatMap { SIPTransportKind(rawValue: $0.uppercased()) } ?? .udp
                destinations.append(SIPDestination(uri: text, transport: transport, trunk: nil, codecs: step.media.codecs ?? Self.uriCodecs,
                                                   target: leg.target))
            default: break
            }
        }
        dialSIP(call, destinations, timing)
    }

    /// Every current binding of the users gets the same WebRTC offer over its own flow.
    private func dialUsers(_ call: Call, _ users: [String], _ leg: BridgeLeg) {
        let bindings = users.flatMap { user in registrar.lookup(user).map { (user, $0) } }
        guard !bindings.isEmpty else {
            call.bestFailure = SIPResponse(statusCode: 480, reasonPhrase: "User Not Registered")
            return targetFailed(call, code: 480)
        }
        let ice = ICELiteAgent()
        let narrowband = call.configA.map { $0.codec == .pcmu || $0.codec == .pcma } ?? false
        let callT = LoopTransfer(call), iceT = LoopTransfer(ice), bindingsT = LoopTransfer(bindings)
        run(call) {
            guard let media = try await self.endpoint.loop.submit({ callT.value.media.map(LoopTransfer.init) }).get()?.value else { return }
            try await media.bind(b: .browser(ice: iceT.value))
            let template = WebRTCSessionTemplate(ufrag: iceT.value.localUfrag, password: iceT.value.localPassword,
                                                 fingerprint: self.dtls.identity.fingerprint, candidateAddresses: self.advertise,
                                                 port: UInt16(media.port(.b) ?? 0))
            let body = template.offer(narrowband: narrowband).serializedBytes()
            self.endpoint.loop.execute {
                let call = callT.value
                guard call.dialling else { return }
                call.record.legB = CallRecord.Leg(kind: "webrtc")
                for (user, binding) in bindingsT.value {
                    self.sendInvite(call, to: binding.contact.uri, peer: binding.peer, target: .user(user), isBrowser: true, body: body,
                                    context: .browser(template: template, ice: iceT.value, narrowband: narrowband))
                }
                self.armRingTimer(call, leg)
            }
        }
    }

    /// A SIP target resolved from the plan: where, how, and what to offer.
    private struct SIPDestination {
        var uri: String
        var transport: SIPTransportKind
        var trunk: GatewayConfig.Trunk?
        var codecs: [String]
        var target: BridgeTarget
    }

    /// INVITEs with a plain-RTP offer to each destination, all on side b's one RTP socket.
    private func dialSIP(_ call: Call, _ destinations: [SIPDestination], _ leg: BridgeLeg) {
        let callT = LoopTransfer(call), destinationsT = LoopTransfer(destinations)
        run(call) {
            var reachable: [(SIPDestination, URI, SIPPeer)] = []
            for destination in destinationsT.value {
                guard let uri = try? URI(destination.uri), let sip = uri.sipURI else { continue }
                let port = Int(sip.port ?? (destination.transport == .tls ? 5061 : 5060))
                if let peer = try? await self.endpoint.peer(host: sip.host.unbracketed, port: port, transport: destination.transport) {
                    reachable.append((destination, uri, peer))
                }
            }
            guard !reachable.isEmpty else {
                return self.endpoint.loop.execute {
                    callT.value.bestFailure = SIPResponse(statusCode: 503, reasonPhrase: "Unreachable")
                    self.targetFailed(callT.value, code: 503)
                }
            }
            guard let media = try await self.endpoint.loop.submit({ callT.value.media.map(LoopTransfer.init) }).get()?.value else { return }
            try await media.bind(b: .phone(remote: nil, payloadTypes: []))
            let port = UInt16(media.port(.b) ?? 0)
            let dialled = LoopTransfer(reachable)
            self.endpoint.loop.execute {
                let call = callT.value
                guard call.dialling else { return }
                call.record.legB = CallRecord.Leg(kind: "rtp")
                for (destination, uri, peer) in dialled.value {
                    let template = RTPSessionTemplate(address: self.advertise.first ?? "127.0.0.1", port: port, codecs: destination.codecs)
                    self.sendInvite(call, to: uri, peer: peer, target: destination.target, isBrowser: false,
                                    body: template.offer().serializedBytes(), context: .phone(trunk: destination.trunk, template: template))
                }
                self.armRingTimer(call, leg)
            }
        }
    }

    /// What the outbound INVITE needs beyond its target: how to read the answer.
    private enum OfferContext {
        case browser(template: WebRTCSessionTemplate, ice: ICELiteAgent, narrowband: Bool)
        case phone(trunk: GatewayConfig.Trunk?, template: RTPSessionTemplate)

        /// The leg's SDP from now on, once this offer is the one answered.
        var sdp: LegSDP {
            switch self {
            case .browser(let template, _, let narrowband): .browser(template, narrowband: narrowband)
            case .phone(_, let template): .phone(template)
            }
        }
    }

    private func contact(for transport: SIPTransportKind) -> String {
        let (host, port) = endpoint.sentBy[transport] ?? endpoint.sentBy[.udp] ?? ("127.0.0.1", 5060)
        let h = host.contains(":") ? "[\(host)]" : host
        return "<sip:tandem@\(h):\(port)" + (transport == .udp ? "" : ";transport=\(transport.rawValue.lowercased())") + ">"
    }

    private func sendInvite(_ call: Call, to uri: URI, peer: SIPPeer, target: BridgeTarget, isBrowser: Bool, body: [UInt8],
                            context: OfferContext) {
        let inviteFrom = try? call.inbound.invite.headers.from()
        let callerUser = call.record.caller
        var fromURI = SIPURI(user: callerUser.isEmpty ? "anonymous" : callerUser, host: registrar.credentials.realm)
        if case .phone(let trunk?, _) = context { fromURI.host = trunk.host }
        let name = call.step?.callerID?.name ?? inviteFrom?.displayName
        if let number = call.step?.callerID?.number { fromURI.user = number }
        var from = NameAddress(displayName: name, uri: fromURI)
        from.tag = SIPEndpoint.randomToken(10)
        var r = SIPRequest(method: .invite, uri: uri)
        r.headers.add(.via, endpoint.makeVia(peer.transport).description)
        r.headers.add(.maxForwards, "70")
        r.headers.add(.from, from.description)
        r.headers.add(.to, NameAddress(uri: uri.sipURI.map { SIPURI(user: $0.user, host: $0.host, port: $0.port) } ?? fromURI).description)
        r.headers.add(.callID, SIPEndpoint.randomToken(24))
        r.headers.add(.cseq, CSeq(1, .invite).description)
        let localContact = contact(for: peer.transport)
        r.headers.add(.contact, localContact)
        r.headers.add(.allow, SignallingCore.allow)
        r.headers.add(.supported, "timer")
        r.headers.add(.sessionExpires, String(sessionExpires))
        r.headers.add(HeaderName("Min-SE"), String(minSE))
        r.headers.add(.userAgent, endpoint.userAgent)
        r.headers.add(.contentType, "application/sdp")
        for edit in call.step?.headers ?? [] {
            switch edit {
            case .add(let n, let v): r.headers.add(HeaderName(n), v)
            case .set(let n, let v): r.headers.set(HeaderName(n), v)
            case .remove(let n): r.headers.remove(HeaderName(n))
            }
        }
        r.body = body
        let branch = OutboundBranch(invite: r, peer: peer, target: target, isBrowser: isBrowser, localContact: localContact)
        call.branches.append(branch)
        start(branch, of: call, context: context)
    }

    private func start(_ branch: OutboundBranch, of call: Call, context: OfferContext) {
        let contextT = LoopTransfer(context)
        endpoint.send(branch.invite, to: branch.peer) { [weak self, weak call, weak branch] event in
            guard let self, let call, let branch else { return }
            switch event {
            case .response(let response): self.received(response, on: branch, of: call, context: contextT.value)
            case .timeout: self.branchFailed(branch, of: call, SIPResponse(statusCode: 408, reasonPhrase: "Request Timeout"))
            }
        }
    }

    // MARK: responses on the outbound leg

    private func received(_ response: SIPResponse, on branch: OutboundBranch, of call: Call, context: OfferContext) {
        if response.statusCode == 100 { return }
        if response.isSuccess, branch.final {
            // After our 2xx: a retransmission (same tag) to ACK again, or another fork's answer.
            return answeredAgain(branch, response)
        }
        if response.isSuccess || (response.statusCode > 100 && response.statusCode < 200) {
            if let tag = try? response.headers.to().tag, branch.dialog?.id.remoteTag != tag {
                // A first response, or one from another fork behind a proxy (another To tag): its own
                // dialog. The fork that answers is the one the call keeps.
                branch.dialog = Dialog(uac: branch.invite, response: response, localContact: branch.localContact)
                if let id = branch.dialog?.id { dialogs[key(id)] = (call, false) }
            } else {
                branch.dialog?.update(with: response)
            }
        }
        if response.isSuccess {
            branch.final = true
            acknowledge(branch, response)
            if call.dialling, !branch.cancelled, let granted = SessionTimer.parse(response.headers) {
                armSessionTimer(call, .b, interval: granted.interval, weRefresh: granted.refresher != "uas")
            }
            guard call.dialling, !branch.cancelled else {
                // A 2xx that crossed our CANCEL or lost the race to another branch: ACK it, then BYE.
                return hangUp(branch, reason: "Call completed elsewhere")
            }
            if call.transferor != nil { return completeTransfer(call, to: branch, response, context: context) }
            call.answered = branch
            for other in call.branches where other !== branch { cancel(other) }
            call.branches = [branch]
            call.ringTimer?.cancel()
            connectMedia(call, from: response, context: context) { self.answerCaller(call) }
            return
        }
        if response.isProvisional {
            guard call.dialling, !branch.cancelled else { return }
            if !response.body.isEmpty {
                // Early media: bridge it now and tell the caller with our own SDP (183).
                connectMedia(call, from: response, context: context) { self.relayProvisional(call, response, withSDP: true) }
            } else if call.inbound.isBrowser, call.transferor == nil {
                ringback(call)
            } else {
                relayProvisional(call, response, withSDP: false)
            }
            return
        }
        // A final failure. 401/407 from a trunk: answer the challenge once.
        if (response.statusCode == 401 || response.statusCode == 407), !branch.authorized, case .phone(let trunk?, _) = context,
           let username = trunk.username, let password = trunk.password, call.dialling, !branch.cancelled {
            var digest = DigestClient(username: username, password: password)
            var retry = branch.invite
            retry.headers.setTopVia(endpoint.makeVia(branch.peer.transport))
            retry.headers.set(.cseq, CSeq(2, .invite).description)
            if digest.authorize(&retry, for: response) {
                branch.invite = retry
                branch.authorized = true
                return start(branch, of: call, context: context)
            }
        }
        branchFailed(branch, of: call, response)
    }

    private func branchFailed(_ branch: OutboundBranch, of call: Call, _ response: SIPResponse) {
        branch.final = true
        if let id = branch.dialog?.id { dialogs[key(id)] = nil }
        guard call.dialling else { return }
        if let best = call.bestFailure, !Self.better(response.statusCode, than: best.statusCode) {} else { call.bestFailure = response }
        call.branches.removeAll { $0 === branch }
        guard call.branches.isEmpty else { return }
        targetFailed(call, code: call.bestFailure?.statusCode ?? 480)
    }

    /// RFC 3261 §16.7: 6xx beats all; else the lowest class, but 401/407/415/420/484 are worth more than other 4xx.
    private static func better(_ a: Int, than b: Int) -> Bool {
        if a / 100 == 6 { return b / 100 != 6 }
        if b / 100 == 6 { return false }
        let preferred: Set<Int> = [401, 407, 415, 420, 484]
        if a / 100 == b / 100 { return preferred.contains(a) && !preferred.contains(b) }
        return a / 100 < b / 100
    }

    /// The whole target failed (all its branches): move on if the plan fails over on this code.
    private func targetFailed(_ call: Call, code: Int?) {
        call.ringTimer?.cancel()
        guard call.dialling else { return }
        if let step = call.step, step.mode == .failover || step.mode == .parallel, step.failover.retries(on: code), !call.remainingTargets.isEmpty {
            logger.info("target failed, next", metadata: ["call": "\(call.id)", "code": "\(code.map(String.init) ?? "timeout")"])
            return dialNext(call)
        }
        call.remainingTargets.removeAll()
        dialNext(call)
    }

    /// What the caller is told when the callee's leg fails: the callee's answer, except what is ours
    /// to deal with (auth toward a trunk, redirects we do not follow, transaction errors).
    static func callerCode(for code: Int) -> Int {
        switch code {
        case 401, 407: 503
        case 300..<400: 480
        case 408: 480
        case 481, 482, 483, 491: 500
        default: code
        }
    }

    private func acknowledge(_ branch: OutboundBranch, _ response: SIPResponse) {
        guard var dialog = branch.dialog, let cseq = try? branch.invite.headers.cseq() else { return }
        dialog.update(with: response)
        branch.dialog = dialog
        endpoint.sendStateless(.request(dialog.makeACK(sequence: cseq.sequence, via: endpoint.makeVia(branch.peer.transport))),
                               to: peer(for: branch))
    }

    /// Where in-dialog requests of a branch go: a browser over its flow, a phone to the dialog's next hop.
    private func peer(for branch: OutboundBranch, dialog: Dialog? = nil) -> SIPPeer {
        guard branch.peer.transport == .udp, let hop = (dialog ?? branch.dialog)?.nextHop,
              let address = try? SocketAddress(ipAddress: hop.host.unbracketed, port: Int(hop.port ?? 5060)) else {
            return branch.peer
        }
        return SIPPeer(transport: .udp, remote: address, channel: branch.peer.channel)
    }

    private func cancel(_ branch: OutboundBranch) {
        guard !branch.final, !branch.cancelled else { return }
        branch.cancelled = true
        // §9.1: same Request-URI, Call-ID, From, To (without tag), CSeq number and top Via as the INVITE.
        var c = SIPRequest(method: .cancel, uri: branch.invite.uri)
        for name in [HeaderName.via, .from, .to, .callID] {
            if let v = branch.invite.headers[name] { c.headers.add(name, v) }
        }
        c.headers.add(.maxForwards, "70")
        if let cseq = try? branch.invite.headers.cseq() { c.headers.add(.cseq, CSeq(cseq.sequence, .cancel).description) }
        endpoint.send(c, to: branch.peer) { _ in }
    }

    /// Reads the callee's SDP (18x or 2xx), configures side b and starts the bridge, then `then`.
    private func connectMedia(_ call: Call, from response: SIPResponse, context: OfferContext, then: @escaping () -> Void) {
        guard !response.body.isEmpty else {
            // A 2xx without SDP after early media already set things up.
            if call.mediaConnected || call.answered == nil { return then() }
            return fail(call, code: 488, reason: "No SDP in answer", side: "callee")
        }
        guard let sdp = try? SessionDescription(parsing: response.body), let agreed = sdp.acceptedByAnswer(),
              let media = call.media, let configA = call.configA else {
            return fail(call, code: 488, reason: "Unusable SDP answer", side: "callee")
        }
        let mediaT = LoopTransfer(media), callT = LoopTransfer(call), thenT = LoopTransfer(then)
        let configB: MediaLegConfig?
        var dtlsEndpoint: DTLSEndpoint?
        switch context {
        case .browser(let template, let ice, _):
            guard let section = sdp.media.first, let fingerprint = sdp.fingerprint(for: section) else {
                return fail(call, code: 488, reason: "No DTLS fingerprint", side: "callee")
            }
            configB = MediaLegConfig(agreed: agreed, ssrc: template.ssrc, cname: template.cname, isBrowser: true)
            dtlsEndpoint = try? DTLSEndpoint(context: dtls, role: WebRTCSessionTemplate.dtlsRole(remoteSetup: sdp.setupRole(for: section)),
                                             expectedFingerprint: CertificateFingerprint(bytes: fingerprint.bytes))
            ice.setRemoteUfrag(sdp.iceUsernameFragment(for: section))
            if dtlsEndpoint == nil { return fail(call, code: 500, reason: "DTLS set-up failed", side: "gateway") }
        case .phone(let trunk, _):
            configB = MediaLegConfig(agreed: agreed, ssrc: UInt32.random(in: 1...UInt32.max), cname: "tandem", isBrowser: false,
                                     dtmfMode: Self.dtmfMode(trunk: trunk, policy: call.step?.media),
                                     ptime: sdp.media.first?.packetTime.map(Int.init))
        }
        guard let configB else { return fail(call, code: 488, reason: "No common codec", side: "callee") }
        call.record.legB?.codec = configB.codec.encodingName
        call.configB = configB
        call.sdpB = context.sdp
        if let branch = call.branches.first(where: { $0.dialog.map { d in (try? response.headers.to().tag) == d.id.remoteTag } ?? false }) {
            call.record.target = branch.target.description
        }
        let remote = agreed.remoteConnection.flatMap { try? SocketAddress(ipAddress: $0.address, port: Int(agreed.remotePort)) }
        let types = Self.payloadTypes(agreed)
        let dtlsT = LoopTransfer(dtlsEndpoint)
        media.loop.execute {
            let media = mediaT.value
            do {
                if let phone = media.phone(.b) {
                    phone.setRemote(remote, payloadTypes: types)
                } else if let dtls = dtlsT.value {
                    media.browser(.b)?.setDTLS(dtls)
                }
                if media.bridge != nil {
                    try media.connect(b: configB)
                } else {
                    try media.start(a: configA, b: configB)
                }
                self.endpoint.loop.execute {
                    callT.value.mediaConnected = true
                    thenT.value()
                }
            } catch {
                self.endpoint.loop.execute { self.fail(callT.value, code: 500, reason: "Media: \(error)", side: "gateway") }
            }
        }
    }

    // MARK: toward the caller

    /// Ringing without early media, toward a browser: browsers play no ringback of their own on 180
    /// (JsSIP and SIP.js leave it to the page), so the caller gets our SDP in a 183 and a ringback
    /// tone from the bridge until the callee's media replaces it.
    private func ringback(_ call: Call) {
        guard call.phase == .proceeding, let media = call.media, let configA = call.configA, !call.ringing else { return }
        call.ringing = true
        let mediaT = LoopTransfer(media)
        media.loop.execute {
            guard mediaT.value.bridge == nil else { return }
            try? mediaT.value.start(a: configA, b: nil, app: .source(ToneSource(frequencies: (425, nil), onMilliseconds: 1000,
                                                                               offMilliseconds: 4000, durationMilliseconds: nil)))
        }
        relayProvisional(call, SIPResponse(statusCode: 183), withSDP: true)
    }

    private func relayProvisional(_ call: Call, _ response: SIPResponse, withSDP: Bool) {
        guard call.phase == .proceeding else { return }
        var r = SIPResponse(replyingTo: call.inbound.invite, statusCode: withSDP ? 183 : response.statusCode,
                            reasonPhrase: withSDP ? "Session Progress" : response.reasonPhrase, toTag: call.inbound.toTag)
        r.headers.add(.contact, contact(for: call.inbound.peer.transport))
        if withSDP, let body = call.answerToCaller {
            r.headers.add(.contentType, "application/sdp")
            r.body = body
        }
        call.inbound.transaction.respond(r)
    }

    private func answerCaller(_ call: Call) {
        guard call.phase == .proceeding, let body = call.answerToCaller else { return }
        call.phase = .answered
        call.record.answer = Date()
        var ok = SIPResponse(replyingTo: call.inbound.invite, statusCode: 200, toTag: call.inbound.toTag)
        let localContact = contact(for: call.inbound.peer.transport)
        ok.headers.add(.contact, localContact)
        ok.headers.add(.contentType, "application/sdp")
        ok.headers.add(.allow, SignallingCore.allow)
        ok.headers.add(.supported, "timer")
        if let asked = SessionTimer.parse(call.inbound.invite.headers) {
            // The caller's interval; it refreshes when it supports timers, else we do (RFC 4028 §9).
            let callerSupports = call.inbound.invite.headers.listValues(.supported).contains { $0.lowercased() == "timer" }
            let refresher = asked.refresher ?? (callerSupports ? "uac" : "uas")
            ok.headers.add(.sessionExpires, "\(asked.interval);refresher=\(refresher)")
            if refresher == "uac" { ok.headers.add(.require, "timer") }
            armSessionTimer(call, .a, interval: asked.interval, weRefresh: refresher == "uas")
        }
        ok.body = body
        if let dialog = Dialog(uas: call.inbound.invite, localTag: call.inbound.toTag, localContact: localContact, confirmed: true) {
            call.inbound.dialog = dialog
            dialogs[key(dialog.id)] = (call, true)
        }
        logger.info("call answered", metadata: ["call": "\(call.id)", "target": "\(call.record.target ?? "app")"])
        for side in LegSide.allCases { watchSilence(call, side, held: false) }
        if let limit = call.maxDuration { armMaxDuration(call, limit) }
        endpoint.sendSuccess(ok, through: call.inbound.transaction) { [weak self, weak call] in
            guard let self, let call else { return }
            self.end(call, reason: "No ACK from the caller", status: 408, side: "caller")
        }
    }

    /// Ends a call that was not answered with a final response to the caller, or with BYEs once answered.
    private func fail(_ call: Call, code: Int, reason: String, side: String) {
        switch call.phase {
        case .ended: return
        case .answered: return end(call, reason: reason, status: code, side: side)
        case .proceeding:
            for branch in call.branches { cancel(branch) }
            call.inbound.transaction.respond(SIPResponse(replyingTo: call.inbound.invite, statusCode: code, reasonPhrase: reason,
                                                         toTag: call.inbound.toTag))
            finish(call, status: code, reason: reason, side: side)
        }
    }

    // MARK: in-dialog requests

    private func key(_ id: Dialog.ID) -> String { id.callID + "|" + id.localTag }

    func inDialog(_ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) {
        guard let id = Dialog.ID(incoming: request), let (call, inbound) = dialogs[key(id)] else {
            return transaction.respond(SIPResponse(replyingTo: request, statusCode: 481))
        }
        do {
            if inbound {
                try call.inbound.dialog?.receive(request)
            } else {
                try call.branches.first { $0.dialog?.id == id }?.dialog?.receive(request)
            }
        } catch {
            return transaction.respond(SIPResponse(replyingTo: request, statusCode: 500, reasonPhrase: "CSeq Out of Order"))
        }
        switch request.method {
        case .bye where call.transferor?.dialog?.id == id:
            // The transferor leaves before the transfer completes: only its leg ends.
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 200))
            dialogs[key(id)] = nil
        case .bye:
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 200))
            if !inbound, call.phase == .proceeding, let branch = call.branches.first(where: { $0.dialog?.id == id }) {
                // BYE on an early dialog: that branch is over.
                return branchFailed(branch, of: call, SIPResponse(statusCode: 480, reasonPhrase: "Ended in early dialog"))
            }
            end(call, reason: "BYE", status: 200, side: inbound ? "caller" : "callee", from: inbound)
        case .invite, .update:
            reoffered(call, side: inbound ? .a : .b, request, transaction)
        case .refer where !inbound && call.phase == .answered && call.transferor == nil:
            refer(call, request, transaction)
        case .info:
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 200))
            if let type = request.headers[.contentType],
               let digit = DTMFInfo.parse(contentType: type, body: String(decoding: request.body, as: UTF8.self)), let media = call.media {
                let mediaT = LoopTransfer(media)
                media.loop.execute {
                    mediaT.value.bridge?.receivedInfoDigit(from: inbound ? .a : .b, digit: digit.digit, durationMs: digit.durationMs,
                                                          now: NIODeadline.now().uptimeNanoseconds)
                }
            }
        case .options, .notify:
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 200))
        default:
            var r = SIPResponse(replyingTo: request, statusCode: 501)
            r.headers.add(.allow, SignallingCore.allow)
            transaction.respond(r)
        }
    }

    /// A re-INVITE or UPDATE from one leg. Without SDP it is a session refresh (RFC 4028), answered
    /// with our current SDP. With an offer (hold, resume, a new address) it is answered from that leg's
    /// template and, when the direction changed, translated to the other leg as a re-offer of its own:
    /// hold never crosses as the phone's SDP (DESIGN: hold is translated, not relayed).
    private func reoffered(_ call: Call, side: LegSide, _ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) {
        var ok = SIPResponse(replyingTo: request, statusCode: 200)
        ok.headers.add(.contact, contact(for: transaction.peer.transport))
        if let timer = call.sessionTimers[side] {
            // A refresh from the other side restarts its timer, on the interval it now asks for.
            let interval = SessionTimer.parse(request.headers)?.interval ?? timer.interval
            ok.headers.add(.sessionExpires, "\(interval);refresher=\(side == .a ? "uac" : "uas")")
            if !timer.weRefresh { armSessionTimer(call, side, interval: interval, weRefresh: false) }
        }
        func send(_ response: SIPResponse) {
            if request.method == .invite { endpoint.sendSuccess(response, through: transaction) } else { transaction.respond(response) }
        }
        guard !request.body.isEmpty else { return send(ok) }
        if request.method == .invite, call.reoffering.contains(side) {
            // Our own re-INVITE on this leg is still open: glare (RFC 3261 §14.2).
            return transaction.respond(SIPResponse(replyingTo: request, statusCode: 491))
        }
        guard call.phase == .answered, var sdp = call.sdp(side), let offer = try? SessionDescription(parsing: request.body),
              let section = offer.media.first(where: { $0.media == "audio" }) else {
            return transaction.respond(SIPResponse(replyingTo: request, statusCode: 488))
        }
        let answer = sdp.answer(offer)
        guard let agreed = answer.accepted(), var config = call.config(side) else {
            return transaction.respond(SIPResponse(replyingTo: request, statusCode: 488))
        }
        call.setSDP(side, sdp)
        config.direction = Media.MediaDirection(agreed.direction)
        call.setConfig(side, config)
        let remote = agreed.remoteConnection.flatMap { c -> SocketAddress? in
            c.isUnspecifiedIPv4 ? nil : try? SocketAddress(ipAddress: c.address, port: Int(agreed.remotePort))
        }
        apply(config, to: side, of: call, remote: remote, payloadTypes: Self.payloadTypes(agreed))
        ok.headers.add(.contentType, "application/sdp")
        ok.body = answer.sessionDescription.serializedBytes()
        send(ok)
        let asked = offer.effectiveDirection(of: section)
        watchSilence(call, side, held: !Media.MediaDirection(asked).sends)
        if asked != (call.heldDirection[side] ?? .sendrecv) {
            call.heldDirection[side] = asked
            logger.info(asked == .sendrecv ? "call resumed" : "call held", metadata: ["call": "\(call.id)", "side": "\(side)", "direction": "\(asked)"])
            reoffer(call, to: side.other, direction: asked)
        }
    }

    /// Arms a leg's session timer: our refresh (UPDATE) at half the interval, or, when the other side
    /// refreshes, the end of the call if no refresh came by the interval less min(32 s, a third).
    private func armSessionTimer(_ call: Call, _ side: LegSide, interval: Int, weRefresh: Bool) {
        call.sessionTimers[side]?.task?.cancel()
        let wait: Duration = weRefresh ? .milliseconds(interval * 500) : .seconds(interval - min(32, interval / 3))
        let callT = LoopTransfer(call)
        let loop = endpoint.loop
        let task = Task {
            try? await Task.sleep(for: wait)
            guard !Task.isCancelled else { return }
            loop.execute {
                let call = callT.value
                guard call.phase == .answered else { return }
                if weRefresh {
                    self.refreshSession(call, side, interval: interval)
                } else {
                    self.end(call, reason: "Session timer expired", status: 408, side: "gateway")
                }
            }
        }
        call.sessionTimers[side] = SessionTimer(interval: interval, weRefresh: weRefresh, task: task)
    }

    /// Our session refresh on a leg: UPDATE without a body (no new offer); a failure ends the call.
    private func refreshSession(_ call: Call, _ side: LegSide, interval: Int) {
        guard case (var r, let peer)? = request(.update, in: call, side: side) else { return }
        r.headers.add(.sessionExpires, "\(interval);refresher=\(side == .a ? "uas" : "uac")")
        r.headers.add(.supported, "timer")
        endpoint.send(r, to: peer) { [weak self, weak call] event in
            guard let self, let call else { return }
            switch event {
            case .response(let response) where response.isSuccess:
                self.armSessionTimer(call, side, interval: SessionTimer.parse(response.headers)?.interval ?? interval, weRefresh: true)
            case .response(let response) where response.isProvisional:
                break
            default:
                self.end(call, reason: "Session refresh failed", status: 408, side: "gateway")
            }
        }
    }

    /// Watches a phone leg for silence while it is meant to send, and stops while it holds.
    private func watchSilence(_ call: Call, _ side: LegSide, held: Bool) {
        guard let media = call.media, let timeout = rtpTimeout else { return }
        let mediaT = LoopTransfer(media)
        let ns = UInt64(timeout.components.seconds) * 1_000_000_000
        media.loop.execute { if mediaT.value.phone(side) != nil { mediaT.value.watchSilence(side, timeout: held ? nil : ns) } }
    }

    /// A leg's new direction (and, for a phone, address) on the media loop.
    private func apply(_ config: MediaLegConfig, to side: LegSide, of call: Call, remote: SocketAddress?, payloadTypes: Set<UInt8>?) {
        guard let media = call.media else { return }
        let mediaT = LoopTransfer(media)
        media.loop.execute {
            let media = mediaT.value
            if let payloadTypes, let phone = media.phone(side) { phone.setRemote(remote, payloadTypes: payloadTypes) }
            try? media.bridge?.reconfigure(leg: side, config: config)
        }
    }

    /// Offers `direction` to the leg on `side` (re-INVITE in its dialog), then ACKs its answer.
    private func reoffer(_ call: Call, to side: LegSide, direction: SDP.MediaDirection) {
        guard var sdp = call.sdp(side), var config = call.config(side) else { return }
        let body = sdp.offer(direction: direction).serializedBytes()
        call.setSDP(side, sdp)
        guard case (var r, let peer)? = request(.invite, in: call, side: side) else { return }
        r.headers.add(.contentType, "application/sdp")
        r.body = body
        config.direction = Media.MediaDirection(direction)
        call.setConfig(side, config)
        apply(config, to: side, of: call, remote: nil, payloadTypes: nil)
        let sequence = (try? r.headers.cseq().sequence) ?? 0
        call.reoffering.insert(side)
        endpoint.send(r, to: peer) { [weak self, weak call] event in
            guard let self, let call, case .response(let response) = event, response.isFinal else { return }
            call.reoffering.remove(side)
            if response.statusCode == 491 { return self.retryAfterGlare(call, side: side, direction: direction) }
            guard response.isSuccess else { return }
            let dialog = side == .a ? call.inbound.dialog : call.answered?.dialog
            if let ack = dialog?.makeACK(sequence: sequence, via: self.endpoint.makeVia(peer.transport)) {
                self.endpoint.sendStateless(.request(ack), to: peer)
            }
        }
    }

    /// Both sides re-offered at once (491): try again after RFC 3261 §14.1's random wait, 2.1-4 s when
    /// we chose the dialog's Call-ID (side b, which we called), 0-2 s otherwise; only if still wanted.
    private func retryAfterGlare(_ call: Call, side: LegSide, direction: SDP.MediaDirection) {
        let wait = side == .b ? Int.random(in: 2100...4000) : Int.random(in: 0...2000)
        let callT = LoopTransfer(call)
        let loop = endpoint.loop
        Task {
            try? await Task.sleep(for: .milliseconds(wait))
            loop.execute {
                let call = callT.value
                guard call.phase == .answered, (call.heldDirection[side.other] ?? .sendrecv) == direction else { return }
                self.reoffer(call, to: side, direction: direction)
            }
        }
    }

    /// A new request in the dialog of the answered leg on `side`, and where to send it.
    private func request(_ method: SIPMethod, in call: Call, side: LegSide) -> (SIPRequest, SIPPeer)? {
        if side == .a {
            guard var dialog = call.inbound.dialog else { return nil }
            let r = dialog.makeRequest(method, via: endpoint.makeVia(call.inbound.peer.transport))
            call.inbound.dialog = dialog
            return (r, call.inbound.peer)
        }
        guard let branch = call.answered, var dialog = branch.dialog else { return nil }
        let r = dialog.makeRequest(method, via: endpoint.makeVia(branch.peer.transport))
        branch.dialog = dialog
        return (r, peer(for: branch))
    }

    /// A digit for a leg whose DTMF mode is SIP INFO (`application/dtmf-relay`), in its dialog.
    private func sendInfo(_ call: Call, to side: LegSide, digit: DTMFDigit, durationMs: Int) {
        guard call.phase == .answered else { return }
        guard case (var r, let peer)? = request(.info, in: call, side: side) else { return }
        r.headers.add(.contentType, DTMFInfo.relayContentType)
        r.body = Array(DTMFInfo.relayBody(digit, durationMs: durationMs).utf8)
        endpoint.send(r, to: peer) { _ in }
    }

    // MARK: transfer

    /// Blind transfer asked by the answered SIP leg (RFC 3515): 202, then the Refer-To user is routed
    /// in the call's context and dialled as side b's new leg; the transferor hears how it went by
    /// NOTIFY (message/sipfrag) and gets BYE once the new leg answers. The browser keeps its session.
    private func refer(_ call: Call, _ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) {
        guard let branch = call.answered, let referTo = request.headers[HeaderName("Refer-To")],
              let target = try? NameAddress(referTo), let user = target.uri.sipURI?.user else {
            return transaction.respond(SIPResponse(replyingTo: request, statusCode: 400, reasonPhrase: "Bad Refer-To"))
        }
        guard let plan = dialplans.snapshot(), let step = plan.evaluate(
            call: CallFields(destination: user, caller: call.record.caller, source: .other, sourceIP: branch.peer.remote.ipAddress ?? "",
                             transport: branch.peer.transport.rawValue.lowercased()),
            context: call.record.context, at: Date()).firstBridge else {
            return transaction.respond(SIPResponse(replyingTo: request, statusCode: 403, reasonPhrase: "Transfer target not routable"))
        }
        transaction.respond(SIPResponse(replyingTo: request, statusCode: 202, reasonPhrase: "Accepted"))
        logger.info("call transferred", metadata: ["call": "\(call.id)", "to": "\(user)"])
        call.transferor = branch
        call.step = step
        call.remainingTargets = step.legs
        call.bestFailure = nil
        notify(branch, "SIP/2.0 100 Trying", final: false)
        dialNext(call)
    }

    /// The transfer target answered: it becomes side b, the transferor is told and hung up.
    private func completeTransfer(_ call: Call, to branch: OutboundBranch, _ response: SIPResponse, context: OfferContext) {
        guard let transferor = call.transferor else { return }
        call.transferor = nil
        call.answered = branch
        for other in call.branches where other !== branch { cancel(other) }
        call.branches = [branch]
        call.ringTimer?.cancel()
        connectMedia(call, from: response, context: context) {
            self.notify(transferor, "SIP/2.0 200 OK", final: true)
            self.hangUp(transferor, reason: "Transferred")
            if let id = transferor.dialog?.id { self.dialogs[self.key(id)] = nil }
        }
    }

    /// A NOTIFY of the refer subscription with the transfer's progress as a sipfrag.
    private func notify(_ branch: OutboundBranch, _ status: String, final: Bool) {
        guard var dialog = branch.dialog else { return }
        var r = dialog.makeRequest(.notify, via: endpoint.makeVia(branch.peer.transport))
        branch.dialog = dialog
        r.headers.add(HeaderName("Event"), "refer")
        r.headers.add(HeaderName("Subscription-State"), final ? "terminated;reason=noresource" : "active;expires=60")
        r.headers.add(.contentType, "message/sipfrag;version=2.0")
        r.body = Array((status + "\r\n").utf8)
        endpoint.send(r, to: peer(for: branch)) { _ in }
    }

    /// A CANCEL for a call still ringing: 200 for the CANCEL, 487 for the INVITE, CANCEL every branch.
    func cancel(_ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) {
        guard let callID = try? request.headers.callID(), let call = calls[callID], call.phase == .proceeding,
              endpoint.transactions.inviteTransaction(cancelledBy: request) != nil else {
            return transaction.respond(SIPResponse(replyingTo: request, statusCode: 481))
        }
        transaction.respond(SIPResponse(replyingTo: request, statusCode: 200))
        fail(call, code: 487, reason: "Request Terminated", side: "caller")
    }

    /// A 2xx retransmitted after its transaction ended: our ACK was lost, send it again.
    func stray(_ response: SIPResponse) {
        guard response.isSuccess, let cseq = try? response.headers.cseq(), cseq.method == .invite,
              let callID = try? response.headers.callID(), let tag = try? response.headers.from().tag,
              let (call, _) = dialogs[callID + "|" + tag], let branch = call.answered else { return }
        answeredAgain(branch, response)
    }

    /// A 2xx on a branch that already had one: the same dialog's retransmission is ACKed again;
    /// another fork that answered after the call was taken is ACKed, then hung up (§13.2.2.4).
    private func answeredAgain(_ branch: OutboundBranch, _ response: SIPResponse) {
        if (try? response.headers.to().tag) == branch.dialog?.id.remoteTag { return acknowledge(branch, response) }
        guard var fork = Dialog(uac: branch.invite, response: response, localContact: branch.localContact),
              let sequence = try? branch.invite.headers.cseq().sequence else { return }
        let peer = peer(for: branch, dialog: fork)
        endpoint.sendStateless(.request(fork.makeACK(sequence: sequence, via: endpoint.makeVia(peer.transport))), to: peer)
        endpoint.send(fork.makeRequest(.bye, via: endpoint.makeVia(peer.transport)), to: peer) { _ in }
    }

    // MARK: ending

    private func mediaFailed(_ call: Call, side: LegSide, why: String) {
        logger.warning("media failed", metadata: ["call": "\(call.id)", "side": "\(side)", "why": "\(why)"])
        fail(call, code: 480, reason: "Media failed: \(why)", side: "gateway")
    }

    private func armRingTimer(_ call: Call, _ leg: BridgeLeg) {
        let timeout = leg.timeout ?? call.step?.timeout ?? defaultRingTimeout
        call.ringTimer?.cancel()
        let callT = LoopTransfer(call)
        let loop = endpoint.loop
        call.ringTimer = Task {
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            loop.execute {
                let call = callT.value
                guard call.dialling, !call.branches.isEmpty else { return }
                for branch in call.branches { self.cancel(branch) }
                call.branches.removeAll()
                call.bestFailure = SIPResponse(statusCode: 480, reasonPhrase: "No Answer")
                self.targetFailed(call, code: nil)
            }
        }
    }

    /// `<max-duration>` counts from the answer, as billing does.
    private func armMaxDuration(_ call: Call, _ limit: Duration) {
        let callT = LoopTransfer(call)
        let loop = endpoint.loop
        call.maxDurationTimer = Task {
            try? await Task.sleep(for: limit)
            guard !Task.isCancelled else { return }
            loop.execute { self.end(callT.value, reason: "Maximum call duration", status: 200, side: "gateway") }
        }
    }

    /// Ends an answered call: BYE on each leg that did not send one, then tear-down.
    private func end(_ call: Call, reason: String, status: Int, side: String, from inbound: Bool? = nil) {
        guard call.phase != .ended else { return }
        if inbound != true, call.phase == .answered, case (var bye, let peer)? = request(.bye, in: call, side: .a) {
            bye.headers.add(.reason, "SIP;cause=\(status);text=\"\(reason.replacingOccurrences(of: "\"", with: "'"))\"")
            endpoint.send(bye, to: peer) { _ in }
        }
        if inbound != false, let branch = call.answered { hangUp(branch, reason: reason) }
        for branch in call.branches where branch !== call.answered { cancel(branch) }
        finish(call, status: status, reason: reason, side: side)
    }

    private func hangUp(_ branch: OutboundBranch, reason: String) {
        guard var dialog = branch.dialog else { return }
        var bye = dialog.makeRequest(.bye, via: endpoint.makeVia(branch.peer.transport))
        bye.headers.add(.reason, "SIP;text=\"\(reason.replacingOccurrences(of: "\"", with: "'"))\"")
        branch.dialog = dialog
        endpoint.send(bye, to: peer(for: branch)) { _ in }
    }

    /// Forgets the call, frees its media and writes its record.
    private func finish(_ call: Call, status: Int, reason: String, side: String) {
        call.phase = .ended
        call.ringTimer?.cancel()
        call.maxDurationTimer?.cancel()
        for timer in call.sessionTimers.values { timer.task?.cancel() }
        calls[call.id] = nil
        if let id = call.inbound.dialog?.id { dialogs[key(id)] = nil }
        for branch in call.branches + [call.answered].compactMap({ $0 }) {
            if let id = branch.dialog?.id { dialogs[key(id)] = nil }
        }
        call.record.end = Date()
        call.record.status = status
        call.record.reason = reason
        call.record.hangupSide = side
        logger.info("call ended", metadata: ["call": "\(call.id)", "status": "\(status)", "reason": "\(reason)", "side": "\(side)"])
        let recordT = LoopTransfer(call.record)
        let cdr = cdr
        guard let media = call.media else {
            cdr?.write(recordT.value)
            return
        }
        let mediaT = LoopTransfer(media)
        let id = UUID()
        tasks[id] = Task {
            let media = mediaT.value
            var record = recordT.value
            if let stats = try? await media.loop.submit({ () -> LoopTransfer<(MediaLegStatistics?, MediaLegStatistics?)> in
                LoopTransfer((media.bridge?.statistics(for: .a), media.bridge?.statistics(for: .b)))
            }).get().value {
                if let a = stats.0 { record.legA.take(a) }
                if let b = stats.1 { record.legB?.take(b) }
            }
            await media.close()
            cdr?.write(record)
            self.endpoint.loop.execute { self.tasks[id] = nil }
        }
    }

    /// Ends every call and waits for work in flight; run before the event loops shut down.
    func shutdown() async {
        for _ in 0..<3 {
            let pending = try? await endpoint.loop.submit { () -> LoopTransfer<[Task<Void, Never>]> in
                for call in Array(self.calls.values) { self.fail(call, code: 503, reason: "Shutting down", side: "gateway") }
                return LoopTransfer(Array(self.tasks.values))
            }.get()
            guard let tasks = pending?.value, !tasks.isEmpty else { break }
            for task in tasks { await task.value }
        }
        cdr?.flush()
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
