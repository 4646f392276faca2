import CSpanDSP

/// One leg's G.722 encoder and decoder pair (spandsp) at 64 kbit/s with 16 kHz PCM.
/// Stateful (ADPCM), so one per call leg.
public final class G722Codec {
    private let encoder: OpaquePointer
    private let decoder: OpaquePointer

    public init() {
        encoder = g722_encode_init(nil, 64_000, 0)
        decoder = g722_decode_init(nil, 64_000, 0)
    }

    deinit {
        g722_encode_free(encoder)
        g722_decode_free(decoder)
    }

    /// 16 kHz samples in, `count / 2` bytes out.
    public func encode(_ pcm: UnsafePointer<Int16>, count: Int, into out: UnsafeMutablePointer<UInt8>) -> Int {
        Int(g722_encode(encoder, out, pcm, Int32(count)))
    }

    /// Bytes in, `2 * count` 16 kHz samples out.
    public func decode(_ data: UnsafePointer<UInt8>, count: Int, into pcm: UnsafeMutablePointer<Int16>) -> Int {
        Int(g722_decode(decoder, pcm, data, Int32(count)))
    }
}
