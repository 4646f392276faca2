/// Converts RTP timestamp distances between clock rates (Opus 48 kHz on the wire, G.711 8 kHz, the
/// bridge's PCM rate). Distances, not absolute values: each stream's origin is its own.
struct TimestampConverter: Sendable, Equatable {
    let fromRate: Int
    let toRate: Int

    init(from: Int, to: Int) {
        fromRate = max(1, from)
        toRate = max(1, to)
    }

    /// `delta` ticks of the source clock in ticks of the target clock, rounded toward zero.
    @inline(__always) func convert(_ delta: Int64) -> Int64 {
        fromRate == toRate ? delta : delta * Int64(toRate) / Int64(fromRate)
    }

    /// Whether `delta` converts without a remainder (so an anchor may move to it without drifting).
    @inline(__always) func isExact(_ delta: Int64) -> Bool {
        fromRate == toRate || (delta * Int64(toRate)) % Int64(fromRate) == 0
    }
}

/// Maps one input stream's RTP timestamps onto an output stream's timeline, so that the output
/// keeps the input's timing (gaps from DTX or hold stay gaps, reordered packets stay in place)
/// while starting from wherever the output stream already is. The anchor follows the newest packet,
/// so deltas stay small however long the call lasts and the 2^32 wrap never matters.
struct InputTimeline: Sendable {
    private(set) var isAnchored = false
    private(set) var ssrc: UInt32 = 0
    private var inputAnchor: UInt32 = 0
    private var outputAnchor: UInt32 = 0
    var converter: TimestampConverter

    /// Input distances beyond this are a new stream (peer restart), not timing: ten seconds.
    let maximumJump: Int64

    init(inputClock: Int, outputClock: Int) {
        converter = TimestampConverter(from: inputClock, to: outputClock)
        maximumJump = Int64(inputClock) * 10
    }

    /// Forgets the anchor: the next packet starts wherever the output stream is.
    mutating func reset() { isAnchored = false }

    mutating func anchor(ssrc: UInt32, input: UInt32, output: UInt32) {
        isAnchored = true
        self.ssrc = ssrc
        inputAnchor = input
        outputAnchor = output
    }

    /// The output timestamp for input timestamp `ts` of stream `ssrc`, or nil when the stream is not
    /// the anchored one or jumped too far to be the same timing.
    mutating func map(ssrc: UInt32, timestamp ts: UInt32) -> UInt32? {
        guard isAnchored, ssrc == self.ssrc else { return nil }
        let delta = Int64(Int32(bitPattern: ts &- inputAnchor))
        guard abs(delta) <= maximumJump else { return nil }
        let out = outputAnchor &+ UInt32(truncatingIfNeeded: converter.convert(delta))
        if delta > 0, converter.isExact(delta) {
            inputAnchor = ts
            outputAnchor = out
        }
        return out
    }
}

/// Wrap-aware ordering of 32-bit RTP timestamps: whether `a` comes after `b`.
@inline(__always) func timestampIsAfter(_ a: UInt32, _ b: UInt32) -> Bool {
    Int32(bitPattern: a &- b) > 0
}

/// Wrap-aware ordering of 16-bit sequence numbers.
@inline(__always) func sequenceIsAfter(_ a: UInt16, _ b: UInt16) -> Bool {
    Int16(bitPattern: a &- b) > 0
}
