import CallState
import Dialplan
import Foundation
import Media
import MediaTransport
import SDP
import SIP
import SIPStack
import Synchronization

/// One call through the B2BUA: the leg that called in (side a of the media), the outbound branches
/// and the answered leg (side b), the media between them, and what the CDR will say. The call's
/// course (who rings, who won, what a late answer gets, a transfer) is its `machine`'s; this holds
/// the SIP and media objects the machine's actions are carried out on. Touched only on the SIP
/// endpoint's loop.
final class Call {
    enum Phase: Equatable {
        /// The caller has had no final response yet.
        case proceeding
        /// The caller has our 200.
        case answered
        case ended
    }

    /// The call's id in logs and the CDR: the caller's Call-ID.
    let id: String
    let inbound: InboundLeg
    var machine: CallStateMachine
    /// What the caller has been told (the machine may have taken an answer whose media is still connecting).
    var phase: Phase = .proceeding
    /// Every INVITE sent for the call (bridge and transfers), by the id the machine knows it by.
    var outbound: [BranchID: OutboundBranch] = [:]
    private var lastBranch = 0
    /// Side b's answered leg (or, during a transfer by side b, the transferor).
    var answered: OutboundBranch?
    /// The bridge being dialled: the call's, or a transfer's.
    var step: BridgeStep?
    var media: CallMedia?
    /// The config of side a once its SDP is settled (the answer we give the caller, or theirs to ours).
    var configA: MediaLegConfig?
    var configB: MediaLegConfig?
    /// Side b's media is bridged (early media or answer), and with which far end (branch and To tag).
    var mediaConnected = false
    var farEnd: String?
    /// Each leg's SDP template: re-offers and re-answers keep its session, ICE and DTLS, bumping the version.
    var sdpA: LegSDP?
    var sdpB: LegSDP?
    /// Each browser leg's ICE user name fragment as it last offered or answered: a new one in a
    /// re-offer is an ICE restart.
    var remoteUfrag: [LegSide: String] = [:]
    /// The direction each leg last asked for (hold and resume), to translate only changes to the other leg.
    var heldDirection: [LegSide: SDP.MediaDirection] = [:]
    /// Our SDP for the caller, built once and sent in every 18x/2xx so the session never changes under it:
    /// the answer to its offer, or, when its INVITE had none (delayed offer), our offer in the 200.
    var sdpForCaller: [UInt8]?
    /// Legs whose INVITE we answered with an offer (an INVITE without SDP): the CSeq whose ACK brings
    /// the answer (RFC 3264 §4).
    var awaitingAnswer: [LegSide: UInt32] = [:]
    /// The app side a's media starts once its SDP comes, in the ACK of a delayed offer.
    var pendingApp: MediaApp?
    /// How DTMF goes to the caller's leg, when it is a phone.
    var callerDTMF: DTMFMode = .auto
    /// Side a's signalling once a transfer by the caller replaced it: the target's dialog.
    var aLeg: OutboundBranch?
    /// Each leg's session timer (RFC 4028): our refresh, or the watchdog on the other side's.
    var sessionTimers: [LegSide: SessionTimer] = [:]
    /// The caller hears our ringback tone (until side b's media connects).
    var hearsRingback = false
    var ringTimer: Task<Void, Never>?
    /// The route's `<max-duration>`, armed when the call is answered.
    var maxDuration: Duration?
    var maxDurationTimer: Task<Void, Never>?
    var record: CallRecord
    /// Who called (limits per user and trunk count by it), and whether admission expected the
    /// media to be decoded and encoded (limits on transcoded calls count by it).
    var caller: Caller?
    var transcodes = false
    var isApp = false

    /// How metrics count the call: by what its legs agreed once they have, else as admitted.
    var kind: String {
        if isApp { return "app" }
        if let a = configA, let b = configB { return a.codec == b.codec ? "pass_through" : "transcoded" }
        return transcodes ? "transcoded" : "pass_through"
    }

    /// Whether a trunk carries the call, in or out.
    func involves(trunk name: String) -> Bool {
        if case .trunk(let trunk)? = caller, trunk.name == name { return true }
        return outbound.values.contains { if case .trunk(name, _) = $0.target { true } else { false } }
    }

    func newBranchID() -> BranchID {
        lastBranch += 1
        return BranchID(lastBranch)
    }

    /// The branches the machine says still ring.
    var ringing: [OutboundBranch] { outbound.values.filter { machine.isRinging($0.id) } }

    func sdp(_ side: LegSide) -> LegSDP? { side == .a ? sdpA : sdpB }
    func setSDP(_ side: LegSide, _ sdp: LegSDP) { if side == .a { sdpA = sdp } else { sdpB = sdp } }
    func config(_ side: LegSide) -> MediaLegConfig? { side == .a ? configA : configB }
    func setConfig(_ side: LegSide, _ config: MediaLegConfig) { if side == .a { configA = config } else { configB = config } }

    init(id: String, inbound: InboundLeg, record: CallRecord) {
        self.id = id
        self.inbound = inbound
        self.record = record
        machine = CallStateMachine(callerIsBrowser: inbound.isBrowser)
        Self.alive.add(1, ordering: .relaxed)
    }

    deinit { Self.alive.subtract(1, ordering: .relaxed) }

    /// Calls not yet freed: a test checks that ended calls leave none behind (a cycle through the
    /// media's callbacks once kept every call, its media and its sockets' memory alive).
    static let alive = Atomic<Int>(0)
}

/// The leg that called in: its INVITE, and how it is answered: by SIP (its transaction and flow,
/// and its dialog once we answer), or over HTTP (docs/http-calls.md), where the INVITE is the one
/// the HTTP request stands for, so routing, limits and the record treat both alike.
final class InboundLeg {
    enum Signalling {
        case sip(ServerTransactionHandle<SIPPeer>, SIPPeer)
        case http(HTTPCallSession)
    }

    let invite: SIPRequest
    let signalling: Signalling
    let isBrowser: Bool
    let toTag: String
    /// Nil for a delayed offer: the caller answers our offer in its ACK.
    let offer: SessionDescription?
    var dialog: Dialog?

    init(invite: SIPRequest, signalling: Signalling, isBrowser: Bool, toTag: String, offer: SessionDescription?) {
        self.invite = invite
        self.signalling = signalling
        self.isBrowser = isBrowser
        self.toTag = toTag
        self.offer = offer
    }

    /// The SIP flow the caller's requests came over; nil for an HTTP call.
    var peer: SIPPeer? {
        if case .sip(_, let peer) = signalling { return peer }
        return nil
    }

    var http: HTTPCallSession? {
        if case .http(let session) = signalling { return session }
        return nil
    }
}

/// One INVITE we sent for a target (a trunk, a URI, or one binding of a browser user). Forking
/// toward a user's several browsers makes several branches of one target.
final class OutboundBranch {
    let id: BranchID
    var invite: SIPRequest
    let peer: SIPPeer
    let target: BridgeTarget
    let isBrowser: Bool
    /// Early or confirmed dialog, from the first tagged response.
    var dialog: Dialog?
    var final = false
    var cancelled = false
    var authorized = false
    /// A 422 was answered by asking again with a longer Session-Expires.
    var intervalRaised = false
    /// A target of the caller's own transfer (it takes side a), not of the call's bridge.
    var replacesCaller = false
    let localContact: String

    init(id: BranchID, invite: SIPRequest, peer: SIPPeer, target: BridgeTarget, isBrowser: Bool, localContact: String) {
        self.id = id
        self.invite = invite
        self.peer = peer
        self.target = target
        self.isBrowser = isBrowser
        self.localContact = localContact
    }

    var branchID: String { (try? invite.headers.topVia().branch) ?? "" }
}

/// A leg's SDP template, browser or phone, behind one face for re-offers and re-answers.
enum LegSDP {
    /// `narrowband`: the other leg is G.711, so Opus is asked to stay narrowband in every offer and answer.
    case browser(WebRTCSessionTemplate, narrowband: Bool)
    case phone(RTPSessionTemplate)

    /// Answers a re-offer with the next version of our session.
    mutating func answer(_ offer: SessionDescription) -> Answer {
        switch self {
        case .browser(var t, let narrowband):
            t.version += 1
            self = .browser(t, narrowband: narrowband)
            return t.answer(offer, codecs: WebRTCSessionTemplate.codecs(narrowband: narrowband))
        case .phone(var t):
            t.version += 1
            self = .phone(t)
            return t.answer(offer)
        }
    }

    /// A re-offer (hold, resume) with the next version of our session.
    mutating func offer(direction: SDP.MediaDirection) -> SessionDescription {
        switch self {
        case .browser(var t, let narrowband):
            t.version += 1
            self = .browser(t, narrowband: narrowband)
            return t.offer(narrowband: narrowband, direction: direction)
        case .phone(var t):
            t.version += 1
            self = .phone(t)
            return t.offer(direction: direction)
        }
    }
}

extension Media.MediaDirection {
    init(_ direction: SDP.MediaDirection) {
        switch direction {
        case .sendrecv: self = .sendReceive
        case .sendonly: self = .sendOnly
        case .recvonly: self = .receiveOnly
        case .inactive: self = .inactive
        }
    }
}

extension LegSide {
    var side: Side { self == .a ? .a : .b }
    init(_ side: Side) { self = side == .a ? .a : .b }
}

/// A leg's negotiated session timer: its interval, who refreshes, and the pending timer.
struct SessionTimer {
    var interval: Int
    var weRefresh: Bool
    var task: Task<Void, Never>?
}

/// Where an in-dialog request goes: the answered leg on one side of a call, or one outbound branch
/// (a transferor, a target still ringing).
enum DialogLeg {
    case side(Call, LegSide)
    case branch(OutboundBranch)
}
