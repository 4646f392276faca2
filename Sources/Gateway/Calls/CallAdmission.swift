import Dialplan
import Foundation
import Logging
import Media
import NIOCore
import SDP
import SIP
import SIPStack

/// Who is calling: a configured trunk (by source address, over UDP/TCP/TLS), else a user proven by digest.
enum Caller: Equatable {
    case user(String)
    case trunk(GatewayConfig.Trunk)
}

/// The decision on a new INVITE, made without sockets: who is calling, whether the request can be a
/// call at all (a loop, too short a session interval, an offer we cannot use), and what the dialplan
/// makes of it: an app that answers, a bridge to dial, or a refusal. The controller turns the
/// decision into a response or a `Call`.
struct CallAdmission {
    var trunks: [GatewayConfig.Trunk]
    var credentials: RegistrationCredentials
    /// The shortest session interval accepted (RFC 4028 Min-SE).
    var minSE: Int
    /// Where `<playback file>` looks.
    var soundsDirectory: String
    var limits = GatewayConfig.Limits()
    /// The configured users by name: the context their calls are routed in and how digits go to
    /// them. A token user not in the config gets `from-browser` and `auto`.
    var users: [String: GatewayConfig.User] = [:]
    /// How a user's current bindings take media, for the plan's user targets.
    var reach: (String) -> UserReach = { _ in [] }

    enum Refusal: Equatable {
        case status(Int, String? = nil)
        /// 407 with a fresh digest challenge (`stale`: the nonce expired, not the password).
        case challenge(stale: Bool)
        /// 407 again: the digest answer did not match (counted against the user and the source).
        case wrongCredentials(user: String?)
        /// 422 with our Min-SE.
        case intervalTooSmall(minSE: Int)
        /// 503 with Retry-After: the node is draining or at one of its limits.
        case unavailable(Limit)

        /// How metrics and logs name the refusal.
        var reason: String {
            switch self {
            case .status(let code, _): "status_\(code)"
            case .challenge: "challenge"
            case .wrongCredentials: "wrong_credentials"
            case .intervalTooSmall: "interval_too_small"
            case .unavailable(let limit): limit.rawValue
            }
        }
    }

    /// Why a node that could take the call does not, now.
    enum Limit: String, Equatable {
        case draining
        case maxCalls = "max_calls"
        case maxTranscodedCalls = "max_transcoded_calls"
        case mediaLoad = "max_media_load"
        case userCalls = "max_calls_per_user"
        case trunkCalls = "max_calls_per_trunk"

        var phrase: String {
            switch self {
            case .draining: "Draining"
            case .maxCalls, .userCalls, .trunkCalls: "Too Many Calls"
            case .maxTranscodedCalls: "Too Many Transcoded Calls"
            case .mediaLoad: "Media Overloaded"
            }
        }
    }

    /// What the node carries now, read when an INVITE arrives.
    struct Load {
        var draining = false
        var calls = 0
        var transcodedCalls = 0
        /// The busiest media loop's share of time spent working, 0...1.
        var mediaUtilisation = 0.0
        /// Calls in progress of a user or trunk, by its name.
        var callsOf: (Caller) -> Int = { _ in 0 }
    }

    /// A call to set up.
    struct Admitted {
        var caller: Caller
        var callID: String
        /// Who is called, as the dialplan saw it.
        var destination: String
        /// The caller as the call record names it: the user, or the trunk caller's From user.
        var callerName: String
        var source: CallFields.Source
        /// Nil for a delayed offer (no SDP): we offer in the 200 and the ACK answers.
        var offer: SessionDescription?
        var isBrowser: Bool
        var routing: RoutingResult
        /// Exactly one of `app` and `step` is set.
        var app: MediaApp?
        var step: BridgeStep?
        /// What side a is offered, and how its DTMF goes.
        var codecs: [String]
        var dtmf: DTMFMode
        /// The browser gets a narrowband Opus answer: every target is G.711 only.
        var narrowband: Bool
        var maxDuration: Duration?
        /// The call joins a browser and a phone (Opus on one side, G.711 or G.722 on the other), or
        /// runs an app: its media is decoded and encoded, which is what loads the media loops.
        var transcodes: Bool
    }

    enum Decision {
        /// `routed`: the plan decided the refusal (a reject, or no route), for the call's record.
        case refuse(Refusal, routed: Routed? = nil)
        case admit(Admitted)
    }

    /// Who called whom and where the dialplan looked, for the record of a call it refused.
    struct Routed: Equatable {
        var caller: String
        var destination: String
        var context: String
        var route: String?
    }

    /// Decides on `request`, which came over `transport` from `remote`. `isCallInProgress` says
    /// whether a Call-ID is already a call (a looped or repeated INVITE); `plan` is the dialplan serving now.
    /// `authenticated` is the user an HTTP call's bearer token already proved, and `transportName`
    /// what the dialplan's `transport` sees for it (`http`, `https`).
    func decide(_ request: SIPRequest, over transport: SIPTransportKind, from remote: SocketAddress, digest: inout DigestServer,
                plan: Dialplan?, load: Load = Load(), isCallInProgress: (String) -> Bool, logger: Logger,
                now: Date = Date(), authenticated: String? = nil, transportName: String? = nil) -> Decision {
        if load.draining { return .refuse(.unavailable(.draining)) }
        let caller: Caller
        if let authenticated {
            caller = .user(authenticated)
        } else if let trunk = trunk(over: transport, from: remote) {
            caller = .trunk(trunk)
        } else {
            var user: String?, claimed: String?
            let result = digest.verify(request, proxy: true, now: now) { username, _, algorithm in
                claimed = username
                guard let found = credentials.lookup(username: username, algorithm: algorithm, now: now) else { return nil }
                user = found.user
                return found.ha1
            }
            switch result {
            case .missingCredentials: return .refuse(.challenge(stale: false))
            case .rejected: return .refuse(.wrongCredentials(user: claimed))
            case .stale: return .refuse(.challenge(stale: true))
            case .accepted: break
            }
            guard let user else { return .refuse(.status(403)) }
            caller = .user(user)
        }
        guard let callID = try? request.headers.callID(), !isCallInProgress(callID) else { return .refuse(.status(482, "Loop Detected")) }
        if let max = limits.maxCalls, load.calls >= max { return .refuse(.unavailable(.maxCalls)) }
        switch caller {
        case .user where limits.maxCallsPerUser.map { load.callsOf(caller) >= $0 } ?? false:
            return .refuse(.unavailable(.userCalls))
        case .trunk(let trunk) where (trunk.maxCalls ?? limits.maxCallsPerTrunk).map { load.callsOf(caller) >= $0 } ?? false:
            return .refuse(.unavailable(.trunkCalls))
        default: break
        }
        if let asked = try? request.headers.sessionExpires(), asked.interval < minSE { return .refuse(.intervalTooSmall(minSE: minSE)) }
        var offer: SessionDescription?
        if !request.body.isEmpty {
            guard let parsed = try? SessionDescription(parsing: request.body), parsed.media.contains(where: { $0.media == "audio" }) else {
                return .refuse(.status(488, "Unusable SDP offer"))
            }
            offer = parsed
        }
        guard let plan else { return .refuse(.status(503, "No dialplan")) }

        let from = try? request.headers.from()
        var destination = request.uri.sipURI?.user ?? ""
        if case .trunk(let trunk) = caller, trunk.register, destination == trunk.username,
           let called = (try? request.headers.to())?.uri.sipURI?.user {
            // Sent to the contact we registered at the trunk: who is called is in To, as PBXs put it.
            destination = called
        }
        let callerName: String, context: String, source: CallFields.Source
        switch caller {
        case .user(let user): (callerName, context, source) = (user, users[user]?.context ?? "from-browser", .user(user))
        case .trunk(let trunk): (callerName, context, source) = (from?.uri.sipURI?.user ?? "", "from-trunk", .trunk(trunk.name))
        }
        if let refusal = Self.tooLongToRoute(destination: destination, caller: callerName, callerName: from?.displayName ?? "",
                                             headers: request.headers) {
            return .refuse(refusal)
        }
        let routing = plan.evaluate(call: CallFields(
            destination: destination, caller: callerName, callerName: from?.displayName ?? "", source: source,
            sourceIP: remote.ipAddress ?? "", transport: transportName ?? transport.rawValue.lowercased(),
            headers: request.headers.map { ($0.name.name, $0.value) }), context: context, at: now)

        let routed = Routed(caller: callerName, destination: destination, context: context, route: routing.matchedRoutes.last)

        // A browser's audio is DTLS-SRTP (a fingerprint); RTP/SAVP without one is SDES keying, which
        // Tandem does not do: say so rather than take the phone for a browser.
        let audio = offer?.media.first { $0.media == "audio" }
        let isSecure = audio.map { $0.proto.contains("TLS") || $0.proto.contains("SAVP") } ?? false
        let isBrowser = isSecure && audio.flatMap { offer?.fingerprint(for: $0) } != nil
        if isSecure && !isBrowser { return .refuse(.status(488, "SDES-SRTP not supported: offer RTP/AVP or DTLS-SRTP")) }

        // The plan's first step that answers or dials decides; a reject or hangup before it refuses.
        var app: MediaApp?, step: BridgeStep?
        for action in routing.plan where app == nil && step == nil {
            switch action {
            case .echo: app = .echo
            case .tone(let tone):
                let durationMs = tone.duration.map { Int($0.components.seconds * 1000) }
                app = .source(ToneSource(frequencies: (tone.frequencies.first ?? 425, tone.frequencies.dropFirst().first),
                                         onMilliseconds: tone.onMilliseconds, offMilliseconds: tone.offMilliseconds,
                                         durationMilliseconds: durationMs))
            case .playback(let file):
                guard let source = playback(file) else {
                    logger.error("playback file unreadable", metadata: ["call": "\(callID)", "file": "\(file)"])
                    return .refuse(.status(500, "Announcement unavailable"), routed: routed)
                }
                app = .source(source)
            case .reject(let code, let reason), .hangup(let code?, let reason):
                return .refuse(.status(code, reason), routed: routed)
            case .bridge(let bridge):
                step = bridge
            case .log(let level, let text):
                logger.log(level: Logger.Level(level), "\(text)", metadata: ["call": "\(callID)"])
            default: break
            }
        }
        guard app != nil || step != nil else { return .refuse(.status(404), routed: routed) }
        let transcodes = app != nil || step.map { crossesKinds($0, fromBrowser: isBrowser) } ?? false
        if transcodes {
            if let max = limits.maxTranscodedCalls, load.transcodedCalls >= max { return .refuse(.unavailable(.maxTranscodedCalls)) }
            if load.mediaUtilisation > limits.maxMediaLoad { return .refuse(.unavailable(.mediaLoad)) }
        }
        return .admit(Admitted(
            caller: caller, callID: callID, destination: destination, callerName: callerName, source: source, offer: offer,
            isBrowser: isBrowser, routing: routing, app: app, step: step, codecs: callerCodecs(caller, routing.media),
            dtmf: callerDTMF(caller, routing.media), narrowband: step.map(isNarrowband) ?? false,
            maxDuration: step?.maxDuration ?? routing.maxDuration, transcodes: transcodes))
    }

    /// The longest destination, caller or display name routing reads (E.164 numbers have 15 digits,
    /// SIP user names rarely pass 64), and the longest header value a `<match field="header:...">`
    /// sees. Patterns match in linear time whatever the input; these bounds keep that time small.
    static let maxRoutedLength = 256
    static let maxRoutedHeaderLength = 1024

    /// A 400 naming the field, when a value the dialplan would read is past its bound.
    static func tooLongToRoute(destination: String, caller: String, callerName: String, headers: SIPHeaders) -> Refusal? {
        for (field, value) in [("Destination", destination), ("Caller", caller), ("Display name", callerName)]
        where value.utf8.count > maxRoutedLength {
            return .status(400, "\(field) longer than \(maxRoutedLength) bytes")
        }
        if let long = headers.first(where: { $0.value.utf8.count > maxRoutedHeaderLength }) {
            return .status(400, "\(long.name.name) header longer than \(maxRoutedHeaderLength) bytes")
        }
        return nil
    }

    /// Whether a bridge joins a browser to a phone: a browser leg is Opus, a phone leg G.711 or G.722.
    /// A user target is whatever its bindings are: browsers, SIP phones, or both ringing at once.
    func crossesKinds(_ step: BridgeStep, fromBrowser: Bool) -> Bool {
        let otherKind: UserReach = fromBrowser ? .phone : .browser
        return step.legs.contains { leg in
            switch leg.target {
            case .user(let user): reach(user).contains(otherKind)
            case .users(_, let members): members.contains { reach($0).contains(otherKind) }
            case .trunk, .uri: fromBrowser
            }
        }
    }

    func trunk(over transport: SIPTransportKind, from remote: SocketAddress) -> GatewayConfig.Trunk? {
        guard transport != .ws, transport != .wss, let ip = remote.ipAddress else { return nil }
        let matching = trunks.filter { $0.host == ip }
        return matching.first { $0.port == remote.port } ?? matching.first
    }

    /// How digits go toward the caller: a trunk's as the route's `<media dtmf>` or the trunk's `dtmf`
    /// say; a user's as its `dtmf` says (the route's is for the legs it dials).
    func callerDTMF(_ caller: Caller, _ policy: MediaPolicy) -> DTMFMode {
        switch caller {
        case .trunk(let trunk): Self.dtmfMode(policy: policy, fallback: trunk.dtmf)
        case .user(let user): Self.dtmfMode(policy: nil, fallback: users[user]?.dtmf)
        }
    }

    /// How DTMF goes to a leg: the route's `<media dtmf>`, else the trunk's or user's `dtmf`, else
    /// `auto` (RFC 4733 when negotiated, tones otherwise).
    static func dtmfMode(policy: MediaPolicy?, fallback: GatewayConfig.Trunk.DTMFMode?) -> DTMFMode {
        switch policy?.dtmf.map(\.rawValue) ?? fallback?.rawValue {
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
            case .user(let user) where reach(user).contains(.browser): return false
            case .users(_, let members) where members.contains(where: { reach($0).contains(.browser) }): return false
            case .trunk(let name, _): codecs = step.media.codecs ?? trunks.first { $0.name == name }?.codecs ?? []
            case .uri, .user, .users: codecs = step.media.codecs ?? Self.uriCodecs
            }
            return !codecs.isEmpty && codecs.allSatisfy { ["pcmu", "pcma"].contains($0.lowercased()) }
        }
    }

    /// What a bridge to a bare SIP URI or a registered SIP phone offers when the route names no codecs.
    static let uriCodecs = ["PCMU", "PCMA", "G722"]

    func callerCodecs(_ caller: Caller, _ policy: MediaPolicy) -> [String] {
        if let codecs = policy.codecs { return codecs }
        if case .trunk(let trunk) = caller { return trunk.codecs }
        return ["PCMU", "PCMA", "G722", "opus"]
    }
}

/// The kinds of contact a user is registered with: browsers (WebRTC, over a WebSocket flow) and SIP
/// phones (plain RTP). A call to the user rings each binding with the offer its kind takes.
struct UserReach: OptionSet {
    let rawValue: Int
    static let browser = UserReach(rawValue: 1)
    static let phone = UserReach(rawValue: 2)

    init(rawValue: Int) { self.rawValue = rawValue }

    init(_ bindings: [Binding]) {
        self = bindings.reduce(into: []) { reach, binding in reach.insert(binding.isWebSocketClient ? .browser : .phone) }
    }
}
