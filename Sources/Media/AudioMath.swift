/// The few transcendental functions tone generation needs, in plain Swift: the module uses no
/// Foundation or libm, and these run only when a tone is set up or a table is built.
enum AudioMath {
    static let twoPi = 6.283185307179586

    /// sin(x) by range reduction to [-π, π] and a Taylor series (error < 1e-12 there).
    static func sine(_ x: Double) -> Double {
        var r = x - (x / twoPi).rounded(.down) * twoPi
        if r > twoPi / 2 { r -= twoPi }
        var term = r, sum = r
        let r2 = r * r
        var n = 1.0
        for _ in 0..<14 {
            term *= -r2 / ((n + 1) * (n + 2))
            sum += term
            n += 2
        }
        return sum
    }

    /// e^x by halving until small, a Taylor series, then squaring back.
    static func exp(_ x: Double) -> Double {
        var k = 0
        var y = x
        while abs(y) > 0.5 { y /= 2; k += 1 }
        var term = 1.0, sum = 1.0
        for i in 1...16 {
            term *= y / Double(i)
            sum += term
        }
        for _ in 0..<k { sum *= sum }
        return sum
    }

    /// Amplitude factor of `decibels` (20·log10 scale).
    static func gain(decibels: Double) -> Double {
        exp(decibels / 20 * 2.302585092994046)
    }

    /// Peak amplitude of a sine at `dBm0` in 16-bit linear PCM: a full-scale sine is +3.14 dBm0 (ITU-T G.711).
    static func amplitude(dBm0: Double) -> Double {
        32_767 * gain(decibels: dBm0 - 3.14)
    }
}

/// One period of a sine in 4096 steps, shared by every tone generator.
let sineTable: [Float] = (0...4096).map { Float(AudioMath.sine(Double($0) * AudioMath.twoPi / 4096)) }

/// A phase-accumulating oscillator: 32-bit phase, table lookup with linear interpolation. Exact in
/// frequency over any duration (no drift), cheap per sample, and the same at any sample rate.
struct Oscillator: Sendable {
    private var phase: UInt32 = 0
    private let step: UInt32
    let amplitude: Float

    init(frequency: Double, sampleRate: Int, amplitude: Double) {
        let f = max(0, min(frequency, Double(sampleRate) / 2))
        step = UInt32(truncatingIfNeeded: Int64((f / Double(max(1, sampleRate))) * 4_294_967_296.0))
        self.amplitude = Float(amplitude)
    }

    @inline(__always) mutating func next() -> Float {
        let index = Int(phase >> 20)
        let fraction = Float(phase & 0xFFFFF) / 1_048_576
        let value = sineTable.withUnsafeBufferPointer { t in t[index] + (t[index + 1] - t[index]) * fraction }
        phase &+= step
        return value * amplitude
    }

    mutating func restart() { phase = 0 }
}

/// Clips a mixed sample into 16 bits.
@inline(__always) func clip16(_ v: Float) -> Int16 {
    Int16(max(-32_768, min(32_767, v.rounded())))
}
