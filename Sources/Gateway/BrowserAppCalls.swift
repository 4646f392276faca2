import Dialplan
import Foundation
import Logging
import Media
import NIOCore
import SDP
import SIP
import SIPStack
import WebRTC

/// Calls from browsers that the dialplan answers with a built-in media app (`echo`, `tone`): the
/// first slice of the B2BUA. INVITE is authenticated (407 digest, the registrar's users and tokens),
/// routed, answered with our WebRTC SDP and a media leg running the app; BYE and CANCEL end it.
/// Bridging to other parties is the gateway issue's next step: such plans get 480 for now.
/// Signalling runs on the SIP endpoint's loop (all mutable state is touched there only); each call's
/// media on a loop of its own.
final class BrowserAppCalls: @unchecked Sendable {
    struct Call {
        let media: CallMedia
        let port: Int
    }

    let endpoint: SIPEndpoint
    let credentials: RegistrationCredentials
    let dialplans: DialplanStore
    let dtls: DTLSContext
    let ports: MediaPortAllocator
    let mediaLoops: EventLoopGroup
    let advertise: [String]
    let bindHost: String
    let logger: Logger
    private var digest: DigestServer
    private var calls: [String: Call] = [:]
    /// Call set-ups in flight, so shutting down waits for them instead of pulling the loops away.
    private var setups: [UUID: Task<Void, Never>] = [:]

    init(endpoint: SIPEndpoint, credentials: RegistrationCredentials, dialplans: DialplanStore, dtls: DTLSContext,
         ports: MediaPortAllocator, mediaLoops: EventLoopGroup, advertise: [String], bindHost: String, logger: Logger) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.dialplans = dialplans
        self.dtls = dtls
        self.ports = ports
        self.mediaLoops = mediaLoops
        self.advertise = advertise
        self.bindHost = bindHost
        self.logger = logger
        var secret = [UInt8](repeating: 0, count: 32)
        for i in secret.indices { secret[i] = UInt8.random(in: 0...255) }
        digest = DigestServer(realm: credentials.realm, secret: secret, algorithms: [.md5])
    }

    func invite(_ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) {
        let toTag = SIPEndpoint.randomToken(10)
        func reply(_ code: Int, _ reason: String? = nil, _ edit: (inout SIPResponse) -> Void = { _ in }) {
            var r = SIPResponse(replyingTo: request, statusCode: code, reasonPhrase: reason, toTag: toTag)
            edit(&r)
            transaction.respond(r)
        }
        var user: String?
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
        guard let caller = user, let callID = try? request.headers.callID() else { return reply(400) }
        guard let offer = try? SessionDescription(parsing: request.body), let remote = offer.media.first else {
            return reply(488, "An SDP offer is required")
        }
        guard let plan = dialplans.snapshot() else { return reply(503, "No dialplan") }
        let destination = request.uri.sipURI?.user ?? ""
        let routing = plan.evaluate(call: CallFields(destination: destination, caller: caller, source: .user(caller),
                                                     sourceIP: transaction.peer.remote.ipAddress ?? "",
                                                     transport: transaction.peer.transport.rawValue.lowercased()),
                                    context: "from-browser", at: Date())
        var app: MediaApp?
        for step in routing.plan {
            switch step {
            case .echo: app = .echo
            case .tone(let tone):
                let durationMs = tone.duration.map { Int($0.components.seconds * 1000) }
                app = .source(ToneSource(frequencies: (tone.frequencies.first ?? 425, tone.frequencies.dropFirst().first),
                                         onMilliseconds: tone.onMilliseconds, offMilliseconds: tone.offMilliseconds,
                                         durationMilliseconds: durationMs))
            case .reject(let code, let reason), .hangup(let code?, let reason):
                if app == nil { return reply(code, reason) }
            case .bridge:
                if app == nil { return reply(480, "Bridging is not in this version yet") }
            default: break
            }
            if app != nil { break }
        }
        guard let app else { return reply(404) }
        logger.info("call answered by app", metadata: ["call": "\(callID)", "from": "\(caller)", "to": "\(destination)"])

        let ice = ICELiteAgent(remoteUfrag: offer.iceUsernameFragment(for: remote))
        let loop = mediaLoops.next()
        let transfer = LoopTransfer(ice)
        let requestT = LoopTransfer(request), transactionT = LoopTransfer(transaction)
        let id = UUID()
        setups[id] = Task {
            defer { self.endpoint.loop.execute { self.setups[id] = nil } }
            let failed = { (error: Error) in
                self.logger.warning("call set-up failed: \(error)", metadata: ["call": "\(callID)"])
                self.endpoint.loop.execute {
                    transactionT.value.respond(SIPResponse(replyingTo: requestT.value, statusCode: 500, reasonPhrase: "Media set-up failed",
                                                           toTag: toTag))
                }
            }
            let port: Int, media: CallMedia
            do {
                (port, media) = try await ports.bind { port in
                    try await CallMedia.make(loop: loop, host: self.bindHost, browserPort: port, ice: transfer.value,
                                             logger: self.logger, phone: nil, onWebRTCEvent: { _ in })
                }
            } catch {
                return failed(error)
            }
            do {
                try await self.answer(requestT.value, transactionT.value, offer: offer, media: media, port: port, app: app,
                                      ice: transfer.value, toTag: toTag)
            } catch {
                await media.close()
                self.ports.release(port)
                failed(error)
            }
        }
    }

    private func answer(_ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>, offer: SessionDescription,
                        media: CallMedia, port: Int, app: MediaApp, ice: ICELiteAgent, toTag: String) async throws {
        guard let remote = offer.media.first, let fingerprint = offer.fingerprint(for: remote) else { throw MediaError.codec("no fingerprint") }
        let template = WebRTCSessionTemplate(ufrag: ice.localUfrag, password: ice.localPassword, fingerprint: dtls.identity.fingerprint,
                                             candidateAddresses: advertise, port: UInt16(port))
        let answer = template.answer(offer)
        guard let agreed = answer.accepted(),
              let config = MediaLegConfig(agreed: agreed, ssrc: template.ssrc, cname: template.cname, isBrowser: true) else {
            await media.close()
            ports.release(port)
            endpoint.loop.execute { transaction.respond(SIPResponse(replyingTo: request, statusCode: 488, toTag: toTag)) }
            return
        }
        let endpointDTLS = try DTLSEndpoint(context: dtls, role: WebRTCSessionTemplate.dtlsRole(remoteSetup: offer.setupRole(for: remote)),
                                            expectedFingerprint: CertificateFingerprint(bytes: fingerprint.bytes))
        let transfer = LoopTransfer(endpointDTLS)
        try await media.loop.submit {
            media.browser.setDTLS(transfer.value)
            try media.start(browserConfig: config, other: config, app: app)
        }.get()
        let callID = (try? request.headers.callID()) ?? ""
        let body = answer.sessionDescription.serializedBytes()
        endpoint.loop.execute {
            self.calls[callID] = Call(media: media, port: port)
            var ok = SIPResponse(replyingTo: request, statusCode: 200, toTag: toTag)
            let (host, sipPort) = self.endpoint.sentBy[transaction.peer.transport] ?? ("127.0.0.1", 0)
            ok.headers.add(.contact, "<sip:tandem@\(host.contains(":") ? "[\(host)]" : host):\(sipPort);transport=\(transaction.peer.transport.rawValue.lowercased())>")
            ok.headers.add(.contentType, "application/sdp")
            ok.headers.add(.allow, SignallingCore.allow)
            ok.body = body
            self.endpoint.sendSuccess(ok, through: transaction) { [weak self] in self?.end(callID, reason: "no ACK") }
        }
    }

    /// Ends every call and waits for set-ups in flight; run before the event loops shut down.
    func shutdown() async {
        // Set-ups first: one finishing now adds a call, which the second step then ends.
        let setups = try? await endpoint.loop.submit { LoopTransfer(Array(self.setups.values)) }.get()
        for task in setups?.value ?? [] { await task.value }
        let calls = try? await endpoint.loop.submit { () -> LoopTransfer<[Call]> in
            defer { self.calls.removeAll() }
            return LoopTransfer(Array(self.calls.values))
        }.get()
        for call in calls?.value ?? [] {
            await call.media.close()
            ports.release(call.port)
        }
    }

    func bye(_ request: SIPRequest, _ transaction: ServerTransactionHandle<SIPPeer>) {
        let callID = (try? request.headers.callID()) ?? ""
        guard calls[callID] != nil else {
            return transaction.respond(SIPResponse(replyingTo: request, statusCode: 481))
        }
        transaction.respond(SIPResponse(replyingTo: request, statusCode: 200))
        end(callID, reason: "BYE")
    }

    private func end(_ callID: String, reason: String) {
        guard let call = calls.removeValue(forKey: callID) else { return }
        logger.info("call ended", metadata: ["call": "\(callID)", "reason": "\(reason)"])
        let ports = ports
        Task {
            await call.media.close()
            ports.release(call.port)
        }
    }
}
