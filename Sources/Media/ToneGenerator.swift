import RTP

/// Renders up to two mixed frequencies into PCM at any rate: the sound of a DTMF key, ringback,
/// busy or a test tone. Cadence lives in `ToneSource`; this only makes the waveform.
struct ToneGenerator: Sendable {
    private var first: Oscillator
    private var second: Oscillator?

    init(frequencies: (Double, Double?), sampleRate: Int, amplitude: Double) {
        first = Oscillator(frequency: frequencies.0, sampleRate: sampleRate, amplitude: amplitude)
        second = frequencies.1.map { Oscillator(frequency: $0, sampleRate: sampleRate, amplitude: amplitude) }
    }

    /// A DTMF key: both frequencies at -8 dBm0 each, a level every detector accepts (Q.24: -3…-30 dBm0).
    init(digit: DTMFDigit, sampleRate: Int) {
        let f = digit.frequencies
        self.init(frequencies: (Double(f.low), Double(f.high)), sampleRate: sampleRate, amplitude: AudioMath.amplitude(dBm0: -8))
    }

    mutating func render(into pcm: UnsafeMutablePointer<Int16>, count: Int) {
        if var s = second {
            for i in 0..<count { pcm[i] = clip16(first.next() + s.next()) }
            second = s
        } else {
            for i in 0..<count { pcm[i] = clip16(first.next()) }
        }
    }

    mutating func restart() {
        first.restart()
        second?.restart()
    }
}
