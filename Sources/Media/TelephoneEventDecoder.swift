import RTP

/// What an incoming telephone-event packet meant.
enum TelephoneEventUpdate: Sendable, Equatable {
    case none
    case began(DTMFDigit)
    /// `duration` in the event's clock units.
    case ended(DTMFDigit, duration: Int)
    /// A new event arrived before the previous one's end packets: the previous ends, the new begins.
    case endedAndBegan(ended: DTMFDigit, duration: Int, began: DTMFDigit)
}

/// Turns the RFC 4733 packets of one incoming stream into digit begin/end, once each: updates and
/// the repeated end packets of an event share its timestamp, so the timestamp is the event's
/// identity; an event whose end packets were all lost ends at the next event or after a timeout.
struct TelephoneEventDecoder: Sendable {
    enum State: Sendable, Equatable {
        case idle
        /// An event in progress: its timestamp, digit, longest duration seen (including earlier
        /// segments of a long event) and when we last heard of it.
        case active(timestamp: UInt32, digit: DTMFDigit, duration: Int, segmentBase: Int, lastHeard: UInt64)
    }

    private(set) var state: State = .idle
    /// The timestamp of the last event that ended, so its repeated end packets are ignored.
    private var endedTimestamp: UInt32?
    /// Silence after which an event without end packets is taken as over (RFC 4733 §2.5.2.2).
    let timeout: UInt64 = 600_000_000

    mutating func reset() {
        state = .idle
        endedTimestamp = nil
    }

    /// Digests one packet: `timestamp` and `marker` from its RTP header.
    mutating func receive(_ event: TelephoneEvent, timestamp: UInt32, marker: Bool, now: UInt64) -> TelephoneEventUpdate {
        guard let digit = DTMFDigit(code: event.event) else { return .none }   // not DTMF (fax tones, flash)
        switch state {
        case .idle:
            if let ended = endedTimestamp, ended == timestamp { return .none }
            return begin(digit, event: event, timestamp: timestamp, now: now)
        case let .active(ts, current, duration, base, _):
            if ts == timestamp {
                let total = max(duration, base + Int(event.duration))
                if event.isEnd {
                    finish(timestamp: ts)
                    return .ended(current, duration: total)
                }
                state = .active(timestamp: ts, digit: current, duration: total, segmentBase: base, lastHeard: now)
                return .none
            }
            // Older than the event in progress: a late packet of something already handled.
            if !timestampIsAfter(timestamp, ts) { return .none }
            // The next segment of a long event (RFC 4733 §2.5.1.3): same digit, no marker, starting
            // where the previous segment's maximum duration ended.
            if digit == current, !marker, Int(timestamp &- ts) >= 0xFF00 - base, duration - base >= 0xFF00 {
                let segmentBase = base + Int(timestamp &- ts)
                let total = segmentBase + Int(event.duration)
                if event.isEnd {
                    finish(timestamp: timestamp)
                    return .ended(current, duration: total)
                }
                state = .active(timestamp: timestamp, digit: current, duration: total, segmentBase: segmentBase, lastHeard: now)
                return .none
            }
            finish(timestamp: ts)
            _ = begin(digit, event: event, timestamp: timestamp, now: now)
            return .endedAndBegan(ended: current, duration: duration, began: digit)
        }
    }

    /// Ends an event whose end packets never came; call from the owner's tick.
    mutating func expire(now: UInt64) -> TelephoneEventUpdate {
        guard case let .active(ts, digit, duration, _, lastHeard) = state, now > lastHeard, now - lastHeard > timeout else { return .none }
        finish(timestamp: ts)
        return .ended(digit, duration: duration)
    }

    private mutating func begin(_ digit: DTMFDigit, event: TelephoneEvent, timestamp: UInt32, now: UInt64) -> TelephoneEventUpdate {
        // An event seen first by its end packet (the others lost) begins and ends at once: the owner
        // takes the end with `takePendingEnd()` right after reporting the begin.
        pendingEnd = event.isEnd
        state = .active(timestamp: timestamp, digit: digit, duration: Int(event.duration), segmentBase: 0, lastHeard: now)
        return .began(digit)
    }

    /// Set when an event began with its end packet: the owner must call `takePendingEnd()`.
    private(set) var pendingEnd = false

    /// The end of an event that arrived with its first packet already marked E.
    mutating func takePendingEnd() -> TelephoneEventUpdate {
        guard pendingEnd, case let .active(ts, digit, duration, _, _) = state else { pendingEnd = false; return .none }
        pendingEnd = false
        finish(timestamp: ts)
        return .ended(digit, duration: duration)
    }

    private mutating func finish(timestamp: UInt32) {
        state = .idle
        endedTimestamp = timestamp
    }
}
