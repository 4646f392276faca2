import COpus
import COpusShim

/// Why libopus refused a call.
public struct OpusError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: Int32
    public var description: String { String(cString: opus_strerror(code)) }
}

/// One leg's Opus encoder: owns an `OpusEncoder`, encodes 16-bit PCM at the leg's PCM rate
/// (libopus resamples internally, so the G.711 side can feed 8 kHz directly). Confined to one event loop.
public final class OpusEncoderContext {
    private let encoder: OpaquePointer
    public let sampleRate: Int32
    public let channels: Int32

    /// Voice-tuned defaults: in-band FEC on, as browsers negotiate `useinbandfec=1`.
    public init(sampleRate: Int32, channels: Int32 = 1, bitrate: Int32 = 32_000, complexity: Int32 = 5,
                inbandFEC: Bool = true, packetLossPercent: Int32 = 5, dtx: Bool = false) throws(OpusError) {
        var err: Int32 = 0
        guard let enc = opus_encoder_create(sampleRate, channels, OPUS_APPLICATION_VOIP, &err), err == OPUS_OK else {
            throw OpusError(code: err)
        }
        encoder = enc
        self.sampleRate = sampleRate
        self.channels = channels
        _ = tandem_opus_set_bitrate(enc, bitrate)
        _ = tandem_opus_set_complexity(enc, complexity)
        _ = tandem_opus_set_signal_voice(enc)
        _ = tandem_opus_set_inband_fec(enc, inbandFEC ? 1 : 0)
        _ = tandem_opus_set_packet_loss_perc(enc, inbandFEC ? packetLossPercent : 0)
        _ = tandem_opus_set_dtx(enc, dtx ? 1 : 0)
    }

    deinit { opus_encoder_destroy(encoder) }

    /// Encodes one frame of `pcm` (frameSamples per channel) into `output`; returns the packet length.
    /// With DTX on, a length of 1 or 2 means "silence, nothing worth sending".
    public func encode(_ pcm: UnsafePointer<Int16>, frameSamples: Int32, into output: UnsafeMutablePointer<UInt8>, capacity: Int32) throws(OpusError) -> Int {
        let n = opus_encode(encoder, pcm, frameSamples, output, capacity)
        guard n >= 0 else { throw OpusError(code: n) }
        return Int(n)
    }

    public func setComplexity(_ complexity: Int32) { _ = tandem_opus_set_complexity(encoder, complexity) }
    public func setBitrate(_ bitrate: Int32) { _ = tandem_opus_set_bitrate(encoder, bitrate) }
    public func reset() { _ = tandem_opus_encoder_reset(encoder) }
}

/// One leg's Opus decoder, decoding to 16-bit PCM at the rate the other leg needs.
public final class OpusDecoderContext {
    private let decoder: OpaquePointer
    public let sampleRate: Int32
    public let channels: Int32

    public init(sampleRate: Int32, channels: Int32 = 1) throws(OpusError) {
        var err: Int32 = 0
        guard let dec = opus_decoder_create(sampleRate, channels, &err), err == OPUS_OK else { throw OpusError(code: err) }
        decoder = dec
        self.sampleRate = sampleRate
        self.channels = channels
    }

    deinit { opus_decoder_destroy(decoder) }

    /// Decodes one packet into `pcm` (room for `maxSamples` per channel); returns samples per channel.
    /// A nil packet asks for packet-loss concealment of `maxSamples`.
    public func decode(_ packet: UnsafePointer<UInt8>?, length: Int32, into pcm: UnsafeMutablePointer<Int16>, maxSamples: Int32) throws(OpusError) -> Int {
        let n = opus_decode(decoder, packet, packet == nil ? 0 : length, pcm, maxSamples, 0)
        guard n >= 0 else { throw OpusError(code: n) }
        return Int(n)
    }

    /// Recovers the frame *before* `packet` from the in-band FEC data it carries (RFC 7587 §3.2);
    /// `samples` must be the lost frame's length. Without FEC data libopus conceals instead.
    public func decodeFEC(_ packet: UnsafePointer<UInt8>, length: Int32, into pcm: UnsafeMutablePointer<Int16>, samples: Int32) throws(OpusError) -> Int {
        let n = opus_decode(decoder, packet, length, pcm, samples, 1)
        guard n >= 0 else { throw OpusError(code: n) }
        return Int(n)
    }

    /// Samples per channel in `packet` at this decoder's rate, from its TOC byte; nil if malformed.
    public func sampleCount(_ packet: UnsafePointer<UInt8>, length: Int32) -> Int? {
        guard length > 0 else { return nil }
        let n = opus_packet_get_nb_samples(packet, length, sampleRate)
        return n > 0 ? Int(n) : nil
    }

    public func reset() { _ = tandem_opus_decoder_reset(decoder) }
}
