/// Per-leg counts of what arrived and what was dropped, by reason: bad input is counted, never logged
/// per packet. Plain stored integers so that counting allocates nothing.
public struct WebRTCCounters: Sendable, Equatable {
    public var rtpReceived = 0
    public var rtcpReceived = 0
    public var rtpSent = 0
    public var rtcpSent = 0
    public var stunAnswered = 0
    public var stunMalformed = 0
    public var stunNotRequest = 0
    public var stunUnauthenticated = 0
    public var stunRoleConflict = 0
    public var stunUnknownAttribute = 0
    /// DTLS or media from an address that never passed an ICE check.
    public var fromUnvalidatedAddress = 0
    public var dtlsErrors = 0
    /// DTLS that arrived before the SDP answer said which role we play (retransmitted by the peer).
    public var dtlsBeforeAnswer = 0
    /// SRTP before DTLS finished: nothing to decrypt with yet.
    public var srtpBeforeKeys = 0
    public var srtpAuthenticationFailed = 0
    public var srtpReplayed = 0
    public var srtpOtherErrors = 0
    /// Neither STUN, DTLS nor RTP/RTCP by RFC 7983's first byte, or too short to be anything.
    public var unknownPackets = 0
    /// Media the leg was asked to send before it could (no keys or no address yet).
    public var sendsRefused = 0

    public init() {}

    public var totalDropped: Int {
        stunMalformed + stunNotRequest + stunUnauthenticated + stunRoleConflict + stunUnknownAttribute
            + fromUnvalidatedAddress + dtlsErrors + srtpBeforeKeys + srtpAuthenticationFailed + srtpReplayed
            + srtpOtherErrors + unknownPackets
    }

    mutating func count(_ reason: ICEDropReason) {
        switch reason {
        case .malformed: stunMalformed += 1
        case .notRequest: stunNotRequest += 1
        case .unauthenticated: stunUnauthenticated += 1
        case .roleConflict: stunRoleConflict += 1
        case .unknownAttribute: stunUnknownAttribute += 1
        }
    }

    mutating func count(_ error: SRTPError) {
        switch error {
        case .authenticationFailed: srtpAuthenticationFailed += 1
        case .replayed, .replayTooOld: srtpReplayed += 1
        default: srtpOtherErrors += 1
        }
    }
}
