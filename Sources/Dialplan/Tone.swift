/// A tone the gateway generates toward the caller: one or more frequencies mixed, with an on/off
/// cadence, for a duration. `<tone name="...">` picks a preset; `frequencies` makes a custom one.
public struct Tone: Sendable, Equatable, CustomStringConvertible {
    public var frequencies: [Double]
    /// Milliseconds on then off; `off == 0` is a steady tone.
    public var onMilliseconds: Int
    public var offMilliseconds: Int
    /// nil plays until the call ends.
    public var duration: Duration?
    /// Level in dBm0, negative.
    public var level: Double

    public init(frequencies: [Double], onMilliseconds: Int = 1000, offMilliseconds: Int = 0, duration: Duration? = nil, level: Double = -13) {
        self.frequencies = frequencies
        self.onMilliseconds = onMilliseconds
        self.offMilliseconds = offMilliseconds
        self.duration = duration
        self.level = level
    }

    /// Presets (ITU-T E.180 / North American values), for tests a person can recognise by ear.
    public static let presets: [String: Tone] = [
        "test": Tone(frequencies: [1000]),
        "dial": Tone(frequencies: [350, 440]),
        "ring": Tone(frequencies: [440, 480], onMilliseconds: 2000, offMilliseconds: 4000),
        "busy": Tone(frequencies: [480, 620], onMilliseconds: 500, offMilliseconds: 500),
        "congestion": Tone(frequencies: [480, 620], onMilliseconds: 250, offMilliseconds: 250),
        "beep": Tone(frequencies: [1000], onMilliseconds: 500, offMilliseconds: 0, duration: .milliseconds(500)),
    ]

    public var description: String {
        var s = frequencies.map { $0 == $0.rounded() ? String(Int($0)) : String($0) }.joined(separator: "+") + " Hz"
        if offMilliseconds > 0 { s += " \(onMilliseconds)/\(offMilliseconds) ms" }
        s += duration.map { " for \(DurationText.format($0))" } ?? " until hangup"
        if level != -13 { s += " at \(level) dBm0" }
        return s
    }
}
