import Foundation
@testable import Media
import RTP
import Testing

/// Each codec carries a 1 kHz tone at its pitch (DFT) and level (within 1 dB), through the same
/// `LegCodec` the bridge uses, at each PCM rate the bridge runs it at.
@Suite struct CodecRoundTripTests {
    static let cases: [(AudioCodec, Int)] = [(.pcmu, 8_000), (.pcma, 8_000), (.g722, 16_000), (.g722, 8_000),
                                             (.opus, 8_000), (.opus, 16_000), (.opus, 48_000)]

    @Test(arguments: 0..<cases.count)
    func oneKilohertzRoundTrip(index: Int) throws {
        let (codecKind, rate) = Self.cases[index]
        let codec = try LegCodec(codec: codecKind, pcmRate: rate, opus: OpusSettings(complexity: 5, bitrate: 32_000))
        let frame = rate / 50
        let input = Signal.sine(frequency: 1000, rate: rate, count: frame * 50, amplitude: 10_000)
        var output: [Int16] = []
        var payload = [UInt8](repeating: 0, count: 1500)
        var pcm = [Int16](repeating: 0, count: 5760)
        for f in 0..<50 {
            let n = try #require(input[(f * frame)..<((f + 1) * frame)].withUnsafeBufferPointer { src in
                payload.withUnsafeMutableBytes { codec.encode(src.baseAddress!, count: frame, into: $0) }
            })
            let decoded = try #require(payload.withUnsafeBytes { p in
                pcm.withUnsafeMutableBufferPointer { codec.decode(UnsafeRawBufferPointer(rebasing: p[0..<n]), into: $0.baseAddress!, capacity: 5760) }
            })
            #expect(decoded == frame)
            output += pcm[0..<decoded]
        }
        // Past the codec's start-up and delay, compare the steady state.
        let tail = output[(output.count / 2)...]
        let frequency = Signal.dominantFrequency(tail, rate: rate, low: 200, high: Double(rate) / 2 - 100)
        #expect(abs(frequency - 1000) <= 5, "\(codecKind) at \(rate): \(frequency) Hz")
        let levelDifference = Signal.decibels(Signal.rms(tail) / Signal.rms(input[(input.count / 2)...]))
        #expect(abs(levelDifference) <= 1, "\(codecKind) at \(rate): level off by \(levelDifference) dB")
    }

    @Test func opusFECRecoversALostFrame() throws {
        let codec = try LegCodec(codec: .opus, pcmRate: 8_000, opus: OpusSettings(complexity: 5, inbandFEC: true, packetLossPercent: 20))
        let input = Signal.sine(frequency: 440, rate: 8_000, count: 160 * 30, amplitude: 8_000)
        var packets: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 1500)
        for f in 0..<30 {
            let n = input[(f * 160)..<((f + 1) * 160)].withUnsafeBufferPointer { src in
                buffer.withUnsafeMutableBytes { codec.encode(src.baseAddress!, count: 160, into: $0) }
            }
            packets.append(Array(buffer[0..<(n ?? 0)]))
        }
        let decoder = try LegCodec(codec: .opus, pcmRate: 8_000, opus: OpusSettings())
        var pcm = [Int16](repeating: 0, count: 960)
        for f in 0..<20 { _ = packets[f].withUnsafeBytes { p in pcm.withUnsafeMutableBufferPointer { decoder.decode(p, into: $0.baseAddress!, capacity: 960) } } }
        // Frame 20 lost: recovered from frame 21's FEC, at the tone's pitch and near its level.
        let n = packets[21].withUnsafeBytes { p in pcm.withUnsafeMutableBufferPointer { decoder.conceal(into: $0.baseAddress!, samples: 160, next: p) } }
        #expect(n == 160)
        #expect(Signal.rms(pcm[0..<160]) > 2_000)
    }

    @Test func malformedOpusIsRefusedNotCrashed() throws {
        let codec = try LegCodec(codec: .opus, pcmRate: 8_000, opus: OpusSettings())
        var pcm = [Int16](repeating: 0, count: 5760)
        for bad: [UInt8] in [[0x03, 0x00], [], [0xFF, 0xFF, 0xFF]] {
            let r = bad.withUnsafeBytes { p in pcm.withUnsafeMutableBufferPointer { codec.decode(p, into: $0.baseAddress!, capacity: 5760) } }
            #expect(r == nil || r! <= 5760)
        }
    }
}

/// G.711 against ITU-T G.711: an independent implementation of the standard's expansion tables
/// (μ-law Table 2a and A-law Table 1a, scaled to 16 bits) must agree on all 256 codes, and
/// the known points (silence codes, extremes) hold.
@Suite struct G711TableTests {
    /// μ-law expansion as the standard defines it: bias 33, segment and step from the complemented code.
    static func ituMuLaw(_ code: UInt8) -> Int16 {
        let u = ~code
        let exponent = Int((u >> 4) & 0x07)
        let mantissa = Int(u & 0x0F)
        let magnitude = ((mantissa << 3) + 0x84) << exponent
        return Int16(u & 0x80 != 0 ? 0x84 - magnitude : magnitude - 0x84)
    }

    /// A-law expansion: even bits inverted (XOR 0x55), segment 0 linear, then doubling steps.
    static func ituALaw(_ code: UInt8) -> Int16 {
        let a = code ^ 0x55
        let exponent = Int((a >> 4) & 0x07)
        let mantissa = Int(a & 0x0F)
        let magnitude = exponent == 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1)
        return Int16(a & 0x80 != 0 ? magnitude : -magnitude)
    }

    @Test func muLawExpansionMatchesTheStandard() {
        for code in 0...255 {
            var c = UInt8(code)
            var out: Int16 = 0
            G711.ulaw.decode(&c, count: 1, into: &out)
            #expect(out == Self.ituMuLaw(UInt8(code)), "code \(code)")
        }
    }

    @Test func aLawExpansionMatchesTheStandard() {
        for code in 0...255 {
            var c = UInt8(code)
            var out: Int16 = 0
            G711.alaw.decode(&c, count: 1, into: &out)
            #expect(out == Self.ituALaw(UInt8(code)), "code \(code)")
        }
    }

    @Test func knownPoints() {
        func enc(_ law: G711, _ x: Int16) -> UInt8 { var v = x; var c: UInt8 = 0; law.encode(&v, count: 1, into: &c); return c }
        #expect(enc(.ulaw, 0) == 0xFF)
        #expect(enc(.alaw, 0) == 0xD5)
        #expect(enc(.ulaw, 32_767) == 0x80)
        #expect(enc(.ulaw, -32_768) == 0x00)
        #expect(enc(.alaw, 32_767) == 0xAA)
        #expect(enc(.alaw, -32_768) == 0x2A)
        #expect(Self.ituMuLaw(0x80) == 32_124 && Self.ituMuLaw(0x00) == -32_124)
        #expect(Self.ituALaw(0xAA) == 32_256 && Self.ituALaw(0x2A) == -32_256)
        #expect(Self.ituALaw(0xD5) == 8)
    }

    /// Companding is idempotent: a decoded value re-encodes to a code that decodes to itself.
    @Test(arguments: [G711.ulaw, .alaw])
    func reencodingDecodedValuesIsStable(law: G711) {
        for code in 0...255 {
            var c = UInt8(code), again: UInt8 = 0
            var x: Int16 = 0, y: Int16 = 0
            law.decode(&c, count: 1, into: &x)
            law.encode(&x, count: 1, into: &again)
            law.decode(&again, count: 1, into: &y)
            #expect(x == y)
        }
    }
}
