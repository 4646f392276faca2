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

/// Dialling the plan's targets and reading what the outbound branches answer.
struct Dialler: CallPart {
    let controller: CallController

    /// Rings the bridge's targets the machine chose (one, or all of a parallel bridge): browsers and
    /// SIP targets together ring on two side-b sockets, and the one whose target answers stays.
    func dial(_ call: Call, _ legs: [BridgeLeg]) {
        guard let step = call.step, !legs.isEmpty else { return }
        call.record.target = legs[0].target.description
        let timing = BridgeLeg(target: legs[0].target, timeout: legs.count > 1 ? step.timeout : legs[0].timeout)
        let users = legs.flatMap { leg -> [String] in
            switch leg.target {
            case .user(let user): [user]
            case .users(_, let members): members
            default: []
            }
        }
        // Each binding of a user gets the offer its kind takes: WebRTC to a browser, plain RTP to a
        // SIP phone (dialled beside the trunks, over the flow it registered on).
        let bindings = users.flatMap { user in services.registrar.lookup(user).map { (user, $0) } }
        let browsers = bindings.filter { $0.1.isWebSocketClient }
        let destinations = sipDestinations(legs, step) + bindings.filter { !$0.1.isWebSocketClient }.map { user, binding in
            SIPDestination(uri: binding.contact.uri.description, transport: binding.peer.transport, trunk: nil,
                           codecs: step.media.codecs ?? CallAdmission.uriCodecs, target: .user(user), flow: binding.peer)
        }
        let kinds = (browsers.isEmpty ? 0 : 1) + (destinations.isEmpty ? 0 : 1)
        guard kinds > 0 else {
            call.machine.dialling(kinds: 1)
            let failure = users.isEmpty ? Outcome(404, "No such target") : Outcome(480, "User Not Registered")
            return perform(call.machine.dialSettled(failure: failure), on: call)
        }
        call.machine.dialling(kinds: kinds)
        // Every kind's socket is bound before any INVITE leaves, so a parallel bridge rings all its
        // targets at once: a browser answering at once cannot beat the phone's INVITE out.
        let callT = LoopTransfer(call), browsersT = LoopTransfer(browsers), destinationsT = LoopTransfer(destinations)
        controller.run(call) {
            var ringing: [Ringing] = []
            if !browsers.isEmpty { ringing.append(try await self.bindForBrowsers(callT.value, browsersT.value, timing)) }
            if !destinations.isEmpty {
                ringing.append(try await self.bindForSIP(callT.value, destinationsT.value, timing, keepingOthers: !browsers.isEmpty))
            }
            let ringingT = LoopTransfer(ringing)
            self.endpoint.loop.execute { for ring in ringingT.value { ring() } }
        }
    }

    /// How digits go toward a target's leg: the route's `<media dtmf>`, else the trunk's or the
    /// user's `dtmf`, else `auto`.
    func dtmfMode(toward target: BridgeTarget, step: BridgeStep?) -> DTMFMode {
        let fallback: GatewayConfig.Trunk.DTMFMode?
        switch target {
        case .trunk(let name, _): fallback = services.trunks.first { $0.name == name }?.dtmf
        case .user(let user): fallback = services.users[user]?.dtmf
        case .users, .uri: fallback = nil
        }
        return CallAdmission.dtmfMode(policy: step?.media, fallback: fallback)
    }

    /// Sends one kind of target's INVITEs (or settles its failure), on the SIP loop.
    typealias Ringing = () -> Void

    /// The SIP targets among `legs`, resolved against the trunks.
    func sipDestinations(_ legs: [BridgeLeg], _ step: BridgeStep) -> [SIPDestination] {
        var destinations: [SIPDestination] = []
        for leg in legs {
            switch leg.target {
            case .trunk(let name, let user):
                guard let trunk = services.trunks.first(where: { $0.name == name }) else { continue }
                destinations.append(SIPDestination(uri: "sip:\(user)@\(trunk.address)", transport: SIPTransportKind(trunk.transport),
                                                   trunk: trunk, codecs: step.media.codecs ?? trunk.codecs, target: leg.target))
            case .uri(let text):
                let transport = (try? SIPURI(text))?.transport.flatMap { SIPTransportKind(rawValue: $0.uppercased()) } ?? .udp
                destinations.append(SIPDestination(uri: text, transport: transport, trunk: nil, codecs: step.media.codecs ?? CallAdmission.uriCodecs,
                                                   target: leg.target))
            default: break
            }
        }
        return destinations
    }

    /// One kind of target has its INVITEs out, or could send none (`failure`).
    func dialSettled(_ call: Call, failure: Outcome? = nil) {
        perform(call.machine.dialSettled(failure: failure), on: call)
    }

    /// Every browser binding of the users gets the same WebRTC offer over its own flow, from side b's
    /// browser socket bound here.
    func bindForBrowsers(_ call: Call, _ bindings: [(String, Binding)], _ leg: BridgeLeg) async throws -> Ringing {
        let ice = ICELiteAgent(consentTimeoutSeconds: services.settings.consentTimeoutSeconds)
        let callT = LoopTransfer(call)
        let (media, narrowband) = try await endpoint.loop.submit {
            LoopTransfer((callT.value.media, callT.value.configA.map { $0.codec == .pcmu || $0.codec == .pcma } ?? false))
        }.get().value
        guard let media else { return {} }
        let port = try await media.bind(b: .browser(ice: ice))
        let template = WebRTCSessionTemplate(ufrag: ice.localUfrag, password: ice.localPassword, fingerprint: services.dtls.identity.fingerprint,
                                             candidateAddresses: services.advertise, port: UInt16(port ?? 0))
        let body = template.offer(narrowband: narrowband).serializedBytes()
        return {
            guard call.machine.isDialling else { return }
            call.record.legB = CallRecord.Leg(kind: "webrtc")
            for (user, binding) in bindings {
                self.sendInvite(call, to: binding.contact.uri, peer: binding.peer, target: .user(user), isBrowser: true, body: body,
                                context: .browser(template: template, ice: ice, narrowband: narrowband,
                                                  dtmf: self.dtmfMode(toward: .user(user), step: call.step)))
            }
            controller.timers.armRingTimer(call, leg)
            self.dialSettled(call)
        }
    }

    /// INVITEs with a plain-RTP offer to each destination, all on one RTP socket for side b bound here
    /// (beside a browser target's, with `keepingOthers`).
    func bindForSIP(_ call: Call, _ destinations: [SIPDestination], _ leg: BridgeLeg, keepingOthers: Bool) async throws -> Ringing {
        let reachable = await self.reachable(destinations)
        guard !reachable.isEmpty else { return { self.dialSettled(call, failure: Outcome(503, "Unreachable")) } }
        let callT = LoopTransfer(call)
        guard let media = try await endpoint.loop.submit({ callT.value.media.map(LoopTransfer.init) }).get()?.value else { return {} }
        let port = UInt16(try await media.bind(b: .phone(remote: nil, payloadTypes: []), keepingOthers: keepingOthers) ?? 0)
        return {
            guard call.machine.isDialling else { return }
            call.record.legB = CallRecord.Leg(kind: "rtp")
            for (destination, uri, peer) in reachable {
                let template = RTPSessionTemplate(address: services.rtpAddress, port: port, codecs: destination.codecs)
                self.sendInvite(call, to: uri, peer: peer, target: destination.target, isBrowser: false,
                                body: template.offer().serializedBytes(),
                                context: .phone(trunk: destination.trunk, template: template,
                                                dtmf: self.dtmfMode(toward: destination.target, step: call.step)))
            }
            controller.timers.armRingTimer(call, leg)
            self.dialSettled(call)
        }
    }

    /// The destinations with a flow to send to (resolved, connected for TCP and TLS; a registered
    /// phone's own flow), off the loop.
    func reachable(_ destinations: [SIPDestination]) async -> [(SIPDestination, URI, SIPPeer)] {
        var reachable: [(SIPDestination, URI, SIPPeer)] = []
        for destination in destinations {
            guard let uri = try? URI(destination.uri), let sip = uri.sipURI else { continue }
            if let flow = destination.flow {
                reachable.append((destination, uri, flow))
                continue
            }
            let port = Int(sip.port ?? (destination.transport == .tls ? 5061 : 5060))
            if let peer = try? await endpoint.peer(host: sip.host.unbracketed, port: port, transport: destination.transport) {
                reachable.append((destination, uri, peer))
            }
        }
        return reachable
    }

    /// An INVITE for a target of the call's bridge, or with `replacingCaller` for a target of the
    /// caller's own transfer.
    func sendInvite(_ call: Call, to uri: URI, peer: SIPPeer, target: BridgeTarget, isBrowser: Bool, body: [UInt8],
                    context: OfferContext, replacingCaller: Bool = false) {
        let inviteFrom = try? call.inbound.invite.headers.from()
        let callerUser = call.record.caller
        var fromURI = SIPURI(user: callerUser.isEmpty ? "anonymous" : callerUser, host: services.registrar.credentials.realm)
        var trunk: GatewayConfig.Trunk?
        if case .phone(let t?, _, _) = context { trunk = t }
        if let trunk { fromURI.host = trunk.host }
        // The route's caller ID, else the trunk's, else the caller's own.
        let name = call.step?.callerID?.name ?? trunk?.callerIDName ?? inviteFrom?.displayName
        if let number = call.step?.callerID?.number ?? trunk?.callerIDNumber { fromURI.user = number }
        var from = NameAddress(displayName: name, uri: fromURI)
        from.tag = SIPEndpoint.randomToken(10)
        let to = NameAddress(uri: uri.sipURI.map { SIPURI(user: $0.user, host: $0.host, port: $0.port) } ?? fromURI)
        let localContact = services.contact(for: peer.transport)
        let offer = RequestBuilder.Offer(body: body, sessionTimer: (services.settings.sessionExpires, controller.minSE),
                                         assertedIdentity: trunk?.assertIdentity == true ? NameAddress(displayName: name, uri: fromURI) : nil)
        var r = services.requests.invite(uri, from: from, to: to, callID: SIPEndpoint.randomToken(24), via: endpoint.makeVia(peer.transport),
                                contact: localContact, offer: offer)
        for edit in call.step?.headers ?? [] {
            switch edit {
            case .add(let n, let v): r.headers.add(HeaderName(n), v)
            case .set(let n, let v): r.headers.set(HeaderName(n), v)
            case .remove(let n): r.headers.remove(HeaderName(n))
            }
        }
        let branch = OutboundBranch(id: call.newBranchID(), invite: r, peer: peer, target: target, isBrowser: isBrowser,
                                    localContact: localContact)
        branch.replacesCaller = replacingCaller
        call.outbound[branch.id] = branch
        call.machine.branchStarted(branch.id)
        start(branch, of: call, context: context)
    }

    func start(_ branch: OutboundBranch, of call: Call, context: OfferContext) {
        let contextT = LoopTransfer(context)
        endpoint.send(branch.invite, to: branch.peer) { [weak call, weak branch] event in
            guard let call, let branch else { return }
            switch event {
            case .response(let response): self.received(response, on: branch, of: call, context: contextT.value)
            case .timeout: self.branchFailed(branch, of: call, Outcome(408, "Request Timeout"))
            }
        }
    }

    // MARK: responses on the outbound leg

    func received(_ response: SIPResponse, on branch: OutboundBranch, of call: Call, context: OfferContext) {
        if response.statusCode == 100 { return }
        let cause = Cause(response: response, context: context)
        if response.isSuccess || response.isProvisional {
            if let tag = try? response.headers.to().tag, branch.dialog?.id.remoteTag != tag, !branch.final {
                // A first response, or one from another fork behind a proxy (another To tag): its own
                // dialog. The fork that answers is the one the call keeps.
                branch.dialog = Dialog(uac: branch.invite, response: response, localContact: branch.localContact)
                if let id = branch.dialog?.id { table.add(id, call, inbound: false) }
            } else if !branch.final {
                branch.dialog?.update(with: response)
            }
        }
        if response.isSuccess {
            branch.final = true
            let tag = (try? response.headers.to().tag) ?? ""
            if branch.replacesCaller, call.machine.isRinging(branch.id), controller.transfers.sideAConfig(call, response, context) == nil {
                acknowledge(branch, response)
                controller.dialogRequests.bye(.branch(branch), status: 488, reason: "Unusable SDP answer")
                return perform(call.machine.failed(branch.id, Outcome(488, "Not Acceptable Here")), on: call)
            }
            return perform(call.machine.answered(branch.id, toTag: tag), on: call, cause)
        }
        if response.isProvisional {
            return perform(call.machine.provisional(branch.id, hasSDP: !response.body.isEmpty && !branch.replacesCaller), on: call, cause)
        }
        let ringing = call.machine.isRinging(branch.id)
        // A final failure. 401/407 from a trunk: answer the challenge once.
        if (response.statusCode == 401 || response.statusCode == 407), !branch.authorized, case .phone(let trunk?, _, _) = context,
           let username = trunk.username, let password = trunk.password, ringing, !branch.cancelled {
            var digest = DigestClient(username: username, password: password)
            if retry(branch, of: call, context: context, { digest.authorize(&$0, for: response) }) {
                branch.authorized = true
                return
            }
        }
        // 422: the callee wants a longer session interval (RFC 4028 §8.1); ask again once with its Min-SE.
        if response.statusCode == 422, !branch.intervalRaised, ringing, !branch.cancelled,
           let minSE = (try? response.headers.minSE()) ?? nil,
           minSE > services.settings.sessionExpires, minSE <= 86_400 {
            branch.intervalRaised = true
            if retry(branch, of: call, context: context, { request in
                request.headers.setSessionExpires(SessionExpires(interval: minSE))
                request.headers.setMinSE(minSE)
                return true
            }) { return }
        }
        branchFailed(branch, of: call, Outcome(response.statusCode, response.reasonPhrase))
    }

    /// Sends the branch's INVITE again, edited (a new transaction: fresh Via branch, next CSeq);
    /// false when `edit` declines.
    func retry(_ branch: OutboundBranch, of call: Call, context: OfferContext, _ edit: (inout SIPRequest) -> Bool) -> Bool {
        var request = branch.invite
        request.headers.setTopVia(endpoint.makeVia(branch.peer.transport))
        request.headers.set(.cseq, CSeq(((try? branch.invite.headers.cseq().sequence) ?? 1) + 1, .invite).description)
        guard edit(&request) else { return false }
        branch.invite = request
        start(branch, of: call, context: context)
        return true
    }

    func branchFailed(_ branch: OutboundBranch, of call: Call, _ failure: Outcome) {
        branch.final = true
        table.remove(branch.dialog?.id)
        perform(call.machine.failed(branch.id, failure), on: call)
    }

    func acknowledge(_ branch: OutboundBranch, _ response: SIPResponse) {
        guard var dialog = branch.dialog, let cseq = try? branch.invite.headers.cseq() else { return }
        dialog.update(with: response)
        branch.dialog = dialog
        endpoint.sendStateless(.request(dialog.makeACK(sequence: cseq.sequence, via: endpoint.makeVia(branch.peer.transport))),
                               to: services.peer(for: branch))
    }

    func cancel(_ branch: OutboundBranch) {
        guard !branch.final, !branch.cancelled else { return }
        branch.cancelled = true
        endpoint.send(services.requests.cancel(branch.invite), to: branch.peer) { _ in }
    }

    /// A 2xx retransmitted after its transaction ended: our ACK was lost, send it again.
    func stray(_ response: SIPResponse) {
        guard response.isSuccess, let cseq = try? response.headers.cseq(), cseq.method == .invite,
              let callID = try? response.headers.callID(), let tag = try? response.headers.from().tag,
              let (call, inbound) = table.leg(callID: callID, localTag: tag), let branch = inbound ? call.aLeg : call.answered else { return }
        if (try? response.headers.to().tag) == branch.dialog?.id.remoteTag { return acknowledge(branch, response) }
        fork(branch, response, acknowledge: true, hangUp: true)
    }

    /// A 2xx from another fork of a branch (another To tag) than the dialog the call keeps: ACKed in
    /// its own dialog, and hung up since the call does not keep it (§13.2.2.4).
    func fork(_ branch: OutboundBranch, _ response: SIPResponse, acknowledge: Bool = false, hangUp: Bool = false) {
        guard var fork = Dialog(uac: branch.invite, response: response, localContact: branch.localContact),
              let sequence = try? branch.invite.headers.cseq().sequence else { return }
        let peer = services.peer(for: branch, dialog: fork)
        if acknowledge {
            endpoint.sendStateless(.request(fork.makeACK(sequence: sequence, via: endpoint.makeVia(peer.transport))), to: peer)
        }
        guard hangUp else { return }
        let bye = services.requests.bye(in: &fork, via: endpoint.makeVia(peer.transport), reason: Reason(cause: 200, text: "Call completed elsewhere"))
        endpoint.send(bye, to: peer) { _ in }
    }
}

/// A SIP target resolved from the plan: where, how, and what to offer.
struct SIPDestination {
    var uri: String
    var transport: SIPTransportKind
    var trunk: GatewayConfig.Trunk?
    var codecs: [String]
    var target: BridgeTarget
    /// A registered phone's flow (RFC 5626: requests to it go back over the connection or address
    /// it registered from), else resolved from `uri`.
    var flow: SIPPeer? = nil
}


/// What the outbound INVITE needs beyond its target: how to read the answer.
enum OfferContext {
    case browser(template: WebRTCSessionTemplate, ice: ICELiteAgent, narrowband: Bool, dtmf: DTMFMode)
    case phone(trunk: GatewayConfig.Trunk?, template: RTPSessionTemplate, dtmf: DTMFMode)

    /// The side b socket the offer names.
    var port: Int {
        switch self {
        case .browser(let template, _, _, _): Int(template.port)
        case .phone(_, let template, _): Int(template.port)
        }
    }

    /// The leg's SDP from now on, once this offer is the one answered.
    var sdp: LegSDP {
        switch self {
        case .browser(let template, _, let narrowband, _): .browser(template, narrowband: narrowband)
        case .phone(_, let template, _): .phone(template)
        }
    }
}

