import CSpanDSP
import RTP

/// In-band DTMF generation at 8 kHz (spandsp), for legs that cannot carry RFC 4733 events.
/// The bridge itself uses `ToneGenerator` (any rate, exact durations); this stays for simple uses.
public final class DTMFToneGenerator {
    private let state: OpaquePointer

    public init() {
        // spandsp 0.0.6's dtmf_tx_init takes only the state.
        state = dtmf_tx_init(nil)
    }

    deinit { dtmf_tx_free(state) }

    /// Queues digits (0-9 * # A-D); returns how many were accepted.
    @discardableResult
    public func queue(_ digits: String) -> Int {
        let rc = dtmf_tx_put(state, digits, Int32(digits.utf8.count))
        return rc == 0 ? digits.utf8.count : 0
    }

    /// Fills `pcm` with up to `count` samples of tone; returns how many samples were generated.
    public func generate(into pcm: UnsafeMutablePointer<Int16>, count: Int) -> Int {
        Int(dtmf_tx(state, pcm, Int32(count)))
    }
}

/// In-band DTMF detection at 8 kHz (spandsp), polled instead of called back so no C callback is needed.
public final class DTMFToneDetector {
    private let state: OpaquePointer

    public init() {
        state = dtmf_rx_init(nil, nil, nil)
    }

    deinit { dtmf_rx_free(state) }

    public func process(_ pcm: UnsafePointer<Int16>, count: Int) {
        _ = dtmf_rx(state, pcm, Int32(count))
    }

    /// Digits detected since the last call.
    public func takeDigits() -> String {
        var out = ""
        while let d = nextDigit() { out.append(d.character) }
        return out
    }

    /// The oldest digit detected and not yet taken; allocates nothing.
    public func nextDigit() -> DTMFDigit? {
        // dtmf_rx_get writes a terminating NUL after the digits it returns: room for two bytes.
        var buf: (CChar, CChar) = (0, 0)
        let n = withUnsafeMutableBytes(of: &buf) { dtmf_rx_get(state, $0.baseAddress!.assumingMemoryBound(to: CChar.self), 1) }
        guard n == 1 else { return nil }
        return DTMFDigit(ascii: UInt8(bitPattern: buf.0))
    }

    /// The digit whose tone is present in the audio processed last, if any: how the end of a tone
    /// (and so its duration) is seen, since spandsp reports each digit once, at its start.
    public var currentDigit: DTMFDigit? {
        let s = dtmf_rx_status(state)
        guard s > 0, s < 128 else { return nil }
        return DTMFDigit(ascii: UInt8(s))
    }
}
