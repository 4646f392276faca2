@testable import Media
import RTP
import Testing

/// The dialplan's media apps: echo through the full codec path, tones, WAV playback.
@Suite struct MediaAppTests {
    func decodeOpus(_ packets: [SentPacket], rate: Int32) throws -> [Int16] {
        let decoder = try OpusDecoderContext(sampleRate: rate)
        var pcm = [Int16](repeating: 0, count: 5760)
        var out: [Int16] = []
        for p in packets {
            let n = try decoder.decode(p.payload, length: Int32(p.payload.count), into: &pcm, maxSamples: 5760)
            out += pcm[0..<n]
        }
        return out
    }

    @Test func echoReturnsAPhonesToneThroughTheCodec() throws {
        let h = try Harness(leg: Legs.phone(), app: .echo)
        for i in 0..<50 {
            let pcm = Signal.sine(frequency: 1000, rate: 8_000, count: 160, amplitude: 8_000, start: i * 160)
            h.receive(from: .a, rtpPacket(pt: 0, seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x77, payload: ulaw(pcm)))
            h.advance(ms: 20)
        }
        let back = h.rtp(to: .a)
        #expect(back.count == 50)
        #expect(back.allSatisfy { $0.header?.ssrc == 0x9A0E_0002 && $0.header?.payloadType == 0 })
        let pcm = back.suffix(25).flatMap { unulaw($0.payload) }
        #expect(abs(Signal.dominantFrequency(pcm[...], rate: 8_000) - 1000) < 5)
        #expect(abs(Signal.decibels(Signal.rms(pcm[...]) / (8_000 / 2.0.squareRoot()))) < 1)
    }

    @Test func echoReturnsABrowsersOpus() throws {
        let h = try Harness(leg: Legs.browser(), app: .echo)
        let encoder = try OpusEncoderContext(sampleRate: 48_000, complexity: 5)
        var buffer = [UInt8](repeating: 0, count: 1500)
        for i in 0..<50 {
            let pcm = Signal.sine(frequency: 1000, rate: 48_000, count: 960, amplitude: 8_000, start: i * 960)
            let n = try encoder.encode(pcm, frameSamples: 960, into: &buffer, capacity: 1500)
            h.receive(from: .a, rtpPacket(pt: 111, seq: UInt16(i), ts: UInt32(i * 960), ssrc: 0x77, payload: Array(buffer[0..<n])))
            h.advance(ms: 20)
        }
        let back = h.rtp(to: .a)
        #expect(back.count == 50)
        let pcm = try decodeOpus(back, rate: 48_000)
        let tail = pcm[(pcm.count / 2)...]
        #expect(abs(Signal.dominantFrequency(tail, rate: 48_000, low: 200, high: 4_000) - 1000) < 5)
        #expect(abs(Signal.decibels(Signal.rms(tail) / (8_000 / 2.0.squareRoot()))) < 1)
    }

    @Test func echoReturnsDigitsAsEvents() throws {
        let h = try Harness(leg: Legs.phone(), app: .echo)
        let packets = DTMFRelayTests.chromeSequence("5", eventPT: 101, eventClock: 8_000, audioPT: 0, audioClock: 8_000)
        for p in packets { h.receive(from: .a, p); h.advance(ms: 20) }
        for _ in 0..<10 { h.advance(ms: 20) }
        let events = DTMFRelayTests.events(in: h.rtp(to: .a), pt: 101)
        #expect(events.map(\.digit) == ["5"])
    }

    @Test func toneAppPlaysATestToneAtItsLevel() throws {
        let h = try Harness(leg: Legs.phone(), app: .source(ToneSource.frequency(1000, levelDBm0: -13)))
        for _ in 0..<50 { h.advance(ms: 20) }
        let out = h.rtp(to: .a)
        #expect(out.count == 50)
        let pcm = out.flatMap { unulaw($0.payload) }
        #expect(abs(Signal.dominantFrequency(pcm[...], rate: 8_000) - 1000) < 5)
        // -13 dBm0 is 16.14 dB below a full-scale sine.
        let level = Signal.decibels(Signal.rms(pcm[...]) / (32_767 / 2.0.squareRoot()))
        #expect(abs(level - -16.14) < 1, "level \(level) dBFS")
    }

    @Test func usRingbackHasItsCadenceAndFrequencies() throws {
        let h = try Harness(leg: Legs.browser(), app: .source(ToneSource.usRingback()))
        for _ in 0..<300 { h.advance(ms: 20) }   // 6 s: 2 s on, 4 s off
        let pcm = try decodeOpus(h.rtp(to: .a), rate: 48_000)
        #expect(pcm.count == 300 * 960)
        let on = pcm[(48_000 / 2)..<(48_000 * 3 / 2)]
        let off = pcm[(48_000 * 3)..<(48_000 * 5)]
        #expect(Signal.rms(off) < 50)
        #expect(Signal.rms(on) > 2_000)
        // Both components, and nothing at 460 Hz between them.
        let p440 = Signal.power(on, frequency: 440, rate: 48_000), p480 = Signal.power(on, frequency: 480, rate: 48_000)
        let p460 = Signal.power(on, frequency: 460, rate: 48_000)
        #expect(p440 > 100 * p460 && p480 > 100 * p460)
    }

    @Test func busyToneCadence() {
        let source = ToneSource.busy()
        source.prepare(sampleRate: 8_000)
        var pcm = [Int16](repeating: 0, count: 8_000 * 2)
        let n = pcm.withUnsafeMutableBufferPointer { source.fill($0) }
        #expect(n == pcm.count)
        #expect(Signal.rms(pcm[0..<4_000]) > 2_000)
        #expect(Signal.rms(pcm[4_000..<8_000]) == 0)
        #expect(Signal.rms(pcm[8_000..<12_000]) > 2_000)
        #expect(abs(Signal.dominantFrequency(pcm[0..<4_000], rate: 8_000) - 425) < 3)
    }

    static func wav(rate: Int, samples: [Int16], channels: Int = 1, bits: Int = 16, extraChunk: Bool = false) -> [UInt8] {
        func le32(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8((v >> 24) & 0xFF)] }
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        let data = samples.flatMap { le16(Int(UInt16(bitPattern: $0))) }
        var fmt = le16(1) + le16(channels) + le32(rate) + le32(rate * channels * bits / 8) + le16(channels * bits / 8) + le16(bits)
        fmt = Array("fmt ".utf8) + le32(fmt.count) + fmt
        let list = extraChunk ? Array("LIST".utf8) + le32(3) + [1, 2, 3, 0] : []
        let body = Array("WAVE".utf8) + fmt + list + Array("data".utf8) + le32(data.count) + data
        return Array("RIFF".utf8) + le32(body.count) + body
    }

    @Test(arguments: [8_000, 16_000, 48_000])
    func playbackPlaysAWAVFileAtAnyRate(rate: Int) throws {
        let bytes = Self.wav(rate: rate, samples: Signal.sine(frequency: 1000, rate: rate, count: rate / 2, amplitude: 8_000), extraChunk: true)
        let h = try Harness(leg: Legs.phone(), app: .source(try WAVPlayback(bytes: bytes)))
        for _ in 0..<40 { h.advance(ms: 20) }
        let out = h.rtp(to: .a)
        #expect(out.count == 40)
        let pcm = out.prefix(25).flatMap { unulaw($0.payload) }
        #expect(abs(Signal.dominantFrequency(pcm[...], rate: 8_000) - 1000) < 5)
        #expect(abs(Signal.decibels(Signal.rms(pcm[400...]) / (8_000 / 2.0.squareRoot()))) < 1)
        #expect(h.events.filter { $0 == .sourceFinished }.count == 1)
        #expect(Signal.rms(out.suffix(10).flatMap { unulaw($0.payload) }[...]) < 10)
    }

    @Test func wavParserRefusesWhatItCannotPlay() {
        let tone = Signal.sine(frequency: 1000, rate: 8_000, count: 100, amplitude: 1000)
        #expect(throws: MediaError.self) { try WAVFile(bytes: Self.wav(rate: 8_000, samples: tone, channels: 2)) }
        #expect(throws: MediaError.self) { try WAVFile(bytes: Self.wav(rate: 8_000, samples: tone, bits: 8)) }
        #expect(throws: MediaError.self) { try WAVFile(bytes: Self.wav(rate: 44_100, samples: tone)) }
        #expect(throws: MediaError.self) { try WAVFile(bytes: Array("RIFF0000WAVE".utf8)) }
        #expect(throws: MediaError.self) { try WAVFile(bytes: []) }
        #expect(throws: MediaError.self) { try WAVFile(bytes: Array("RIFF\u{0}\u{0}\u{0}\u{0}AVI fmt ".utf8)) }
        // A data chunk claiming more than is there plays what is there.
        var truncated = Self.wav(rate: 8_000, samples: tone)
        truncated.removeLast(50)
        #expect((try? WAVFile(bytes: truncated))?.samples.count == 75)
    }

    @Test func wavParserSurvivesRandomBytes() {
        var rng = SystemRandomNumberGenerator()
        let valid = Self.wav(rate: 8_000, samples: [1, 2, 3, 4])
        for _ in 0..<5_000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if Bool.random(using: &rng) { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
            _ = try? WAVFile(bytes: bytes)
        }
    }
}

/// RFC 3389 comfort noise: understood, not decoded as audio, relayed as CN or rendered as noise.
@Suite struct ComfortNoiseTests {
    @Test func cnFromAPhoneBecomesQuietNoiseTowardABrowserThenAudioResumes() throws {
        let h = try Harness(a: Legs.browser(), b: Legs.phone())
        var seq: UInt16 = 1, ts: UInt32 = 0
        func audio() {
            let pcm = Signal.sine(frequency: 1000, rate: 8_000, count: 160, amplitude: 8_000, start: Int(ts))
            h.receive(from: .b, rtpPacket(pt: 0, seq: seq, ts: ts, ssrc: 5, payload: ulaw(pcm)))
            seq &+= 1; ts &+= 160
            h.advance(ms: 20)
        }
        for _ in 0..<5 { audio() }
        h.receive(from: .b, rtpPacket(pt: 13, seq: seq, ts: ts, ssrc: 5, payload: [50]))   // -50 dBov
        seq &+= 1
        for _ in 0..<25 { h.advance(ms: 20); ts &+= 160 }
        let during = h.rtp(to: .a).count
        #expect(during >= 28 && during <= 31, "noise frames keep the browser's stream alive: \(during)")
        #expect(h.bridge.statistics(for: .b).comfortNoisePacketsReceived == 1)
        for _ in 0..<5 { audio() }
        let out = h.rtp(to: .a)
        let headers = out.compactMap(\.header)
        for (p, q) in zip(headers, headers.dropFirst()) {
            #expect(q.sequenceNumber == p.sequenceNumber &+ 1)
            #expect(timestampIsAfter(q.timestamp, p.timestamp))
        }
        // After audio resumed, no more noise frames are made.
        let before = h.rtp(to: .a).count
        for _ in 0..<10 { h.advance(ms: 20) }
        #expect(h.rtp(to: .a).count == before)
    }

    @Test func cnIsRelayedAsCNToAPhoneThatNegotiatedIt() throws {
        var phone = Legs.phone()
        phone.comfortNoisePayloadType = 13
        var browser = Legs.browser(codec: .pcmu)
        browser.comfortNoisePayloadType = 13
        let h = try Harness(a: browser, b: phone)
        h.receive(from: .a, rtpPacket(pt: 13, seq: 1, ts: 0, ssrc: 5, payload: [40, 1, 2]))
        let out = h.rtp(to: .b)
        #expect(out.count == 1)
        #expect(out.first?.header?.payloadType == 13 && out.first?.payload == [40])
    }

    @Test func noiseLevelFollowsTheCNLevel() {
        var g = ComfortNoiseGenerator()
        g.setLevel(30)
        var pcm = [Int16](repeating: 0, count: 8_000)
        g.render(into: &pcm, count: pcm.count)
        let level = Signal.decibels(Signal.rms(pcm[...]) / (32_767 / 2.0.squareRoot()))
        #expect(abs(level - -30) < 1)
        g.setLevel(127)
        g.render(into: &pcm, count: pcm.count)
        #expect(Signal.rms(pcm[...]) == 0)
    }
}

/// Nothing may crash on any input packet: random bytes and random-but-plausible RTP into every kind of bridge.
@Suite struct RobustnessTests {
    @Test func randomBytesIntoEveryBridgeKind() throws {
        var rng = SystemRandomNumberGenerator()
        let harnesses = [
            try Harness(a: Legs.browser(), b: Legs.phone()),
            try Harness(a: Legs.browser(codec: .pcmu), b: Legs.phone()),
            try Harness(a: Legs.browser(dtmf: .auto), b: Legs.phone(te: nil, dtmf: .inband, codec: .g722)),
            try Harness(leg: Legs.browser(), app: .echo),
            try Harness(leg: Legs.phone(codec: .pcma), app: .source(ToneSource.ringback())),
        ]
        for h in harnesses {
            for i in 0..<3_000 {
                let side: LegSide = Bool.random(using: &rng) ? .a : .b
                var bytes = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if i % 2 == 0, bytes.count >= 12 {
                    // Plausible RTP: version 2, a payload type the legs know, a near sequence number.
                    bytes[0] = 0x80 | (bytes[0] & 0x3F)
                    bytes[1] = [0, 8, 9, 13, 101, 110, 111, 126, 63][Int.random(in: 0..<9, using: &rng)] | (bytes[1] & 0x80)
                    bytes[8] = 0; bytes[9] = 0; bytes[10] = 0; bytes[11] = UInt8(i % 3)
                }
                h.receive(from: side, bytes)
                bytes.withUnsafeBytes { h.bridge.receiveRTCP(from: side, packet: $0, now: h.now) }
                if i % 7 == 0 { h.advance(ms: 20) }
            }
        }
    }

    @Test func telephoneEventAndCNParsersTakeShortPayloads() {
        for n in 0..<4 {
            let bytes = [UInt8](repeating: 0xFF, count: n)
            #expect(bytes.withUnsafeBytes { TelephoneEvent(parsing: $0) } == nil)
        }
        #expect([UInt8]().withUnsafeBytes { ComfortNoisePayload(parsing: $0) } == nil)
    }
}
