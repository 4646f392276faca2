/// A parsed RIFF/WAVE file holding 16-bit PCM mono at 8, 16 or 48 kHz: the only shape `playback`
/// accepts, checked chunk by chunk with every length bounded by the bytes actually present.
public struct WAVFile: Sendable {
    public let sampleRate: Int
    public let samples: [Int16]

    public init(bytes: [UInt8]) throws(MediaError) {
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        func tag(_ o: Int, _ s: StaticString) -> Bool {
            let p = s.utf8Start
            return (0..<4).allSatisfy { bytes[o + $0] == p[$0] }
        }
        guard bytes.count >= 12, tag(0, "RIFF"), tag(8, "WAVE") else { throw .wav("not a RIFF/WAVE file") }
        var offset = 12
        var format: (channels: Int, rate: Int, bits: Int, encoding: Int)?
        var data: Range<Int>?
        while offset + 8 <= bytes.count {
            let size = u32(offset + 4)
            let body = offset + 8
            guard size <= bytes.count - body else {
                // A truncated last data chunk (a recorder that died) still plays what is there.
                if tag(offset, "data") { data = body..<bytes.count }
                break
            }
            if tag(offset, "fmt ") {
                guard size >= 16 else { throw .wav("fmt chunk too short") }
                format = (u16(body + 2), u32(body + 4), u16(body + 14), u16(body))
            } else if tag(offset, "data") {
                data = body..<(body + size)
            }
            offset = body + size + (size & 1)   // chunks are padded to even length
        }
        guard let f = format else { throw .wav("no fmt chunk") }
        // 1 is PCM; 0xFFFE (WAVE_FORMAT_EXTENSIBLE) is accepted for its PCM subformat's sake.
        guard f.encoding == 1 || f.encoding == 0xFFFE, f.bits == 16 else { throw .wav("only 16-bit PCM is played") }
        guard f.channels == 1 else { throw .wav("only mono is played, not \(f.channels) channels") }
        guard [8_000, 16_000, 48_000].contains(f.rate) else { throw .wav("sample rate \(f.rate) Hz: use 8, 16 or 48 kHz") }
        guard let d = data else { throw .wav("no data chunk") }
        sampleRate = f.rate
        let count = d.count / 2
        samples = (0..<count).map { Int16(bitPattern: UInt16(bytes[d.lowerBound + 2 * $0]) | UInt16(bytes[d.lowerBound + 2 * $0 + 1]) << 8) }
    }
}

/// Plays a WAV file as a media app, converted once (at `prepare`) to the bridge's PCM rate so that
/// playing allocates and computes nothing but a copy.
public final class WAVPlayback: MediaSource {
    public let file: WAVFile
    public let loop: Bool
    private var converted: [Int16] = []
    private var position = 0

    public init(file: WAVFile, loop: Bool = false) {
        self.file = file
        self.loop = loop
    }

    /// Parses `bytes` (the owner reads the file; this module does no I/O).
    public convenience init(bytes: [UInt8], loop: Bool = false) throws(MediaError) {
        self.init(file: try WAVFile(bytes: bytes), loop: loop)
    }

    public func prepare(sampleRate: Int) {
        converted = Resampler.convert(file.samples, from: file.sampleRate, to: sampleRate)
        position = 0
    }

    public func fill(_ pcm: UnsafeMutableBufferPointer<Int16>) -> Int {
        var written = 0
        while written < pcm.count {
            if position >= converted.count {
                guard loop, !converted.isEmpty else { break }
                position = 0
            }
            let run = min(pcm.count - written, converted.count - position)
            for i in 0..<run { pcm[written + i] = converted[position + i] }
            written += run
            position += run
        }
        return written
    }
}

/// Whole-buffer conversion between the integer-ratio rates the bridge meets (8, 16, 48 kHz):
/// linear interpolation up, averaging down. Used off the packet path.
enum Resampler {
    static func convert(_ input: [Int16], from: Int, to: Int) -> [Int16] {
        guard from != to, !input.isEmpty, from > 0, to > 0 else { return input }
        if to > from, to % from == 0 {
            let k = to / from
            var out = [Int16](repeating: 0, count: input.count * k)
            for i in 0..<input.count {
                let a = Int(input[i]), b = Int(i + 1 < input.count ? input[i + 1] : input[i])
                for j in 0..<k { out[i * k + j] = Int16(a + (b - a) * j / k) }
            }
            return out
        }
        if from > to, from % to == 0 {
            let k = from / to
            return (0..<(input.count / k)).map { i in
                var sum = 0
                for j in 0..<k { sum += Int(input[i * k + j]) }
                return Int16(sum / k)
            }
        }
        // Any other ratio: nearest sample (not reached with the rates WAVFile accepts).
        let count = input.count * to / from
        return (0..<count).map { input[min(input.count - 1, $0 * from / to)] }
    }
}
