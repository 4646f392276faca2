import Foundation
@testable import Media
import RTP
import Testing

/// DTMF relay: recorded Chrome-style RFC 4733 sequences translated between clock rates and
/// payload types, INFO both ways, and tones detected and generated in the audio.
@Suite struct DTMFRelayTests {
    /// What a Chrome sender puts on the wire for `digits` (100 ms each, 60 ms of audio between):
    /// per event, the marker on the first packet, one timestamp, the duration growing by a frame
    /// every 20 ms, then three end packets; audio frames share the sequence numbers.
    static func chromeSequence(_ digits: String, eventPT: UInt8, eventClock: Int, audioPT: UInt8 = 111,
                               audioClock: Int = 48_000) -> [[UInt8]] {
        var seq: UInt16 = 65_530   // wraps in the middle
        var ts: UInt32 = UInt32.max - 5 * 960
        let ssrc: UInt32 = 0xC0FFEE
        let audioStep = UInt32(audioClock / 50)
        let unit = UInt16(eventClock / 50)
        var out: [[UInt8]] = []
        // Opus-sized silence frames suffice: the test looks at the events, the bridge decodes them.
        let silence: [UInt8] = audioPT == 111 ? [0xF8, 0xFF, 0xFE] : [UInt8](repeating: 0xFF, count: 160)
        func audio(_ n: Int) {
            for _ in 0..<n {
                out.append(rtpPacket(pt: audioPT, seq: seq, ts: ts, ssrc: ssrc, payload: silence))
                seq &+= 1
                ts &+= audioStep
            }
        }
        audio(3)
        for ch in digits {
            let code = DTMFDigit(ch)!.code
            let eventTs = ts
            for k in 1...5 {
                out.append(rtpPacket(pt: eventPT, seq: seq, ts: eventTs, ssrc: ssrc, marker: k == 1,
                                     payload: telephoneEventPayload(code, end: false, duration: unit * UInt16(k))))
                seq &+= 1
            }
            for _ in 0..<3 {
                out.append(rtpPacket(pt: eventPT, seq: seq, ts: eventTs, ssrc: ssrc, payload: telephoneEventPayload(code, end: true, duration: unit * 5)))
                seq &+= 1
            }
            ts &+= audioStep * 8   // the audio clock ran on during the event
            audio(3)
        }
        audio(10)
        return out
    }

    struct DecodedEvent: Equatable {
        var digit: Character
        var timestamp: UInt32
        var durations: [UInt16]
        var ends: [UInt16]
        var marker: Bool
    }

    /// Groups telephone-event packets by timestamp, checking each group is one digit.
    static func events(in packets: [SentPacket], pt: UInt8) -> [DecodedEvent] {
        var result: [DecodedEvent] = []
        for p in packets {
            guard let h = p.header, h.payloadType == pt,
                  let e = p.payload.withUnsafeBytes({ TelephoneEvent(parsing: $0) }) else { continue }
            let digit = DTMFDigit(code: e.event)!.character
            if result.last?.timestamp != h.timestamp {
                result.append(DecodedEvent(digit: digit, timestamp: h.timestamp, durations: [], ends: [], marker: h.marker))
            } else {
                #expect(!h.marker, "marker only on the first packet")
                #expect(result.last?.digit == digit)
            }
            if e.isEnd { result[result.count - 1].ends.append(e.duration) } else { result[result.count - 1].durations.append(e.duration) }
        }
        return result
    }

    func run(_ h: Harness, _ packets: [[UInt8]], from side: LegSide) {
        for p in packets {
            h.receive(from: side, p)
            h.advance(ms: 20)
        }
        for _ in 0..<10 { h.advance(ms: 20) }
    }

    @Test func chrome48kEventsBecome8kEventsBesidePCMU() throws {
        let h = try Harness(a: Legs.browser(te: TelephoneEventFormat(payloadType: 110, clockRate: 48_000)),
                            b: Legs.phone(te: TelephoneEventFormat(payloadType: 101, clockRate: 8_000), dtmf: .rfc4733))
        run(h, Self.chromeSequence("123#", eventPT: 110, eventClock: 48_000), from: .a)
        let toPhone = h.rtp(to: .b)
        let events = Self.events(in: toPhone, pt: 101)
        #expect(events.map(\.digit) == ["1", "2", "3", "#"])
        for e in events {
            #expect(e.marker)
            #expect(e.ends == [800, 800, 800], "three end packets with 100 ms at 8 kHz: \(e.ends)")
            #expect(e.durations.first == 160)
            #expect(e.durations == e.durations.sorted(), "durations grow")
            #expect(e.durations.allSatisfy { $0 <= 800 })
        }
        // Events move forward in our timeline, and audio and events share one continuous sequence.
        for (p, q) in zip(events, events.dropFirst()) { #expect(timestampIsAfter(q.timestamp, p.timestamp)) }
        let seqs = toPhone.compactMap { $0.header?.sequenceNumber }
        for (p, q) in zip(seqs, seqs.dropFirst()) { #expect(q == p &+ 1) }
        #expect(Set(toPhone.compactMap { $0.header?.ssrc }) == [0x9A0E_0002])
        let received = h.events.compactMap { e -> Character? in
            if case let .digitReceived(.a, d, ms, .rfc4733) = e { #expect(ms == 100); return d.character }
            return nil
        }
        #expect(received == ["1", "2", "3", "#"])
    }

    @Test func chrome8kEventsBesideOpusKeepTheirDurations() throws {
        // The answer dropped /48000: Chrome sends telephone-event/8000 beside Opus/48000.
        let h = try Harness(a: Legs.browser(te: TelephoneEventFormat(payloadType: 126, clockRate: 8_000)),
                            b: Legs.phone(te: TelephoneEventFormat(payloadType: 101, clockRate: 8_000), dtmf: .rfc4733))
        run(h, Self.chromeSequence("123#", eventPT: 126, eventClock: 8_000), from: .a)
        let events = Self.events(in: h.rtp(to: .b), pt: 101)
        #expect(events.map(\.digit) == ["1", "2", "3", "#"])
        #expect(events.allSatisfy { $0.ends == [800, 800, 800] })
    }

    @Test func chromeSendingOnTheOtherAgreedFormatIsStillHeard() throws {
        // We offered both; Chrome answered both and sends on 8 kHz while we send on 48 kHz.
        var browser = Legs.browser(te: TelephoneEventFormat(payloadType: 110, clockRate: 48_000))
        browser.otherTelephoneEvent = TelephoneEventFormat(payloadType: 126, clockRate: 8_000)
        let h = try Harness(a: browser, b: Legs.phone(te: TelephoneEventFormat(payloadType: 101, clockRate: 8_000), dtmf: .rfc4733))
        run(h, Self.chromeSequence("123#", eventPT: 126, eventClock: 8_000), from: .a)
        let events = Self.events(in: h.rtp(to: .b), pt: 101)
        #expect(events.map(\.digit) == ["1", "2", "3", "#"])
        #expect(events.allSatisfy { $0.ends == [800, 800, 800] }, "durations read at the format's own 8 kHz clock")
    }

    @Test func phone8kEventsBecome48kEventsTowardABrowserThatTakesThem() throws {
        let h = try Harness(a: Legs.browser(te: TelephoneEventFormat(payloadType: 110, clockRate: 48_000), dtmf: .rfc4733),
                            b: Legs.phone(te: TelephoneEventFormat(payloadType: 101, clockRate: 8_000), dtmf: .rfc4733))
        run(h, Self.chromeSequence("123#", eventPT: 101, eventClock: 8_000, audioPT: 0, audioClock: 8_000), from: .b)
        let events = Self.events(in: h.rtp(to: .a), pt: 110)
        #expect(events.map(\.digit) == ["1", "2", "3", "#"])
        for e in events {
            #expect(e.ends == [4800, 4800, 4800])
            #expect(e.durations.first == 960)
        }
    }

    @Test func roundTripThroughBothTranslationsKeepsDigitsAndDurations() throws {
        // Browser /48000 → phone /8000, captured, then fed back from the phone → browser /48000.
        let h = try Harness(a: Legs.browser(te: TelephoneEventFormat(payloadType: 110, clockRate: 48_000), dtmf: .rfc4733),
                            b: Legs.phone(te: TelephoneEventFormat(payloadType: 101, clockRate: 8_000), dtmf: .rfc4733))
        run(h, Self.chromeSequence("123#", eventPT: 110, eventClock: 48_000), from: .a)
        let toPhone = h.rtp(to: .b).map(\.bytes)
        run(h, toPhone, from: .b)
        let back = Self.events(in: h.rtp(to: .a), pt: 110)
        #expect(back.map(\.digit) == ["1", "2", "3", "#"])
        #expect(back.allSatisfy { $0.ends == [4800, 4800, 4800] })
    }

    @Test func eventsTowardAnAutoBrowserLegStayEventsOnItsPayloadType() throws {
        // libwebrtc's NetEq plays received telephone-events; aiortc and Pion applications read them.
        let h = try Harness(a: Legs.browser(dtmf: .auto), b: Legs.phone(dtmf: .rfc4733))
        run(h, Self.chromeSequence("123#", eventPT: 101, eventClock: 8_000, audioPT: 0, audioClock: 8_000), from: .b)
        let events = Self.events(in: h.rtp(to: .a), pt: 110)
        #expect(events.map(\.digit) == ["1", "2", "3", "#"])
        #expect(events.allSatisfy { $0.ends == [4800, 4800, 4800] }, "100 ms at 48 kHz, the end sent three times")
        expectSequenceContinuity(h.rtp(to: .a))
    }

    @Test func eventsTowardAnInbandBrowserLegArePlayedAsTones() throws {
        let h = try Harness(a: Legs.browser(dtmf: .inband), b: Legs.phone(dtmf: .rfc4733))
        run(h, Self.chromeSequence("123#", eventPT: 101, eventClock: 8_000, audioPT: 0, audioClock: 8_000), from: .b)
        let toBrowser = h.rtp(to: .a)
        #expect(toBrowser.allSatisfy { $0.header?.payloadType == 111 }, "no telephone-events toward a browser that wants tones")
        let decoder = try OpusDecoderContext(sampleRate: 8_000)
        let detector = DTMFToneDetector()
        var pcm = [Int16](repeating: 0, count: 960)
        var heard = ""
        for p in toBrowser {
            let n = (try? decoder.decode(p.payload, length: Int32(p.payload.count), into: &pcm, maxSamples: 960)) ?? 0
            detector.process(pcm, count: n)
            heard += detector.takeDigits()
        }
        #expect(heard == "123#")
        expectSequenceContinuity(toBrowser)
    }

    @Test func inbandTonesFromAPhoneBecomeEventsTowardTheBrowser() throws {
        let h = try Harness(a: Legs.browser(te: TelephoneEventFormat(payloadType: 110, clockRate: 48_000), dtmf: .rfc4733),
                            b: Legs.phone(te: nil, dtmf: .inband))
        let generator = DTMFToneGenerator()
        generator.queue("123#")
        var seq: UInt16 = 1, ts: UInt32 = 0
        var pcm = [Int16](repeating: 0, count: 160)
        for _ in 0..<80 {
            let n = generator.generate(into: &pcm, count: 160)
            for i in n..<160 { pcm[i] = 0 }
            h.receive(from: .b, rtpPacket(pt: 0, seq: seq, ts: ts, ssrc: 77, payload: ulaw(pcm)))
            seq &+= 1
            ts &+= 160
            h.advance(ms: 20)
        }
        let events = Self.events(in: h.rtp(to: .a), pt: 110)
        #expect(events.map(\.digit) == ["1", "2", "3", "#"])
        for e in events {
            #expect(e.ends.count == 3)
            // spandsp's tones last 50 ms: measured within a frame either side, at 48 kHz.
            #expect(e.ends.allSatisfy { abs(Int($0) - 2400) <= 960 }, "\(e.ends) \(e.durations)")
        }
        let received = h.events.compactMap { e -> Character? in
            if case let .digitReceived(.b, d, _, .inband) = e { return d.character }
            return nil
        }
        #expect(received == ["1", "2", "3", "#"])
    }

    /// Phone to phone, both PCMU (pass-through): 100 ms tones at -12 dBFS a tone, as a PBX plays them,
    /// heard in the first phone's audio become one INFO each toward the second.
    @Test func inbandTonesBetweenTwoPhonesBecomeOneInfoEach() throws {
        let h = try Harness(a: Legs.phone(te: nil, dtmf: .inband), b: Legs.phone(te: nil, dtmf: .info))
        let pairs: [(Double, Double)] = [(697, 1209), (697, 1336), (697, 1477), (941, 1477)]
        var pcm = [Int16](repeating: 0, count: 4000)
        for (low, high) in pairs {
            pcm += (0..<800).map { (i: Int) -> Int16 in
                let t = Double(i) / 8000
                return Int16(0.25 * 32767 * (Foundation.sin(2 * .pi * low * t) + Foundation.sin(2 * .pi * high * t)))
            }
            pcm += [Int16](repeating: 0, count: 800)
        }
        var seq: UInt16 = 1, ts: UInt32 = 0
        for frame in stride(from: 0, to: pcm.count - 160, by: 160) {
            h.receive(from: .a, rtpPacket(pt: 0, seq: seq, ts: ts, ssrc: 78, payload: ulaw(Array(pcm[frame..<(frame + 160)]))))
            seq &+= 1
            ts &+= 160
            h.advance(ms: 20)
        }
        let infos = h.events.compactMap { e -> String? in
            if case let .sendInfo(.b, d, _) = e { return String(d.character) }
            return nil
        }
        #expect(infos == ["1", "2", "3", "#"])
    }

    @Test func eventsTowardAnInfoLegBecomeSendInfoEvents() throws {
        let h = try Harness(a: Legs.browser(), b: Legs.phone(te: nil, dtmf: .info))
        run(h, Self.chromeSequence("123#", eventPT: 110, eventClock: 48_000), from: .a)
        let infos = h.events.compactMap { e -> String? in
            if case let .sendInfo(.b, d, ms) = e { return "\(d)/\(ms)" }
            return nil
        }
        #expect(infos == ["1/100", "2/100", "3/100", "#/100"])
        #expect(h.rtp(to: .b).allSatisfy { $0.header?.payloadType == 0 })
    }

    @Test func infoDigitsBecomeEventsWithTheirDuration() throws {
        let h = try Harness(a: Legs.browser(te: TelephoneEventFormat(payloadType: 110, clockRate: 48_000), dtmf: .rfc4733),
                            b: Legs.phone(te: nil, dtmf: .info))
        for ch in "123#" {
            let info = try #require(DTMFInfo.parse(contentType: "application/dtmf-relay", body: DTMFInfo.relayBody(DTMFDigit(ch)!, durationMs: 250)))
            h.bridge.receivedInfoDigit(from: .b, digit: info.digit, durationMs: info.durationMs, now: h.now)
        }
        for _ in 0..<100 { h.advance(ms: 20) }
        let events = Self.events(in: h.rtp(to: .a), pt: 110)
        #expect(events.map(\.digit) == ["1", "2", "3", "#"])
        #expect(events.allSatisfy { $0.ends == [12_000, 12_000, 12_000] })   // 250 ms at 48 kHz
        expectSequenceContinuity(h.rtp(to: .a))
    }

    func expectSequenceContinuity(_ packets: [SentPacket], sourceLocation: SourceLocation = #_sourceLocation) {
        let seqs = packets.compactMap { $0.header?.sequenceNumber }
        for (p, q) in zip(seqs, seqs.dropFirst()) { #expect(q == p &+ 1, sourceLocation: sourceLocation) }
    }
}

/// The RFC 4733 receiver state machine on its own.
@Suite struct TelephoneEventDecoderTests {
    func event(_ code: UInt8, end: Bool = false, duration: UInt16) -> TelephoneEvent {
        TelephoneEvent(event: code, isEnd: end, duration: duration)
    }

    @Test func repeatedEndPacketsEndOnce() {
        var d = TelephoneEventDecoder()
        #expect(d.receive(event(5, duration: 160), timestamp: 100, marker: true, now: 0) == .began(DTMFDigit(code: 5)!))
        #expect(d.receive(event(5, duration: 320), timestamp: 100, marker: false, now: 1) == .none)
        #expect(d.receive(event(5, end: true, duration: 400), timestamp: 100, marker: false, now: 2) == .ended(DTMFDigit(code: 5)!, duration: 400))
        #expect(d.receive(event(5, end: true, duration: 400), timestamp: 100, marker: false, now: 3) == .none)
        #expect(d.receive(event(5, end: true, duration: 400), timestamp: 100, marker: false, now: 4) == .none)
    }

    @Test func lostEndPacketsEndAtTheNextEventOrTimeout() {
        var d = TelephoneEventDecoder()
        _ = d.receive(event(1, duration: 160), timestamp: 100, marker: true, now: 0)
        #expect(d.receive(event(2, duration: 160), timestamp: 2000, marker: true, now: 1) ==
                .endedAndBegan(ended: DTMFDigit(code: 1)!, duration: 160, began: DTMFDigit(code: 2)!))
        #expect(d.expire(now: 100_000_000) == .none)
        #expect(d.expire(now: 700_000_001) == .ended(DTMFDigit(code: 2)!, duration: 160))
    }

    @Test func anEventSeenOnlyByItsEndIsReportedWhole() {
        var d = TelephoneEventDecoder()
        #expect(d.receive(event(9, end: true, duration: 800), timestamp: 5, marker: false, now: 0) == .began(DTMFDigit(code: 9)!))
        #expect(d.takePendingEnd() == .ended(DTMFDigit(code: 9)!, duration: 800))
        #expect(d.receive(event(9, end: true, duration: 800), timestamp: 5, marker: false, now: 1) == .none)
    }

    @Test func longEventSegmentsAddUp() {
        var d = TelephoneEventDecoder()
        _ = d.receive(event(0, duration: 0xFFFF), timestamp: 0, marker: true, now: 0)
        #expect(d.receive(event(0, duration: 800), timestamp: 0xFFFF, marker: false, now: 1) == .none)
        #expect(d.receive(event(0, end: true, duration: 1600), timestamp: 0xFFFF, marker: false, now: 2) ==
                .ended(DTMFDigit(code: 0)!, duration: 0xFFFF + 1600))
    }

    @Test func nonDTMFEventsAreIgnored() {
        var d = TelephoneEventDecoder()
        #expect(d.receive(event(32, duration: 160), timestamp: 1, marker: true, now: 0) == .none)   // fax CED
    }
}

/// SIP INFO bodies, both formats, both ways.
@Suite struct DTMFInfoTests {
    @Test func relayBodiesParse() {
        #expect(DTMFInfo.parse(contentType: "application/dtmf-relay", body: "Signal=5\r\nDuration=160\r\n")
                == .init(digit: DTMFDigit("5")!, durationMs: 160))
        #expect(DTMFInfo.parse(contentType: "Application/DTMF-Relay; charset=x", body: "signal = #\nduration= 250")
                == .init(digit: DTMFDigit("#")!, durationMs: 250))
        #expect(DTMFInfo.parse(contentType: "application/dtmf-relay", body: "Duration=100\r\nSignal=11\r\n")?.digit == DTMFDigit("#"))
        #expect(DTMFInfo.parse(contentType: "application/dtmf-relay", body: "Signal=*")?.durationMs == DTMFInfo.defaultDurationMs)
        #expect(DTMFInfo.parse(contentType: "application/dtmf-relay", body: "Signal=X\r\nDuration=100") == nil)
        #expect(DTMFInfo.parse(contentType: "application/dtmf-relay", body: "") == nil)
        #expect(DTMFInfo.parse(contentType: "application/dtmf-relay", body: "Signal=\r\n=\r\n==") == nil)
    }

    @Test func dtmfBodiesParse() {
        #expect(DTMFInfo.parse(contentType: "application/dtmf", body: "7")?.digit == DTMFDigit("7"))
        #expect(DTMFInfo.parse(contentType: "application/dtmf", body: " d \r\n")?.digit == DTMFDigit("D"))
        #expect(DTMFInfo.parse(contentType: "application/dtmf", body: "10")?.digit == DTMFDigit("*"))
        #expect(DTMFInfo.parse(contentType: "application/dtmf", body: "12345") == nil)
        #expect(DTMFInfo.parse(contentType: "text/plain", body: "5") == nil)
    }

    @Test func bodiesAreBuiltAndReadBack() {
        for ch in "0123456789*#ABCD" {
            let d = DTMFDigit(ch)!
            #expect(DTMFInfo.parseRelay(DTMFInfo.relayBody(d, durationMs: 120)) == .init(digit: d, durationMs: 120))
            #expect(DTMFInfo.parseDTMF(DTMFInfo.dtmfBody(d))?.digit == d)
        }
        #expect(DTMFInfo.relayBody(DTMFDigit("#")!, durationMs: 250) == "Signal=#\r\nDuration=250\r\n")
    }

    @Test func digitsMapToRFC4733CodesAndQ23Frequencies() {
        #expect(DTMFDigit("*")?.code == 10 && DTMFDigit("#")?.code == 11 && DTMFDigit("A")?.code == 12)
        #expect(DTMFDigit("1")!.frequencies == (697, 1209))
        #expect(DTMFDigit("0")!.frequencies == (941, 1336))
        #expect(DTMFDigit("#")!.frequencies == (941, 1477))
        #expect(DTMFDigit("D")!.frequencies == (941, 1633))
        #expect(DTMFDigit(code: 16) == nil && DTMFDigit("x") == nil)
    }
}

/// The outgoing DTMF state machine on its own.
@Suite struct DTMFSenderTests {
    let ms: UInt64 = 1_000_000

    func drive(_ s: inout DTMFSender, from: UInt64, to: UInt64, step: UInt64) -> [DTMFSignal] {
        var out: [DTMFSignal] = []
        var t = from
        while t <= to {
            s.advance(now: t) { out.append($0) }
            t += step
        }
        return out
    }

    @Test func aKnownLengthDigitHasStartUpdatesAndThreeEnds() {
        var s = DTMFSender(updateInterval: 20 * ms, endPackets: 3)
        let d = DTMFDigit("7")!
        s.play(d, duration: 100 * ms)
        let signals = drive(&s, from: 0, to: 300 * ms, step: 20 * ms)
        #expect(signals == [.start(d), .update(d, elapsed: 40 * ms), .update(d, elapsed: 60 * ms), .update(d, elapsed: 80 * ms),
                            .end(d, duration: 100 * ms, repeat: 0), .end(d, duration: 100 * ms, repeat: 1), .end(d, duration: 100 * ms, repeat: 2)])
        #expect(!s.isBusy)
    }

    @Test func queuedDigitsKeepTheirOrderWithAPauseBetween() {
        var s = DTMFSender(updateInterval: 20 * ms, endPackets: 1)
        for ch in "123#" { s.play(DTMFDigit(ch)!, duration: 60 * ms) }
        let starts = drive(&s, from: 0, to: 2_000 * ms, step: 10 * ms).compactMap { if case .start(let d) = $0 { d.character } else { nil } }
        #expect(starts == ["1", "2", "3", "#"])
    }

    @Test func anEndWithoutItsBeginStillPlaysTheDigit() {
        var s = DTMFSender(updateInterval: 20 * ms, endPackets: 3)
        s.end(DTMFDigit("4")!, duration: 80 * ms)
        let ends = drive(&s, from: 0, to: 500 * ms, step: 20 * ms).filter { if case .end = $0 { true } else { false } }
        #expect(ends.count == 3)
    }

    @Test func anOpenDigitWhoseEndNeverComesIsCut() {
        var s = DTMFSender(updateInterval: 20 * ms, endPackets: 1)
        s.begin(DTMFDigit("0")!)
        let signals = drive(&s, from: 0, to: 9_000 * ms, step: 20 * ms)
        #expect(signals.last == .end(DTMFDigit("0")!, duration: s.maximumDuration, repeat: 0))
    }
}
