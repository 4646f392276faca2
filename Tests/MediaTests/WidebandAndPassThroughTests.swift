@testable import Media
import RTP
import Testing

/// G.722 legs (16 kHz audio on an 8 kHz RTP clock) and in-band detection while passing through.
@Suite struct WidebandBridgeTests {
    func g722Phone(dtmf: DTMFMode = .rfc4733) -> MediaLegConfig {
        MediaLegConfig(codec: .g722, telephoneEvent: TelephoneEventFormat(payloadType: 101, clockRate: 8_000), dtmfMode: dtmf,
                       ssrc: 0x722, cname: "g722-phone")
    }

    @Test func g722PhoneToBrowserCarriesAWidebandTone() throws {
        let h = try Harness(a: Legs.browser(), b: g722Phone())
        #expect(h.bridge.pcmRate == 16_000)
        let codec = G722Codec()
        var bytes = [UInt8](repeating: 0, count: 160)
        for i in 0..<50 {
            // 5 kHz: only a wideband path carries it.
            let pcm = Signal.sine(frequency: 5_000, rate: 16_000, count: 320, amplitude: 8_000, start: i * 320)
            _ = codec.encode(pcm, count: 320, into: &bytes)
            h.receive(from: .b, rtpPacket(pt: 9, seq: UInt16(i), ts: UInt32(i * 160), ssrc: 9, payload: bytes))
            h.advance(ms: 20)
        }
        let out = h.rtp(to: .a)
        #expect(out.count == 50)
        for (p, q) in zip(out.compactMap(\.header), out.compactMap(\.header).dropFirst()) { #expect(q.timestamp &- p.timestamp == 960) }
        let decoder = try OpusDecoderContext(sampleRate: 16_000)
        var pcm = [Int16](repeating: 0, count: 1920)
        var decoded: [Int16] = []
        for p in out {
            let n = try decoder.decode(p.payload, length: Int32(p.payload.count), into: &pcm, maxSamples: 1920)
            decoded += pcm[0..<n]
        }
        let tail = decoded[(decoded.count / 2)...]
        #expect(abs(Signal.dominantFrequency(tail, rate: 16_000, low: 1_000, high: 7_500) - 5_000) < 10)
    }

    @Test func g722PhoneToPCMUPhoneUsesTheLowerBand() throws {
        let h = try Harness(a: Legs.phone(), b: g722Phone())
        #expect(h.bridge.pcmRate == 8_000)
        let codec = G722Codec(sampleRate: 8_000)
        var bytes = [UInt8](repeating: 0, count: 160)
        for i in 0..<50 {
            let pcm = Signal.sine(frequency: 1_000, rate: 8_000, count: 160, amplitude: 8_000, start: i * 160)
            _ = codec.encode(pcm, count: 160, into: &bytes)
            h.receive(from: .b, rtpPacket(pt: 9, seq: UInt16(i), ts: UInt32(i * 160), ssrc: 9, payload: bytes))
            h.advance(ms: 20)
        }
        let pcm = h.rtp(to: .a).suffix(25).flatMap { unulaw($0.payload) }
        #expect(abs(Signal.dominantFrequency(pcm[...], rate: 8_000) - 1_000) < 5)
        #expect(abs(Signal.decibels(Signal.rms(pcm[...]) / (8_000 / 2.0.squareRoot()))) < 1)
    }

    @Test func tonesAreDetectedWhileAudioPassesThrough() throws {
        let h = try Harness(a: Legs.browser(te: TelephoneEventFormat(payloadType: 126, clockRate: 8_000), dtmf: .rfc4733, codec: .pcmu),
                            b: Legs.phone(te: nil, dtmf: .inband))
        #expect(h.bridge.isPassThrough(into: .a))
        let generator = DTMFToneGenerator()
        generator.queue("9*")
        var pcm = [Int16](repeating: 0, count: 160)
        for i in 0..<40 {
            let n = generator.generate(into: &pcm, count: 160)
            for k in n..<160 { pcm[k] = 0 }
            h.receive(from: .b, rtpPacket(pt: 0, seq: UInt16(i), ts: UInt32(i * 160), ssrc: 3, payload: ulaw(pcm)))
            h.advance(ms: 20)
        }
        let events = DTMFRelayTests.events(in: h.rtp(to: .a), pt: 126)
        #expect(events.map(\.digit) == ["9", "*"])
        #expect(events.allSatisfy { $0.ends.count == 3 })
        // The audio itself went through untouched.
        #expect(h.rtp(to: .a).filter { $0.header?.payloadType == 0 }.count == 40)
    }

    @Test func phoneEventsReachAPassThroughBrowserAsItsOwnEvents() throws {
        let h = try Harness(a: Legs.browser(te: TelephoneEventFormat(payloadType: 126, clockRate: 8_000), dtmf: .auto, codec: .pcmu),
                            b: Legs.phone())
        #expect(h.bridge.isPassThrough(into: .a))
        for p in DTMFRelayTests.chromeSequence("5#", eventPT: 101, eventClock: 8_000, audioPT: 0, audioClock: 8_000) {
            h.receive(from: .b, p)
            h.advance(ms: 20)
        }
        for _ in 0..<10 { h.advance(ms: 20) }
        let events = DTMFRelayTests.events(in: h.rtp(to: .a), pt: 126)
        #expect(events.map(\.digit) == ["5", "#"])
        #expect(events.allSatisfy { $0.ends == [800, 800, 800] })
    }
}
