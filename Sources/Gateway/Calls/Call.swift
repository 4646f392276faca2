import Dialplan
import Foundation
import Media
import SDP
import SIP
import SIPStack

/// One call through the B2BUA: the leg that called in (side a of the media), the outbound attempt or
/// the answered leg (side b), the media between them, and what the CDR will say. Touched only on the
/// SIP endpoint's loop.
final class Call {
    enum Phase: Equatable {
        /// Routing and dialling: no final response sent to the caller yet.
        case proceeding
        case answered
        case ended
    }

    /// The call's id in logs and the CDR: the caller's Call-ID.
    let id: String
    let inbound: InboundLeg
    var phase: Phase = .proceeding
    /// Side b: the outbound branches still ringing, or the one that answered.
    var branches: [OutboundBranch] = []
    var answered: OutboundBranch?
    /// Targets still to try after the current one fails (failover).
    var remainingTargets: [BridgeLeg] = []
    /// Kinds of target (browsers, SIP) of the current step whose INVITEs are still being set up.
    var pendingDials = 0
    var step: BridgeStep?
    /// The best failure seen so far among branches of the current target (RFC 3261 §16.7 picks the lowest class).
    var bestFailure: SIPResponse?
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
    /// The direction each leg last asked for (hold and resume), to translate only changes to the other leg.
    var heldDirection: [LegSide: SDP.MediaDirection] = [:]
    /// Legs where our re-INVITE awaits its answer (a re-INVITE from them meanwhile gets 491).
    var reoffering: Set<LegSide> = []
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
    /// The answered leg that asked (REFER) to hand the other party to someone else, while that is dialled.
    var transferor: OutboundBranch?
    /// A transfer asked by the leg that called in (a PBX's REFER): the INVITEs to the target, which
    /// take side a's RTP socket; whether the caller's dialog is still there; and, once the target
    /// answers, side a's signalling from then on.
    var aBranches: [OutboundBranch] = []
    var aTransferring = false
    var callerGone = false
    var aLeg: OutboundBranch?
    /// Each leg's session timer (RFC 4028): our refresh, or the watchdog on the other side's.
    var sessionTimers: [LegSide: SessionTimer] = [:]
    /// The caller hears our ringback tone (until side b's media connects).
    var ringing = false
    var ringTimer: Task<Void, Never>?
    /// The route's `<max-duration>`, armed when the call is answered.
    var maxDuration: Duration?
    var maxDurationTimer: Task<Void, Never>?
    var record: CallRecord

    /// Whether new branches may be dialled: before the answer, or for a transfer.
    var dialling: Bool { phase == .proceeding || transferor != nil }

    func sdp(_ side: LegSide) -> LegSDP? { side == .a ? sdpA : sdpB }
    func setSDP(_ side: LegSide, _ sdp: LegSDP) { if side == .a { sdpA = sdp } else { sdpB = sdp } }
    func config(_ side: LegSide) -> MediaLegConfig? { side == .a ? configA : configB }
    func setConfig(_ side: LegSide, _ config: MediaLegConfig) { if side == .a { configA = config } else { configB = config } }

    init(id: String, inbound: InboundLeg, record: CallRecord) {
        self.id = id
        self.inbound = inbound
        self.record = record
    }
}

/// The leg that called in: its INVITE, transaction and flow, and its dialog once we answer.
final class InboundLeg {
    let invite: SIPRequest
    let transaction: ServerTransactionHandle<SIPPeer>
    let peer: SIPPeer
    let isBrowser: Bool
    let toTag: String
    /// Nil for a delayed offer: the caller answers our offer in its ACK.
    let offer: SessionDescription?
    var dialog: Dialog?

    init(invite: SIPRequest, transaction: ServerTransactionHandle<SIPPeer>, peer: SIPPeer, isBrowser: Bool, toTag: String,
         offer: SessionDescription?) {
        self.invite = invite
        self.transaction = transaction
        self.peer = peer
        self.isBrowser = isBrowser
        self.toTag = toTag
        self.offer = offer
    }
}

/// One INVITE we sent for a target (a trunk, a URI, or one binding of a browser user). Forking
/// toward a user's several browsers makes several branches of one target.
final class OutboundBranch {
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

    init(invite: SIPRequest, peer: SIPPeer, target: BridgeTarget, isBrowser: Bool, localContact: String) {
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
