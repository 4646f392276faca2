/// RFC 3389 comfort noise: the payload's first byte is the noise level in -dBov (0…127); the
/// spectral coefficients after it are optional and ignored here. CN is never decoded as audio: a
/// CN packet says "silence at this level until audio resumes".
struct ComfortNoisePayload: Sendable, Equatable {
    /// Noise level in -dBov.
    var level: UInt8

    init?(parsing payload: UnsafeRawBufferPointer) {
        guard let first = payload.first else { return nil }
        level = first & 0x7f
    }

    init(level: UInt8) { self.level = level & 0x7f }

    /// Writes the 1-byte payload (level only, no spectral information).
    func write(to out: UnsafeMutableRawBufferPointer) -> Int? {
        guard out.count >= 1 else { return nil }
        out[0] = level
        return 1
    }
}

/// White noise at an RFC 3389 level, for a leg that did not negotiate CN while the other leg is in
/// a CN silence: a little noise sounds like a live line, a dead stream like a dropped call.
struct ComfortNoiseGenerator: Sendable {
    private var state: UInt32 = 0x1234_5678
    private(set) var amplitude: Int32 = 0

    /// Sets the level in -dBov; levels below -90 dBov (127 means "no noise") give silence.
    mutating func setLevel(_ level: UInt8) {
        guard level < 90 else { amplitude = 0; return }
        // RMS of uniform noise in [-a, a] is a/√3; dBov is relative to a full-scale sine's RMS.
        let rms = 32_767 / 1.4142135623730951 * AudioMath.gain(decibels: -Double(level))
        amplitude = Int32(min(32_767, rms * 1.7320508075688772))
    }

    mutating func render(into pcm: UnsafeMutablePointer<Int16>, count: Int) {
        guard amplitude > 0 else { pcm.update(repeating: 0, count: count); return }
        for i in 0..<count {
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            let uniform = Int32(bitPattern: state) >> 16   // -32768…32767
            pcm[i] = Int16(truncatingIfNeeded: (uniform * amplitude) >> 15)
        }
    }
}
