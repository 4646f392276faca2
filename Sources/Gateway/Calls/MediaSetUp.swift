import CallState
import Dialplan
import Foundation
import Media
import MediaTransport
import NIOCore
import SDP
import SIP
import SIPStack
import WebRTC

/// A call's media from the SIP loop: binding side a and agreeing its SDP, connecting side b to the
/// callee's answer, and passing later changes (direction, address, silence watch) to the media loop.
struct MediaSetUp: CallPart {
    let controller: CallController

    /// Binds side a, settles our SDP for the caller, then answers with the app or starts dialling.
    func inbound(_ call: Call, codecs: [String], narrowband: Bool, app: MediaApp?) async throws {
        let inbound = call.inbound
        let loop = services.mediaLoops.next()
        let callT = LoopTransfer(call), weakCall = WeakTransfer(call)
        let controller = controller
        let events: (LegSide, WebRTCEvent) -> Void = { side, event in
            guard case .failed(let why) = event else { return }
            controller.services.onSIPLoop { weakCall.value.map { controller.mediaFailed($0, side: side, why: why) } }
        }
        // Side a's config is known once its SDP is settled: now for an offer, at the ACK for a delayed offer.
        let media: CallMedia, body: [UInt8], config: MediaLegConfig?, sdp: LegSDP
        func refuse() async {
            await media.close()
            endpoint.loop.execute { self.fail(callT.value, code: 488, reason: "No common codec", side: "gateway") }
        }
        if let offer = inbound.offer, inbound.isBrowser {
            guard let remote = offer.media.first(where: { $0.media == "audio" }) else { throw MediaError.codec("no audio") }
            // The caller has our answer at once: it must connect within the consent timeout.
            let consent = services.settings.consentTimeoutSeconds
            let ice = ICELiteAgent(remoteUfrag: offer.iceUsernameFragment(for: remote), consentTimeoutSeconds: consent,
                                   firstCheckTimeoutSeconds: consent)
            media = try await CallMedia.make(loop: loop, host: services.bindHost, ports: services.ports, logger: logger, a: .browser(ice: ice),
                                             onWebRTCEvent: events)
            let template = WebRTCSessionTemplate(ufrag: ice.localUfrag, password: ice.localPassword, fingerprint: services.dtls.identity.fingerprint,
                                                 candidateAddresses: services.advertise, port: UInt16(media.port(.a) ?? 0))
            sdp = .browser(template, narrowband: narrowband)
            guard case .success(let agreement) = LegAgreement.answering(browser: offer, with: template, narrowband: narrowband,
                                                                                   dtmf: call.callerDTMF),
                  let keys = agreement.dtls else { return await refuse() }
            (config, body) = (agreement.config, agreement.answer ?? [])
            let dtlsT = LoopTransfer(try DTLSEndpoint(context: services.dtls, role: keys.role, expectedFingerprint: keys.fingerprint))
            try await loop.submit { media.browser(.a)?.setDTLS(dtlsT.value) }.get()
        } else if let offer = inbound.offer {
            // Where the phone's media goes is set from the agreement below, before anything is sent.
            media = try await CallMedia.make(loop: loop, host: services.bindHost, ports: services.ports, logger: logger,
                                             a: .phone(remote: nil, payloadTypes: []), onWebRTCEvent: events)
            let template = RTPSessionTemplate(address: services.rtpAddress, port: UInt16(media.port(.a) ?? 0), codecs: codecs)
            sdp = .phone(template)
            guard case .success(let agreement) = LegAgreement.answering(phone: offer, with: template, dtmf: call.callerDTMF) else {
                return await refuse()
            }
            (config, body) = (agreement.config, agreement.answer ?? [])
            let remoteAddress = agreement.remote, types = agreement.payloadTypes
            try await loop.submit { media.phone(.a)?.setRemote(remoteAddress, payloadTypes: types) }.get()
        } else {
            media = try await CallMedia.make(loop: loop, host: services.bindHost, ports: services.ports, logger: logger,
                                             a: .phone(remote: nil, payloadTypes: []), onWebRTCEvent: events)
            let template = RTPSessionTemplate(address: services.rtpAddress, port: UInt16(media.port(.a) ?? 0), codecs: codecs)
            (sdp, config, body) = (.phone(template), nil, template.offer().serializedBytes())
        }
        let mediaT = LoopTransfer(media), sdpT = LoopTransfer(sdp)
        try await loop.submit {
            mediaT.value.onEvent = { event in
                switch event {
                case .sendInfo(let side, let digit, let ms):
                    controller.services.onSIPLoop { weakCall.value.map { controller.dialogRequests.sendInfo($0, to: side, digit: digit, durationMs: ms) } }
                case .digitReceived(from: .b, let digit, let ms, _):
                    // An HTTP caller's page hears the far end's digits as events too (an IVR's prompts, a test).
                    controller.services.onSIPLoop {
                        weakCall.value?.inbound.http?.emit("dtmf", ["digit": digit.description, "durationMs": ms])
                    }
                default: break
                }
            }
            mediaT.value.onSilence = { side in
                controller.services.onSIPLoop {
                    guard let call = weakCall.value else { return }
                    let seconds = controller.services.settings.rtpTimeout?.components.seconds ?? 0
                    controller.services.logger.warning("no RTP from the phone", metadata: ["call": "\(call.id)", "side": "\(side)"])
                    controller.fail(call, code: 408, reason: "No RTP for \(seconds) s", side: "gateway")
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
            if let offer = call.inbound.offer, call.inbound.isBrowser, let audio = offer.media.first(where: { $0.media == "audio" }) {
                call.remoteUfrag[.a] = offer.iceUsernameFragment(for: audio)
            }
            call.inbound.http?.created(answer: body)
            call.record.legA.codec = config?.codec.encodingName
            if config == nil { call.pendingApp = appT.value }
            if isApp {
                call.machine.answeredLocally()
                self.controller.caller.answer(call)
            } else if let step = call.step {
                self.perform(call.machine.routed(DialPlan(step)), on: call)
            }
        }
    }

    /// Reads the callee's SDP (18x or 2xx), configures side b and starts the bridge, then `then`.
    func connect(_ call: Call, from response: SIPResponse, context: OfferContext, then: @escaping () -> Void) {
        guard !response.body.isEmpty else {
            // A 2xx without SDP after early media already set things up.
            if call.mediaConnected || call.answered == nil { return then() }
            return fail(call, code: 488, reason: "No SDP in answer", side: "callee")
        }
        guard let sdp = try? SessionDescription(parsing: response.body), let media = call.media else {
            return fail(call, code: 488, reason: "Unusable SDP answer", side: "callee")
        }
        let mediaT = LoopTransfer(media), callT = LoopTransfer(call), thenT = LoopTransfer(then)
        let result: Result<LegAgreement, LegAgreement.Failure>
        switch context {
        case .browser(let template, _, _, let dtmf): result = LegAgreement.answered(browser: sdp, to: template, dtmf: dtmf)
        case .phone(_, _, let dtmf): result = LegAgreement.answered(phone: sdp, dtmf: dtmf)
        }
        let agreement: LegAgreement
        switch result {
        case .success(let a): agreement = a
        case .failure(let failure): return fail(call, code: 488, reason: failure.description, side: "callee")
        }
        var dtlsEndpoint: DTLSEndpoint?
        if case .browser(_, let ice, _, _) = context, let keys = agreement.dtls {
            guard let endpoint = try? DTLSEndpoint(context: services.dtls, role: keys.role, expectedFingerprint: keys.fingerprint) else {
                return fail(call, code: 500, reason: "DTLS set-up failed", side: "gateway")
            }
            dtlsEndpoint = endpoint
            ice.setRemoteUfrag(agreement.remoteUfrag)
            call.remoteUfrag[.b] = agreement.remoteUfrag
        }
        let configB = agreement.config
        let kind = agreement.dtls != nil ? "webrtc" : "rtp"
        if call.record.legB?.kind != kind { call.record.legB = CallRecord.Leg(kind: kind) }
        call.record.legB?.codec = configB.codec.encodingName
        call.configB = configB
        call.sdpB = context.sdp
        if let branch = call.outbound.values.first(where: { $0.dialog.map { d in (try? response.headers.to().tag) == d.id.remoteTag } ?? false }) {
            call.record.target = branch.target.description
        }
        let remote = agreement.remote, types = agreement.payloadTypes
        let dtlsT = LoopTransfer(dtlsEndpoint)
        // Side a's config is nil while a delayed offer waits for the caller's ACK: the bridge starts then.
        let configA = call.configA
        let port = context.port, answered = response.isSuccess
        // Each far end (a dialog of one branch) gets its own stream; its early media and answer share one.
        let farEnd = "\((try? response.headers.topVia().branch) ?? "")|\((try? response.headers.to().tag) ?? "")"
        let freshStream = call.farEnd != nil && call.farEnd != farEnd
        call.farEnd = farEnd
        media.loop.execute {
            let media = mediaT.value
            media.select(b: port)
            if answered { media.dropStandby() }
            do {
                if let phone = media.phone(.b) {
                    phone.setRemote(remote, payloadTypes: types, newFarEnd: freshStream)
                } else if let dtls = dtlsT.value {
                    media.browser(.b)?.setDTLS(dtls)
                }
                if media.bridge != nil {
                    try media.connect(b: configB, freshStream: freshStream)
                } else if let configA {
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

    /// The caller's ACK answered our offer (its INVITE had none): side a's media starts now, with the
    /// app or the answered callee.
    func startDelayedOffer(_ call: Call, config: MediaLegConfig, agreed: AcceptedMedia) {
        call.configA = config
        call.record.legA.codec = config.codec.encodingName
        guard let media = call.media else { return }
        let remote = LegAgreement.remoteAddress(agreed), types = LegAgreement.payloadTypes(agreed)
        let mediaT = LoopTransfer(media), callT = LoopTransfer(call), appT = LoopTransfer(call.pendingApp), configB = call.configB
        call.pendingApp = nil
        media.loop.execute {
            let media = mediaT.value
            media.phone(.a)?.setRemote(remote, payloadTypes: types)
            do {
                if let app = appT.value {
                    try media.start(a: config, b: nil, app: app)
                } else if let configB {
                    try media.start(a: config, b: configB)
                }
            } catch {
                self.endpoint.loop.execute { self.fail(callT.value, code: 500, reason: "Media: \(error)", side: "gateway") }
            }
        }
    }

    /// Watches a phone leg for silence while it is meant to send, and stops while it holds.
    func watchSilence(_ call: Call, _ side: LegSide, held: Bool) {
        guard let media = call.media, let timeout = services.settings.rtpTimeout else { return }
        let mediaT = LoopTransfer(media)
        let ns = UInt64(timeout.components.seconds) * 1_000_000_000
        media.loop.execute { if mediaT.value.phone(side) != nil { mediaT.value.watchSilence(side, timeout: held ? nil : ns) } }
    }

    /// A leg's new direction (and, for a phone, address) on the media loop.
    func apply(_ config: MediaLegConfig, to side: LegSide, of call: Call, remote: SocketAddress?, payloadTypes: Set<UInt8>?,
               newFarEnd: Bool = false) {
        guard let media = call.media else { return }
        let mediaT = LoopTransfer(media)
        media.loop.execute {
            let media = mediaT.value
            if let payloadTypes, let phone = media.phone(side) { phone.setRemote(remote, payloadTypes: payloadTypes, newFarEnd: newFarEnd) }
            try? media.bridge?.reconfigure(leg: side, config: config)
        }
    }

}
