import RTP

/// What the sequence number of an arriving packet says about it (RFC 3550 A.1).
enum SequenceVerdict: Sendable, Equatable {
    /// Newer than any before; `missing` packets were skipped (0 when in order).
    case next(missing: Int)
    /// Older than the newest and not seen before: reordered.
    case late
    /// Seen before (or too old to tell).
    case duplicate
    /// A jump too large to be loss; dropped until the next packet confirms the new numbering.
    case jump
    /// The confirmed new numbering after a jump, or the first packet of a stream.
    case restart
}

/// Reception statistics of one incoming stream: extended highest sequence, loss (RFC 3550 A.3) and
/// interarrival jitter (A.8), from which the leg's report block and metrics are made.
struct ReceptionStatistics: Sendable {
    private(set) var ssrc: UInt32 = 0
    private(set) var isStarted = false
    private var maxSequence: UInt16 = 0
    private var cycles: UInt32 = 0
    private var baseSequence: UInt32 = 0
    private var badSequence: UInt32 = 0x1_0000 + 1
    /// Bit i set: sequence `maxSequence - i` arrived (tells a reordered packet from a duplicate).
    private var recent: UInt64 = 1
    private(set) var received: UInt64 = 0
    private var expectedPrior: UInt64 = 0
    private var receivedPrior: UInt64 = 0
    /// Interarrival jitter in RTP clock units, kept as a double instead of A.8's scaled integer.
    private(set) var jitter: Double = 0
    private var lastTransit: Int64 = 0
    private var hasTransit = false
    /// The clock jitter is counted in (the audio codec's).
    var clockRate: Int = 8_000

    private static let maximumDropout: UInt16 = 3000
    private static let maximumMisorder: UInt16 = 100

    mutating func start(ssrc: UInt32, sequence: UInt16) {
        self = ReceptionStatistics()
        self.ssrc = ssrc
        isStarted = true
        restart(at: sequence)
        received = 1
    }

    private mutating func restart(at sequence: UInt16) {
        maxSequence = sequence
        cycles = 0
        baseSequence = UInt32(sequence)
        badSequence = 0x1_0000 + 1
        received = 0
        expectedPrior = 0
        receivedPrior = 0
        hasTransit = false
        recent = 1
    }

    /// Classifies and counts a packet of this stream.
    mutating func update(sequence: UInt16) -> SequenceVerdict {
        let delta = sequence &- maxSequence
        if delta == 0 {
            received += 1
            return .duplicate
        }
        if delta < Self.maximumDropout {
            if sequence < maxSequence { cycles &+= 0x1_0000 }
            maxSequence = sequence
            received += 1
            recent = delta >= 64 ? 1 : (recent << UInt64(delta)) | 1
            return .next(missing: Int(delta) - 1)
        }
        if delta <= 0xFFFF - Self.maximumMisorder {
            if UInt32(sequence) == badSequence {
                restart(at: sequence)
                received = 1
                return .restart
            }
            badSequence = (UInt32(sequence) + 1) & 0xFFFF
            return .jump
        }
        received += 1
        let behind = UInt64(maxSequence &- sequence)
        guard behind < 64, recent & (1 << behind) == 0 else { return .duplicate }
        recent |= 1 << behind
        return .late
    }

    /// A.8: `arrival` is the wall clock in ns, `timestamp` the packet's RTP timestamp.
    mutating func updateJitter(timestamp: UInt32, arrival: UInt64) {
        let arrivalTicks = Int64(truncatingIfNeeded: (arrival / 1_000) &* UInt64(clockRate) / 1_000_000)
        let transit = Int64(Int32(truncatingIfNeeded: arrivalTicks &- Int64(timestamp)))
        if hasTransit {
            var d = Int64(Int32(truncatingIfNeeded: transit &- lastTransit))
            if d < 0 { d = -d }
            // A jump of more than a few seconds is a new timing (DTX resync), not jitter.
            if d < Int64(clockRate) * 3 { jitter += (Double(d) - jitter) / 16 }
        }
        lastTransit = transit
        hasTransit = true
    }

    var extendedHighestSequence: UInt32 { cycles &+ UInt32(maxSequence) }

    var expected: UInt64 { UInt64(extendedHighestSequence) &- UInt64(baseSequence) &+ 1 }

    /// Cumulative packets lost (negative when duplicates outnumber losses).
    var cumulativeLost: Int64 { isStarted ? Int64(bitPattern: expected) - Int64(received) : 0 }

    var jitterMilliseconds: Double { jitter * 1000 / Double(max(1, clockRate)) }

    /// The report block about this stream (A.3), moving the "since last report" marks.
    mutating func makeReportBlock(lastSenderReport: UInt32, delaySinceLastSenderReport: UInt32) -> RTCPReportBlock {
        let expectedNow = expected
        let expectedInterval = expectedNow &- expectedPrior
        let receivedInterval = received &- receivedPrior
        expectedPrior = expectedNow
        receivedPrior = received
        let lostInterval = Int64(bitPattern: expectedInterval) - Int64(bitPattern: receivedInterval)
        let fraction: UInt8 = expectedInterval == 0 || lostInterval <= 0
            ? 0 : UInt8(min(255, (lostInterval << 8) / Int64(bitPattern: expectedInterval)))
        return RTCPReportBlock(ssrc: ssrc, fractionLost: fraction,
                               cumulativeLost: Int32(max(-0x80_0000, min(0x7F_FFFF, cumulativeLost))),
                               highestSequence: extendedHighestSequence, jitter: UInt32(min(Double(UInt32.max), jitter)),
                               lastSenderReport: lastSenderReport, delaySinceLastSenderReport: delaySinceLastSenderReport)
    }
}
