/// A tone media app: one or two frequencies with an on/off cadence, for ringback, busy or a test
/// tone, for a duration or until the call ends.
public final class ToneSource: MediaSource {
    public let frequencies: (Double, Double?)
    public let onMilliseconds: Int
    public let offMilliseconds: Int
    public let durationMilliseconds: Int?
    public let levelDBm0: Double
    private var generator: ToneGenerator?
    private var sampleRate = 8_000
    private var position = 0

    /// `offMilliseconds` 0 is a steady tone; `durationMilliseconds` nil plays until hang-up.
    public init(frequencies: (Double, Double?), onMilliseconds: Int = 1000, offMilliseconds: Int = 0,
                durationMilliseconds: Int? = nil, levelDBm0: Double = -13) {
        self.frequencies = frequencies
        self.onMilliseconds = max(1, onMilliseconds)
        self.offMilliseconds = max(0, offMilliseconds)
        self.durationMilliseconds = durationMilliseconds
        self.levelDBm0 = min(3, levelDBm0)
    }

    /// From a list of frequencies as the dialplan's `<tone>` gives them; the first two are mixed
    /// (every standard call-progress tone has one or two).
    public convenience init(frequencyList: [Double], onMilliseconds: Int = 1000, offMilliseconds: Int = 0,
                            durationMilliseconds: Int? = nil, levelDBm0: Double = -13) {
        self.init(frequencies: (frequencyList.first ?? 0, frequencyList.dropFirst().first), onMilliseconds: onMilliseconds,
                  offMilliseconds: offMilliseconds, durationMilliseconds: durationMilliseconds, levelDBm0: levelDBm0)
    }

    /// European ringback: 425 Hz, 1 s on, 4 s off (ITU-T E.180).
    public static func ringback() -> ToneSource { ToneSource(frequencies: (425, nil), onMilliseconds: 1000, offMilliseconds: 4000) }
    /// North American ringback: 440 + 480 Hz, 2 s on, 4 s off.
    public static func usRingback() -> ToneSource { ToneSource(frequencies: (440, 480), onMilliseconds: 2000, offMilliseconds: 4000) }
    /// European busy: 425 Hz, 0.5 s on, 0.5 s off.
    public static func busy() -> ToneSource { ToneSource(frequencies: (425, nil), onMilliseconds: 500, offMilliseconds: 500) }
    /// North American busy: 480 + 620 Hz, 0.5 s on, 0.5 s off.
    public static func usBusy() -> ToneSource { ToneSource(frequencies: (480, 620), onMilliseconds: 500, offMilliseconds: 500) }
    /// A steady tone of one frequency (1 kHz is the classic test tone).
    public static func frequency(_ hz: Double, durationMilliseconds: Int? = nil, levelDBm0: Double = -13) -> ToneSource {
        ToneSource(frequencies: (hz, nil), durationMilliseconds: durationMilliseconds, levelDBm0: levelDBm0)
    }

    public func prepare(sampleRate: Int) {
        self.sampleRate = sampleRate
        // Two mixed tones share the level so that their sum stays at the stated level per tone.
        generator = ToneGenerator(frequencies: frequencies, sampleRate: sampleRate, amplitude: AudioMath.amplitude(dBm0: levelDBm0))
        position = 0
    }

    public func fill(_ pcm: UnsafeMutableBufferPointer<Int16>) -> Int {
        guard let base = pcm.baseAddress, generator != nil else { return 0 }
        let cycle = (onMilliseconds + offMilliseconds) * sampleRate / 1000
        let on = onMilliseconds * sampleRate / 1000
        var limit = pcm.count
        if let d = durationMilliseconds { limit = max(0, min(limit, d * sampleRate / 1000 - position)) }
        var i = 0
        while i < limit {
            let inCycle = offMilliseconds == 0 ? 0 : position % cycle
            if inCycle < on {
                let run = min(limit - i, offMilliseconds == 0 ? limit - i : on - inCycle)
                generator?.render(into: base + i, count: run)
                i += run
                position += run
            } else {
                let run = min(limit - i, cycle - inCycle)
                (base + i).update(repeating: 0, count: run)
                // Each burst starts at phase zero, as a cadenced tone would from a tone plant.
                if inCycle + run == cycle { generator?.restart() }
                i += run
                position += run
            }
        }
        return limit
    }
}
