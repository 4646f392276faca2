import CSpanDSP
import RTP

/// One leg's audio codec state at the bridge's PCM rate: decoder, encoder and loss concealment,
/// dispatched by a switch rather than a protocol so the per-packet path has no existential boxes.
/// Created when the call (or a re-INVITE) fixes the codec; never on the packet path.
final class LegCodec {
    let codec: AudioCodec
    /// Samples per second of the PCM this codec reads and writes (the bridge's rate).
    let pcmRate: Int
    private let opusEncoder: OpusEncoderContext?
    private let opusDecoder: OpusDecoderContext?
    private let g722: G722Codec?
    /// spandsp's waveform-substitution PLC for the sample codecs (Opus conceals by itself).
    private let plc: UnsafeMutablePointer<plc_state_t>?
    /// Length of the last decoded frame: what a lost one is assumed to be.
    private(set) var lastFrameSamples: Int

    init(codec: AudioCodec, pcmRate: Int, opus settings: OpusSettings) throws(MediaError) {
        self.codec = codec
        self.pcmRate = pcmRate
        lastFrameSamples = pcmRate / 50
        switch codec {
        case .opus:
            do {
                opusEncoder = try OpusEncoderContext(sampleRate: Int32(pcmRate),
                                                     bitrate: Int32(settings.resolvedBitrate(pcmRate: pcmRate)),
                                                     complexity: Int32(settings.resolvedComplexity(pcmRate: pcmRate)),
                                                     inbandFEC: settings.inbandFEC, packetLossPercent: Int32(settings.packetLossPercent),
                                                     dtx: settings.dtx)
                opusDecoder = try OpusDecoderContext(sampleRate: Int32(pcmRate))
            } catch {
                throw .codec("opus: \(error)")
            }
            g722 = nil
            plc = nil
        case .g722:
            opusEncoder = nil
            opusDecoder = nil
            g722 = G722Codec(sampleRate: pcmRate)
            plc = plc_init(nil)
        case .pcmu, .pcma:
            guard pcmRate == 8_000 else { throw .codec("G.711 needs 8 kHz PCM, not \(pcmRate)") }
            opusEncoder = nil
            opusDecoder = nil
            g722 = nil
            plc = plc_init(nil)
        }
    }

    deinit {
        if let plc { plc_free(plc) }
    }

    /// Samples at `pcmRate` that `payload` decodes to, without decoding it; nil if malformed.
    func sampleCount(_ payload: UnsafeRawBufferPointer) -> Int? {
        guard let base = payload.baseAddress?.assumingMemoryBound(to: UInt8.self), payload.count > 0 else { return nil }
        switch codec {
        case .opus: return opusDecoder?.sampleCount(base, length: Int32(payload.count))
        case .pcmu, .pcma: return payload.count
        case .g722: return pcmRate == 16_000 ? payload.count * 2 : payload.count
        }
    }

    /// RTP clock ticks covered by `payload` (its duration on the wire); nil if malformed.
    func rtpDuration(_ payload: UnsafeRawBufferPointer) -> Int? {
        guard let n = sampleCount(payload) else { return nil }
        return n * codec.rtpClockRate / pcmRate
    }

    /// Decodes a payload into `pcm`; returns the sample count, or nil when the payload is malformed
    /// or would not fit in `capacity`.
    func decode(_ payload: UnsafeRawBufferPointer, into pcm: UnsafeMutablePointer<Int16>, capacity: Int) -> Int? {
        guard let base = payload.baseAddress?.assumingMemoryBound(to: UInt8.self), payload.count > 0,
              let n = sampleCount(payload), n <= capacity else { return nil }
        let decoded: Int
        switch codec {
        case .opus:
            guard let d = try? opusDecoder?.decode(base, length: Int32(payload.count), into: pcm, maxSamples: Int32(capacity)) else { return nil }
            decoded = d
        case .pcmu:
            G711.ulaw.decode(base, count: payload.count, into: pcm)
            decoded = payload.count
        case .pcma:
            G711.alaw.decode(base, count: payload.count, into: pcm)
            decoded = payload.count
        case .g722:
            guard let g722 else { return nil }
            decoded = g722.decode(base, count: payload.count, into: pcm)
        }
        if let plc { _ = plc_rx(plc, pcm, Int32(decoded)) }
        if decoded > 0 { lastFrameSamples = decoded }
        return decoded
    }

    /// Fills `samples` of `pcm` for a lost frame: from the FEC data of `next` (the packet after the
    /// loss) when Opus has it, else by concealment.
    func conceal(into pcm: UnsafeMutablePointer<Int16>, samples: Int, next: UnsafeRawBufferPointer?) -> Int {
        switch codec {
        case .opus:
            if let next, let base = next.baseAddress?.assumingMemoryBound(to: UInt8.self), next.count > 0,
               let n = try? opusDecoder?.decodeFEC(base, length: Int32(next.count), into: pcm, samples: Int32(samples)) {
                return n
            }
            if let n = try? opusDecoder?.decode(nil, length: 0, into: pcm, maxSamples: Int32(samples)) { return n }
            pcm.update(repeating: 0, count: samples)
            return samples
        case .pcmu, .pcma, .g722:
            if let plc { return Int(plc_fillin(plc, pcm, Int32(samples))) }
            pcm.update(repeating: 0, count: samples)
            return samples
        }
    }

    /// Encodes `count` samples into `out`; returns the payload length, nil on failure.
    func encode(_ pcm: UnsafePointer<Int16>, count: Int, into out: UnsafeMutableRawBufferPointer) -> Int? {
        guard let base = out.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        switch codec {
        case .opus:
            return try? opusEncoder?.encode(pcm, frameSamples: Int32(count), into: base, capacity: Int32(min(out.count, 1275)))
        case .pcmu:
            guard out.count >= count else { return nil }
            G711.ulaw.encode(pcm, count: count, into: base)
            return count
        case .pcma:
            guard out.count >= count else { return nil }
            G711.alaw.encode(pcm, count: count, into: base)
            return count
        case .g722:
            guard let g722, out.count >= count else { return nil }
            return g722.encode(pcm, count: count, into: base)
        }
    }
}

/// Why a bridge could not be set up.
public enum MediaError: Error, Sendable, Equatable, CustomStringConvertible {
    case codec(String)
    case invalidConfig(String)
    case wav(String)

    public var description: String {
        switch self {
        case .codec(let s): "codec: \(s)"
        case .invalidConfig(let s): "invalid media config: \(s)"
        case .wav(let s): "WAV: \(s)"
        }
    }
}
