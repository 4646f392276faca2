import RTP

/// How a digit reached the bridge.
public enum DTMFTransport: String, Sendable, Hashable {
    case rfc4733
    case inband
    case info
}

/// What the bridge tells its owner (the gateway), synchronously on the event loop.
public enum MediaEvent: Sendable, Equatable {
    /// The first packet of a new incoming stream (or a new SSRC) on a leg: media flows, latch here.
    case streamStarted(LegSide, ssrc: UInt32, payloadType: UInt8)
    /// A digit arrived from `from`, complete, with its length: for logs, CDRs and dialplan apps.
    case digitReceived(from: LegSide, digit: DTMFDigit, durationMs: Int, via: DTMFTransport)
    /// The leg `to` uses SIP INFO for DTMF: send this digit there (`DTMFInfo` builds the body).
    case sendInfo(to: LegSide, digit: DTMFDigit, durationMs: Int)
    /// The far end on `leg` sent RTCP BYE.
    case goodbye(LegSide)
    /// A media app (tone with a duration, playback) reached its end.
    case sourceFinished
}
