/// One outgoing RTP stream toward a leg: our SSRC, sequence and timestamp, kept continuous for the
/// whole call whatever feeds it (pass-through, transcoding, generated tones, telephone-events) and
/// across codec changes and holds. Also the sender counts an SR reports.
struct OutboundStream: Sendable {
    let ssrc: UInt32
    /// The RTP clock of the codec currently sent.
    private(set) var clockRate: Int
    private(set) var lastSequence: UInt16
    /// The media position just after the last frame sent: where contiguous audio continues.
    private(set) var nextTimestamp: UInt32
    /// The timestamp of the newest packet sent, for SR.
    private(set) var lastTimestamp: UInt32
    private(set) var lastSendNanoseconds: UInt64 = 0
    private(set) var hasSent = false
    private(set) var packetCount: UInt32 = 0
    private(set) var octetCount: UInt32 = 0
    /// Packets sent since the last RTCP report, to choose SR or RR.
    var sentSinceReport = false

    init(ssrc: UInt32, clockRate: Int, initialSequence: UInt16, initialTimestamp: UInt32) {
        self.ssrc = ssrc
        self.clockRate = clockRate
        lastSequence = initialSequence &- 1
        nextTimestamp = initialTimestamp
        lastTimestamp = initialTimestamp
    }

    /// Takes the next sequence number.
    mutating func takeSequence() -> UInt16 {
        lastSequence &+= 1
        return lastSequence
    }

    /// Where freshly made audio (transcoded after a discontinuity, a tone, a telephone-event) starts:
    /// right after the last frame if we sent recently, else moved on by the time that passed, so the
    /// far end's jitter buffer sees timestamps that keep pace with its clock.
    func position(now: UInt64, frameTicks: Int) -> UInt32 {
        guard hasSent, now > lastSendNanoseconds else { return nextTimestamp }
        let elapsed = now - lastSendNanoseconds
        let frameNs = UInt64(frameTicks) * 1_000_000_000 / UInt64(max(1, clockRate))
        guard elapsed > 2 * frameNs else { return nextTimestamp }
        let expected = lastTimestamp &+ UInt32(truncatingIfNeeded: (elapsed / 1_000) * UInt64(clockRate) / 1_000_000)
        return timestampIsAfter(expected, nextTimestamp) ? expected : nextTimestamp
    }

    /// Records a packet sent with `timestamp` covering `duration` ticks (0 for events).
    mutating func recordSent(sequence: UInt16, timestamp: UInt32, duration: Int, payloadBytes: Int, now: UInt64) {
        if !hasSent || sequenceIsAfter(sequence, lastSequence) { lastSequence = sequence }
        if !hasSent || !timestampIsAfter(lastTimestamp, timestamp) { lastTimestamp = timestamp }
        let end = timestamp &+ UInt32(truncatingIfNeeded: duration)
        if !hasSent || timestampIsAfter(end, nextTimestamp) { nextTimestamp = end }
        hasSent = true
        lastSendNanoseconds = now
        packetCount &+= 1
        octetCount &+= UInt32(truncatingIfNeeded: payloadBytes)
        sentSinceReport = true
    }

    /// A re-INVITE changed the codec: the timeline continues from where it is, counted in the new clock.
    mutating func changeClock(to rate: Int) {
        clockRate = rate
    }

    /// The RTP timestamp matching wall time `now`, for the SR (RFC 3550 §6.4.1).
    func timestamp(at now: UInt64) -> UInt32 {
        guard hasSent, now > lastSendNanoseconds else { return lastTimestamp }
        let elapsed = now - lastSendNanoseconds
        return lastTimestamp &+ UInt32(truncatingIfNeeded: (elapsed / 1_000) * UInt64(clockRate) / 1_000_000)
    }
}

/// The header rewriting of pass-through: sequence numbers are shifted by a fixed offset from an
/// anchor packet, so loss and reordering on input are mirrored on output (the far end's own jitter
/// buffer and RTCP see them), and the anchor is taken again whenever something else wrote into the
/// stream (a tone, a telephone-event, transcoded audio) or the input stream changed.
struct PassThroughRewriter: Sendable {
    private(set) var isAnchored = false
    private(set) var ssrc: UInt32 = 0
    private var anchorSequence: UInt16 = 0
    private var sequenceOffset: UInt16 = 0

    mutating func reset() { isAnchored = false }

    /// Output sequence for an input packet, anchoring if needed; nil for packets older than the anchor
    /// (they belong before a switch and their numbers are taken).
    mutating func sequence(for input: UInt16, ssrc: UInt32, stream: inout OutboundStream) -> UInt16? {
        if !isAnchored || ssrc != self.ssrc {
            isAnchored = true
            self.ssrc = ssrc
            anchorSequence = input
            sequenceOffset = (stream.lastSequence &+ 1) &- input
        } else if Int16(bitPattern: input &- anchorSequence) < 0 {
            return nil
        }
        return input &+ sequenceOffset
    }
}
