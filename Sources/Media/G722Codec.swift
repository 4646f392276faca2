import CSpanDSP

/// One leg's G.722 encoder and decoder pair (spandsp) at 64 kbit/s. Stateful (ADPCM), so one per
/// call leg. At `sampleRate` 16000 it codes wideband; at 8000 spandsp codes only the lower sub-band,
/// which is how a G.722 leg meets a G.711 one without a separate resampler.
public final class G722Codec {
    private let encoder: OpaquePointer
    private let decoder: OpaquePointer
    public let sampleRate: Int

    public init(sampleRate: Int = 16_000) {
        self.sampleRate = sampleRate == 8_000 ? 8_000 : 16_000
        let options: Int32 = sampleRate == 8_000 ? Int32(G722_SAMPLE_RATE_8000) : 0
        encoder = g722_encode_init(nil, 64_000, options)
        decoder = g722_decode_init(nil, 64_000, options)
    }

    deinit {
        g722_encode_free(encoder)
        g722_decode_free(decoder)
    }

    /// PCM at `sampleRate` in; bytes out (`count / 2` at 16 kHz, `count` at 8 kHz).
    public func encode(_ pcm: UnsafePointer<Int16>, count: Int, into out: UnsafeMutablePointer<UInt8>) -> Int {
        Int(g722_encode(encoder, out, pcm, Int32(count)))
    }

    /// Bytes in; PCM at `sampleRate` out (`2 * count` samples at 16 kHz, `count` at 8 kHz).
    public func decode(_ data: UnsafePointer<UInt8>, count: Int, into pcm: UnsafeMutablePointer<Int16>) -> Int {
        Int(g722_decode(decoder, pcm, data, Int32(count)))
    }
}
