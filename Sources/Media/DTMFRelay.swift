import RTP

/// What the outgoing DTMF state machine asks its leg to put on the wire.
enum DTMFSignal: Sendable, Equatable {
    /// A digit starts now (RFC 4733: first packet, marker set; in-band: tone on).
    case start(DTMFDigit)
    /// The digit has lasted `elapsed` ns so far (RFC 4733 update packet).
    case update(DTMFDigit, elapsed: UInt64)
    /// The digit ended after `duration` ns; `repeat` counts 0, 1, 2 for the three end packets.
    case end(DTMFDigit, duration: UInt64, repeat: Int)
}

/// A digit waiting to be sent, with its duration, or 0 when it lasts until its source says it ended.
struct PendingDigit: Sendable, Equatable {
    var digit: DTMFDigit
    var duration: UInt64
}

/// The outgoing DTMF of one leg: regenerates each digit with this leg's own timing whatever carried
/// it in (RFC 4733 from the other leg, SIP INFO, a detected tone), one digit at a time, each with
/// three end packets and a pause before the next so no digit is lost or merged with its neighbour.
struct DTMFSender: Sendable {
    enum State: Sendable, Equatable {
        case idle
        /// `end` is nil while the source has not said how long the digit lasts.
        /// `reported` is the duration the last packet claimed.
        case playing(DTMFDigit, start: UInt64, end: UInt64?, lastUpdate: UInt64, reported: UInt64)
        case ending(DTMFDigit, duration: UInt64, sent: Int, next: UInt64)
        case pause(until: UInt64)
    }

    private(set) var state: State = .idle
    private var queue: [PendingDigit] = []
    private(set) var droppedDigits = 0
    /// Interval between update packets and between repeated end packets: the leg's packet time.
    var updateInterval: UInt64
    /// 3 for RFC 4733 (§2.5.1.4); 1 for tones, which have no packets to lose.
    var endPackets: Int
    let minimumDuration: UInt64 = 40_000_000
    let maximumDuration: UInt64 = 8_000_000_000
    let pauseAfterDigit: UInt64 = 50_000_000
    static let queueCapacity = 32

    init(updateInterval: UInt64, endPackets: Int) {
        self.updateInterval = updateInterval
        self.endPackets = max(1, endPackets)
        queue.reserveCapacity(Self.queueCapacity)
    }

    var isBusy: Bool { state != .idle || !queue.isEmpty }

    /// A digit whose source is still sounding it (relayed RFC 4733 or detected tone).
    mutating func begin(_ digit: DTMFDigit) {
        enqueue(PendingDigit(digit: digit, duration: 0))
    }

    /// A digit of known length (SIP INFO).
    mutating func play(_ digit: DTMFDigit, duration: UInt64) {
        enqueue(PendingDigit(digit: digit, duration: clampDuration(duration)))
    }

    /// The source's end of a digit begun with `begin`, with the duration it measured. A digit whose
    /// begin never reached us (a full queue, a re-INVITE between) is played whole, not lost.
    mutating func end(_ digit: DTMFDigit, duration: UInt64) {
        let length = clampDuration(duration)
        if case let .playing(d, start, nil, last, reported) = state, d == digit {
            state = .playing(d, start: start, end: start + max(length, reported), lastUpdate: last, reported: reported)
            return
        }
        if let i = queue.firstIndex(where: { $0.digit == digit && $0.duration == 0 }) {
            queue[i].duration = length
            return
        }
        play(digit, duration: length)
    }

    /// Drops everything (re-INVITE changed the leg's codec or DTMF mode).
    mutating func reset() {
        state = .idle
        queue.removeAll(keepingCapacity: true)
    }

    private mutating func enqueue(_ p: PendingDigit) {
        guard queue.count < Self.queueCapacity else { droppedDigits += 1; return }
        queue.append(p)
    }

    private func clampDuration(_ d: UInt64) -> UInt64 { max(minimumDuration, min(maximumDuration, d)) }

    /// Moves time on to `now`, calling `emit` for what must be sent now.
    mutating func advance(now: UInt64, emit: (DTMFSignal) -> Void) {
        while true {
            switch state {
            case .idle:
                guard !queue.isEmpty else { return }
                let p = queue.removeFirst()
                // The first packet claims one frame (a digit is never shorter than that).
                state = .playing(p.digit, start: now, end: p.duration == 0 ? nil : now + p.duration, lastUpdate: now,
                                 reported: min(updateInterval, p.duration == 0 ? .max : p.duration))
                emit(.start(p.digit))
                continue
            case let .playing(d, start, end, last, reported):
                // An open digit whose source went silent for good (its end never came) is cut.
                let limit = end ?? (start + maximumDuration)
                if now >= limit {
                    let duration = limit - start
                    emit(.end(d, duration: duration, repeat: 0))
                    state = endPackets > 1
                        ? .ending(d, duration: duration, sent: 1, next: now + updateInterval)
                        : .pause(until: now + pauseAfterDigit)
                    return
                }
                if now >= last + updateInterval {
                    // Durations only grow: an update repeating the last claim is not sent.
                    let elapsed = now - start
                    if elapsed > reported {
                        emit(.update(d, elapsed: elapsed))
                        state = .playing(d, start: start, end: end, lastUpdate: now, reported: elapsed)
                    } else {
                        state = .playing(d, start: start, end: end, lastUpdate: now, reported: reported)
                    }
                }
                return
            case let .ending(d, duration, sent, next):
                guard now >= next else { return }
                emit(.end(d, duration: duration, repeat: sent))
                state = sent + 1 >= endPackets
                    ? .pause(until: now + pauseAfterDigit)
                    : .ending(d, duration: duration, sent: sent + 1, next: now + updateInterval)
                return
            case let .pause(until):
                guard now >= until else { return }
                state = .idle
                continue
            }
        }
    }
}
