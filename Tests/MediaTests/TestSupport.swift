import Foundation
@testable import Media
import RTP

/// Signal measurements for the tests: a DFT scan for the dominant frequency and RMS level in dB.
enum Signal {
    /// Power of `frequency` in `samples` (Goertzel).
    static func power(_ samples: ArraySlice<Int16>, frequency: Double, rate: Int) -> Double {
        let w = 2 * Double.pi * frequency / Double(rate)
        let c = 2 * cosApprox(w)
        var s1 = 0.0, s2 = 0.0
        for x in samples {
            let s0 = Double(x) + c * s1 - s2
            s2 = s1
            s1 = s0
        }
        return s1 * s1 + s2 * s2 - c * s1 * s2
    }

    /// The strongest frequency between `low` and `high`, scanned in 5 Hz steps then refined to 0.5 Hz.
    static func dominantFrequency(_ samples: ArraySlice<Int16>, rate: Int, low: Double = 100, high: Double? = nil) -> Double {
        let top = high ?? Double(rate) / 2 - 50
        var best = low, bestPower = -1.0
        var f = low
        while f <= top {
            let p = power(samples, frequency: f, rate: rate)
            if p > bestPower { bestPower = p; best = f }
            f += 5
        }
        var g = best - 5
        while g <= best + 5 {
            let p = power(samples, frequency: g, rate: rate)
            if p > bestPower { bestPower = p; best = g }
            g += 0.5
        }
        return best
    }

    static func rms(_ samples: ArraySlice<Int16>) -> Double {
        guard !samples.isEmpty else { return 0 }
        let sum = samples.reduce(0.0) { $0 + Double($1) * Double($1) }
        return (sum / Double(samples.count)).squareRoot()
    }

    static func decibels(_ ratio: Double) -> Double { 20 * Foundation.log10(ratio) }

    static func sine(frequency: Double, rate: Int, count: Int, amplitude: Double, start: Int = 0) -> [Int16] {
        (0..<count).map { Int16(amplitude * sinApprox(2 * .pi * frequency * Double(start + $0) / Double(rate))) }
    }

    static func sinApprox(_ x: Double) -> Double { sin(x) }
    static func cosApprox(_ x: Double) -> Double { cos(x) }
}

/// A packet the bridge sent, copied out of its buffer.
struct SentPacket {
    let side: LegSide
    let kind: MediaPacketKind
    let bytes: [UInt8]

    var header: RTPHeader? { bytes.withUnsafeBytes { try? RTPHeader(parsing: $0) } }
    var payload: [UInt8] {
        guard let h = header else { return [] }
        return Array(bytes[h.payloadOffset...])
    }
}

/// A bridge with its outputs recorded, and a clock the test moves.
final class Harness {
    var sent: [SentPacket] = []
    var events: [MediaEvent] = []
    var now: UInt64 = 1_000_000_000
    var bridge: MediaBridge!

    init(a: MediaLegConfig, b: MediaLegConfig, options: MediaBridgeOptions = MediaBridgeOptions()) throws {
        bridge = try MediaBridge(a: a, b: b, options: options, send: { [unowned self] side, kind, buffer, length in
            self.sent.append(SentPacket(side: side, kind: kind, bytes: Array(UnsafeRawBufferPointer(rebasing: buffer[0..<length]))))
        }, events: { [unowned self] in self.events.append($0) })
    }

    init(leg: MediaLegConfig, app: MediaApp) throws {
        bridge = try MediaBridge(leg: leg, app: app, send: { [unowned self] side, kind, buffer, length in
            self.sent.append(SentPacket(side: side, kind: kind, bytes: Array(UnsafeRawBufferPointer(rebasing: buffer[0..<length]))))
        }, events: { [unowned self] in self.events.append($0) })
    }

    func receive(from side: LegSide, _ packet: [UInt8]) {
        var p = packet
        p.withUnsafeMutableBytes { bridge.receiveRTP(from: side, packet: $0, now: now) }
    }

    func rtp(to side: LegSide) -> [SentPacket] { sent.filter { $0.side == side && $0.kind == .rtp } }

    func advance(ms: Int) {
        now += UInt64(ms) * 1_000_000
        bridge.tick(now: now)
    }
}

/// Builds an RTP packet.
func rtpPacket(pt: UInt8, seq: UInt16, ts: UInt32, ssrc: UInt32, marker: Bool = false, payload: [UInt8]) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 12 + payload.count)
    bytes.withUnsafeMutableBytes { RTPHeader(marker: marker, payloadType: pt, sequenceNumber: seq, timestamp: ts, ssrc: ssrc).write(to: $0) }
    bytes.replaceSubrange(12..., with: payload)
    return bytes
}

func telephoneEventPayload(_ code: UInt8, end: Bool, duration: UInt16, volume: UInt8 = 10) -> [UInt8] {
    var b = [UInt8](repeating: 0, count: 4)
    b.withUnsafeMutableBytes { _ = TelephoneEvent(event: code, isEnd: end, volume: volume, duration: duration).write(to: $0) }
    return b
}

/// G.711 μ-law encoding of PCM, for feeding a PCMU leg.
func ulaw(_ pcm: [Int16]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: pcm.count)
    G711.ulaw.encode(pcm, count: pcm.count, into: &out)
    return out
}

func unulaw(_ bytes: [UInt8]) -> [Int16] {
    var out = [Int16](repeating: 0, count: bytes.count)
    G711.ulaw.decode(bytes, count: bytes.count, into: &out)
    return out
}

/// Standard leg configs of the tests: a Chrome-like browser leg and a PCMU phone leg.
enum Legs {
    static func browser(te: TelephoneEventFormat? = TelephoneEventFormat(payloadType: 110, clockRate: 48_000),
                        dtmf: DTMFMode = .auto, codec: AudioCodec = .opus, pt: UInt8? = nil) -> MediaLegConfig {
        MediaLegConfig(codec: codec, payloadType: pt ?? (codec == .opus ? 111 : nil), telephoneEvent: te,
                       dtmfMode: dtmf, ssrc: 0xB0B0_0001, cname: "browser-leg")
    }

    static func phone(te: TelephoneEventFormat? = TelephoneEventFormat(payloadType: 101, clockRate: 8_000),
                      dtmf: DTMFMode = .rfc4733, codec: AudioCodec = .pcmu, ptime: Int = 20) -> MediaLegConfig {
        MediaLegConfig(codec: codec, ptime: ptime, telephoneEvent: te, dtmfMode: dtmf, ssrc: 0x9A0E_0002, cname: "phone-leg")
    }
}
