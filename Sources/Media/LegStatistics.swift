/// Why an incoming packet was not used. Counted per leg so a metrics page can tell a broken peer
/// (malformed, unknown payload type) from a bad network (late) from our own policy (hold).
public struct DropCounts: Sendable, Equatable {
    /// Not RTP, or a length that does not add up.
    public var malformed = 0
    /// A payload type the leg did not negotiate (RED, video, a stale codec after re-INVITE).
    public var unknownPayloadType = 0
    /// A duplicate, or older than what was already played or concealed.
    public var late = 0
    /// A sequence jump waiting for confirmation (RFC 3550 A.1).
    public var sequenceJump = 0
    /// The codec refused the payload.
    public var undecodable = 0
    /// Output not sent because the leg is on hold (direction without send).
    public var onHold = 0
    /// Audio replaced by a generated DTMF tone toward the other leg.
    public var replacedByTone = 0

    public init() {}
}

/// What one leg did and saw, for metrics and CDRs: our own counts (never the other leg's reports),
/// the RFC 3550 loss and jitter of what we received, and the far end's view from its reports.
public struct MediaLegStatistics: Sendable, Equatable {
    public var packetsReceived = 0
    public var bytesReceived = 0
    public var packetsSent = 0
    public var bytesSent = 0
    /// Telephone-event packets among those counted above, in and out.
    public var eventPacketsReceived = 0
    public var eventPacketsSent = 0
    public var comfortNoisePacketsReceived = 0
    /// Digits that came in on this leg (RFC 4733, in-band or INFO) and went on to the other.
    public var digitsRelayed = 0
    /// Frames filled by Opus FEC or concealment for packets lost on input.
    public var framesConcealed = 0
    /// RFC 3550 A.3, on the stream we receive.
    public var cumulativeLost: Int64 = 0
    public var expectedPackets: UInt64 = 0
    /// RFC 3550 A.8 interarrival jitter, in milliseconds.
    public var jitterMs: Double = 0
    /// From the far end's report blocks about our stream.
    public var remoteCumulativeLost: Int = 0
    public var remoteFractionLost: Double = 0
    public var remoteJitterMs: Double = 0
    /// Round-trip time from LSR/DLSR; nil until the far end reported on one of our SRs.
    public var roundTripMs: Double?
    public var rtcpReceived = 0
    public var rtcpSent = 0
    public var dropped = DropCounts()
    /// The incoming stream's SSRC, once seen.
    public var remoteSSRC: UInt32?

    public init() {}

    /// Loss on input as a fraction of expected packets.
    public var lossFraction: Double {
        expectedPackets == 0 ? 0 : max(0, Double(cumulativeLost)) / Double(expectedPackets)
    }
}
