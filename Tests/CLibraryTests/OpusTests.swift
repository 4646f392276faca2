import Foundation
import Media
import Testing

/// Proves libopus is linked and really codes audio: a tone survives encode and decode at its pitch.
@Suite struct OpusTests {
    @Test(arguments: [Int32(48_000), 8_000, 16_000])
    func toneSurvivesEncodeDecode(rate: Int32) throws {
        let frame = Int(rate) / 50
        let encoder = try OpusEncoderContext(sampleRate: rate)
        let decoder = try OpusDecoderContext(sampleRate: rate)
        var decoded: [Int16] = []
        var packet = [UInt8](repeating: 0, count: 1500)
        var pcm = [Int16](repeating: 0, count: frame)
        var out = [Int16](repeating: 0, count: frame)
        for f in 0..<25 {
            for i in 0..<frame {
                let t = Double(f * frame + i) / Double(rate)
                pcm[i] = Int16(8000 * sin(2 * .pi * 440 * t))
            }
            let n = try encoder.encode(pcm, frameSamples: Int32(frame), into: &packet, capacity: Int32(packet.count))
            #expect(n > 2 && n < 400)
            let samples = try decoder.decode(packet, length: Int32(n), into: &out, maxSamples: Int32(frame))
            #expect(samples == frame)
            decoded += out
        }
        // Skip the codec's start-up, then measure pitch by zero crossings over the rest.
        let tail = decoded.suffix(decoded.count / 2)
        let crossings = zip(tail, tail.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
        let frequency = Double(crossings) / 2 / (Double(tail.count) / Double(rate))
        #expect(abs(frequency - 440) < 15, "decoded pitch \(frequency) Hz")
        let rms = sqrt(tail.map { Double($0) * Double($0) }.reduce(0, +) / Double(tail.count))
        #expect(rms > 3000 && rms < 8000, "decoded level \(rms)")
    }

    @Test func lossConcealmentFillsAFrame() throws {
        let decoder = try OpusDecoderContext(sampleRate: 8_000)
        var out = [Int16](repeating: 1, count: 160)
        #expect(try decoder.decode(nil, length: 0, into: &out, maxSamples: 160) == 160)
    }

    @Test func garbagePacketIsAnError() throws {
        let decoder = try OpusDecoderContext(sampleRate: 48_000)
        var out = [Int16](repeating: 0, count: 960)
        // TOC byte for code 3 (arbitrary frame count) with a frame count of zero is invalid.
        let bad: [UInt8] = [0x03, 0x00]
        #expect(throws: OpusError.self) { try decoder.decode(bad, length: 2, into: &out, maxSamples: 960) }
    }
}
