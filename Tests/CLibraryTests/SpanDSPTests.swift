import Foundation
import Media
import Testing

/// Proves spandsp is linked: DTMF it generates is detected back, and G.711/G.722 round-trip audio.
@Suite struct SpanDSPTests {
    @Test func generatedDigitsAreDetected() {
        let generator = DTMFToneGenerator()
        let detector = DTMFToneDetector()
        #expect(generator.queue("159#*0D") == 7)
        var pcm = [Int16](repeating: 0, count: 160)
        var heard = ""
        for _ in 0..<200 {
            let n = generator.generate(into: &pcm, count: 160)
            if n < 160 { for i in n..<160 { pcm[i] = 0 } }
            detector.process(pcm, count: 160)
            heard += detector.takeDigits()
        }
        #expect(heard == "159#*0D")
    }

    @Test func silenceHasNoDigits() {
        let detector = DTMFToneDetector()
        let pcm = [Int16](repeating: 0, count: 8000)
        detector.process(pcm, count: pcm.count)
        #expect(detector.takeDigits() == "")
    }

    @Test(arguments: [G711.ulaw, .alaw])
    func g711RoundTripKeepsTheSignal(law: G711) {
        let pcm = (0..<160).map { Int16(10_000 * sin(2 * .pi * 1000 * Double($0) / 8000)) }
        var coded = [UInt8](repeating: 0, count: 160)
        var back = [Int16](repeating: 0, count: 160)
        law.encode(pcm, count: 160, into: &coded)
        law.decode(coded, count: 160, into: &back)
        // Companding error is at most a few percent of the sample near full scale.
        for (a, b) in zip(pcm, back) { #expect(abs(Int(a) - Int(b)) <= max(64, abs(Int(a)) / 16)) }
        // Known code points: silence is 0xFF in mu-law and 0xD5 in A-law.
        var zero: [Int16] = [0]
        var z: [UInt8] = [0]
        law.encode(&zero, count: 1, into: &z)
        #expect(z[0] == (law == .ulaw ? 0xFF : 0xD5))
    }

    @Test func g722CodesA16kHzTone() {
        let codec = G722Codec()
        var decoded: [Int16] = []
        var bytes = [UInt8](repeating: 0, count: 160)
        var out = [Int16](repeating: 0, count: 320)
        for f in 0..<20 {
            let pcm = (0..<320).map { Int16(8000 * sin(2 * .pi * 1000 * Double(f * 320 + $0) / 16000)) }
            #expect(codec.encode(pcm, count: 320, into: &bytes) == 160)
            #expect(codec.decode(bytes, count: 160, into: &out) == 320)
            decoded += out
        }
        let tail = decoded.suffix(3200)
        let crossings = zip(tail, tail.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
        let frequency = Double(crossings) / 2 / (Double(tail.count) / 16000)
        #expect(abs(frequency - 1000) < 20, "decoded pitch \(frequency) Hz")
    }
}
