import RTP

/// A digit heard in a leg's audio, as begin and end with the tone's measured length.
enum DetectedTone: Sendable, Equatable {
    case began(DTMFDigit)
    case ended(DTMFDigit, duration: UInt64)
}

/// Finds DTMF tones in a leg's decoded audio (spandsp, 8 kHz) at the bridge's PCM rate, bringing
/// 16 and 48 kHz audio down by averaging (the DTMF band is far below the folded frequencies'
/// reach after the averaging's low-pass), and tracks each tone from start to end.
final class InbandDTMFDetector {
    private let detector = DTMFToneDetector()
    private let pcmRate: Int
    private let factor: Int
    private let scratch: UnsafeMutablePointer<Int16>
    private let scratchCapacity = 960
    /// The digit sounding and how many 8 kHz samples it has lasted.
    private var current: DTMFDigit?
    private var currentSamples = 0

    init(pcmRate: Int) {
        self.pcmRate = pcmRate
        factor = max(1, pcmRate / 8_000)
        scratch = .allocate(capacity: scratchCapacity)
    }

    deinit { scratch.deallocate() }

    /// Feeds audio; `report` gets each begin and end found in it.
    func process(_ pcm: UnsafePointer<Int16>, count: Int, report: (DetectedTone) -> Void) {
        var offset = 0
        while offset < count {
            let chunk8k = min(scratchCapacity, (count - offset) / factor, 80)
            guard chunk8k > 0 else { return }
            if factor == 1 {
                scratch.update(from: pcm + offset, count: chunk8k)
            } else {
                for i in 0..<chunk8k {
                    var sum = 0
                    let base = offset + i * factor
                    for k in 0..<factor { sum += Int(pcm[base + k]) }
                    scratch[i] = Int16(truncatingIfNeeded: sum / factor)
                }
            }
            offset += chunk8k * factor
            detector.process(scratch, count: chunk8k)
            while let d = detector.nextDigit() {
                if let c = current { report(.ended(c, duration: duration)) }
                current = d
                // spandsp confirms a tone's start and its end with about the same delay, so
                // counting from confirmation to loss measures the tone's length.
                currentSamples = 0
                report(.began(d))
            }
            if let c = current {
                if detector.currentDigit == c {
                    currentSamples += chunk8k
                } else {
                    report(.ended(c, duration: duration))
                    current = nil
                }
            }
        }
    }

    private var duration: UInt64 { UInt64(currentSamples) * 125_000 }
}
