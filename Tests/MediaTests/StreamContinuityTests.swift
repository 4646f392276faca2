@testable import Media
import RTP
import Testing

/// Each outgoing stream keeps our SSRC with sequence +1 per packet and timestamps that follow media
/// time, across 16- and 32-bit wrap-around, loss, reordering, codec switches, holds and SSRC changes.
@Suite struct StreamContinuityTests {
    /// A Chrome-like Opus sender: 20 ms frames, 48 kHz timestamps.
    final class OpusSender {
        let encoder: OpusEncoderContext
        var seq: UInt16
        var ts: UInt32
        let ssrc: UInt32 = 0xC4_0000
        var sample = 0
        init(seq: UInt16, ts: UInt32) throws {
            encoder = try OpusEncoderContext(sampleRate: 48_000, complexity: 1)
            self.seq = seq
            self.ts = ts
        }
        /// The next packet (a 1 kHz tone); advances seq and ts.
        func next() -> [UInt8] {
            let pcm = Signal.sine(frequency: 1000, rate: 48_000, count: 960, amplitude: 8_000, start: sample)
            sample += 960
            var out = [UInt8](repeating: 0, count: 1500)
            let n = (try? encoder.encode(pcm, frameSamples: 960, into: &out, capacity: 1500)) ?? 0
            let p = rtpPacket(pt: 111, seq: seq, ts: ts, ssrc: ssrc, payload: Array(out[0..<n]))
            seq &+= 1
            ts &+= 960
            return p
        }
    }

    /// A phone sending PCMU tone packets of `ptime` ms.
    final class PCMUSender {
        var seq: UInt16
        var ts: UInt32
        var ssrc: UInt32
        let samples: Int
        var sample = 0
        init(seq: UInt16, ts: UInt32, ssrc: UInt32 = 0x0F0E_0001, ptime: Int = 20) {
            self.seq = seq
            self.ts = ts
            self.ssrc = ssrc
            samples = 8 * ptime
        }
        func next(pt: UInt8 = 0) -> [UInt8] {
            let pcm = Signal.sine(frequency: 1000, rate: 8_000, count: samples, amplitude: 8_000, start: sample)
            sample += samples
            let payload: [UInt8]
            if pt == 8 {
                var out = [UInt8](repeating: 0, count: samples)
                G711.alaw.encode(pcm, count: samples, into: &out)
                payload = out
            } else {
                payload = ulaw(pcm)
            }
            let p = rtpPacket(pt: pt, seq: seq, ts: ts, ssrc: ssrc, payload: payload)
            seq &+= 1
            ts &+= UInt32(samples)
            return p
        }
    }

    func expectContinuous(_ packets: [SentPacket], tsStep: UInt32, ssrc: UInt32, _ comment: Comment? = nil,
                          sourceLocation: SourceLocation = #_sourceLocation) {
        let headers = packets.compactMap(\.header)
        #expect(headers.count == packets.count)
        for (p, q) in zip(headers, headers.dropFirst()) {
            #expect(q.ssrc == ssrc, comment, sourceLocation: sourceLocation)
            #expect(q.sequenceNumber == p.sequenceNumber &+ 1, "seq \(p.sequenceNumber) → \(q.sequenceNumber) \(comment?.description ?? "")", sourceLocation: sourceLocation)
            #expect(q.timestamp &- p.timestamp == tsStep, "ts \(p.timestamp) → \(q.timestamp) \(comment?.description ?? "")", sourceLocation: sourceLocation)
        }
    }

    @Test func passThroughRewritesAcrossWrapAround() throws {
        let h = try Harness(a: Legs.browser(codec: .pcmu), b: Legs.phone())
        #expect(h.bridge.isPassThrough(into: .b) && h.bridge.isPassThrough(into: .a))
        let browser = PCMUSender(seq: 65_530, ts: UInt32.max - 800, ssrc: 0xB)
        for _ in 0..<12 {
            h.receive(from: .a, browser.next())
            h.advance(ms: 20)
        }
        let out = h.rtp(to: .b)
        #expect(out.count == 12)
        expectContinuous(out, tsStep: 160, ssrc: 0x9A0E_0002)
        #expect(out.allSatisfy { $0.header?.payloadType == 0 })
        // The payload is untouched.
        #expect(out[0].payload.count == 160)
    }

    @Test func passThroughMirrorsLossAndReordering() throws {
        let h = try Harness(a: Legs.browser(codec: .pcmu), b: Legs.phone())
        let browser = PCMUSender(seq: 100, ts: 5_000, ssrc: 0xB)
        let packets = (0..<6).map { _ in browser.next() }
        for i in [0, 1, 3, 2, 5] { h.receive(from: .a, packets[i]) }   // 4 lost, 2/3 swapped
        let seqs = h.rtp(to: .b).compactMap { $0.header?.sequenceNumber }
        let tss = h.rtp(to: .b).compactMap { $0.header?.timestamp }
        let base = seqs[0], tsBase = tss[0]
        #expect(seqs.map { $0 &- base } == [0, 1, 3, 2, 5])
        #expect(tss.map { ($0 &- tsBase) / 160 } == [0, 1, 3, 2, 5])
    }

    @Test func transcodingConcealsLossAndDropsLatePacketsWithoutGapsOrBursts() throws {
        let h = try Harness(a: Legs.browser(), b: Legs.phone())
        #expect(!h.bridge.isPassThrough(into: .b))
        let chrome = try OpusSender(seq: 65_520, ts: UInt32.max - 960 * 5)
        let packets = (0..<30).map { _ in chrome.next() }
        var perArrival: [Int] = []
        for (i, p) in packets.enumerated() {
            if i == 10 || i == 20 || i == 21 { continue }         // one loss, then a double loss
            let before = h.rtp(to: .b).count
            h.receive(from: .a, p)
            if i == 15 { h.receive(from: .a, packets[14]) }        // a late duplicate
            perArrival.append(h.rtp(to: .b).count - before)
            h.advance(ms: 20)
        }
        let out = h.rtp(to: .b)
        // 30 frames in (3 lost), 30 out: the gaps were filled, nothing came twice.
        #expect(out.count == 30)
        expectContinuous(out, tsStep: 160, ssrc: 0x9A0E_0002)
        // At most the lost frames plus the arriving one leave at once.
        #expect(perArrival.max() ?? 0 <= 3)
        #expect(h.bridge.statistics(for: .a).framesConcealed == 3)
        #expect(h.bridge.statistics(for: .a).dropped.late == 1)
        #expect(h.bridge.statistics(for: .a).cumulativeLost == 2)   // 3 lost, one duplicate counted in
        // The tone is still a 1 kHz tone on the PCMU side.
        let pcm = out.suffix(20).flatMap { unulaw($0.payload) }
        #expect(abs(Signal.dominantFrequency(pcm[...], rate: 8_000) - 1000) < 10)
    }

    @Test func transcodingTowardTheBrowserKeepsA48kTimeline() throws {
        let h = try Harness(a: Legs.browser(), b: Legs.phone())
        let phone = PCMUSender(seq: 65_000, ts: UInt32.max - 160 * 3)
        for _ in 0..<20 {
            h.receive(from: .b, phone.next())
            h.advance(ms: 20)
        }
        let out = h.rtp(to: .a)
        #expect(out.count == 20)
        expectContinuous(out, tsStep: 960, ssrc: 0xB0B0_0001)
        #expect(out.allSatisfy { $0.header?.payloadType == 111 })
        #expect(out.first?.header?.marker == true)
        #expect(out.dropFirst().allSatisfy { $0.header?.marker == false })
    }

    @Test func thirtyMillisecondPhoneIsRepacketized() throws {
        // The phone sends and wants 30 ms; the browser 20 ms Opus.
        let h = try Harness(a: Legs.browser(), b: Legs.phone(ptime: 30))
        let phone = PCMUSender(seq: 1, ts: 1_000, ptime: 30)
        for _ in 0..<20 {
            h.receive(from: .b, phone.next())
            h.advance(ms: 30)
        }
        let toBrowser = h.rtp(to: .a)
        #expect(toBrowser.count == 30)   // 600 ms in 20 ms packets
        expectContinuous(toBrowser, tsStep: 960, ssrc: 0xB0B0_0001)

        let chrome = try OpusSender(seq: 7, ts: 70_000)
        for _ in 0..<30 {
            h.receive(from: .a, chrome.next())
            h.advance(ms: 20)
        }
        let toPhone = h.rtp(to: .b)
        #expect(toPhone.count == 20)     // 600 ms in 30 ms packets
        #expect(toPhone.allSatisfy { $0.payload.count == 240 })
        expectContinuous(toPhone, tsStep: 240, ssrc: 0x9A0E_0002)
    }

    @Test func pcmuPhonesWithDifferentPtimeAreRepacketizedNotPassedThrough() throws {
        let h = try Harness(a: Legs.browser(codec: .pcmu), b: Legs.phone(ptime: 30))
        #expect(!h.bridge.isPassThrough(into: .b))
        #expect(!h.bridge.isPassThrough(into: .a))
        let browser = PCMUSender(seq: 1, ts: 1, ssrc: 0xB)
        for _ in 0..<9 { h.receive(from: .a, browser.next()); h.advance(ms: 20) }
        #expect(h.rtp(to: .b).count == 6)
        expectContinuous(h.rtp(to: .b), tsStep: 240, ssrc: 0x9A0E_0002)
    }

    @Test func codecSwitchKeepsSSRCSequenceAndTimestampMoving() throws {
        let h = try Harness(a: Legs.browser(), b: Legs.phone())
        let phone = PCMUSender(seq: 400, ts: 40_000)
        for _ in 0..<10 { h.receive(from: .b, phone.next()); h.advance(ms: 20) }
        // re-INVITE: the phone moves to PCMA, with a new SSRC and numbering.
        var pcma = Legs.phone(codec: .pcma)
        pcma.ssrc = 0xDEAD   // ignored: our SSRC stays
        try h.bridge.reconfigure(leg: .b, config: pcma)
        let restarted = PCMUSender(seq: 9, ts: 123, ssrc: 0x5555)
        for _ in 0..<10 { h.receive(from: .b, restarted.next(pt: 8)); h.advance(ms: 20) }
        let toBrowser = h.rtp(to: .a)
        #expect(toBrowser.count == 20)
        let headers = toBrowser.compactMap(\.header)
        for (p, q) in zip(headers, headers.dropFirst()) {
            #expect(q.ssrc == 0xB0B0_0001)
            #expect(q.sequenceNumber == p.sequenceNumber &+ 1)
            #expect(timestampIsAfter(q.timestamp, p.timestamp))
        }
        // Toward the phone, the next packets are PCMA from the same SSRC with continuing sequence.
        let chrome = try OpusSender(seq: 1, ts: 1)
        for _ in 0..<5 { h.receive(from: .a, chrome.next()); h.advance(ms: 20) }
        let toPhone = h.rtp(to: .b).compactMap(\.header)
        #expect(toPhone.allSatisfy { $0.payloadType == 8 && $0.ssrc == 0x9A0E_0002 })
        expectContinuous(h.rtp(to: .b), tsStep: 160, ssrc: 0x9A0E_0002)
    }

    @Test func holdAndResumeMoveTimestampsOnByTheHeldTime() throws {
        let h = try Harness(a: Legs.browser(), b: Legs.phone())
        let chrome = try OpusSender(seq: 1, ts: 1)
        for _ in 0..<5 { h.receive(from: .a, chrome.next()); h.advance(ms: 20) }
        var held = Legs.phone()
        held.direction = .receiveOnly
        try h.bridge.reconfigure(leg: .b, config: held)
        for _ in 0..<100 { h.receive(from: .a, chrome.next()); h.advance(ms: 20) }   // 2 s of hold
        #expect(h.rtp(to: .b).count == 5)
        #expect(h.bridge.statistics(for: .b).dropped.onHold == 100)
        try h.bridge.reconfigure(leg: .b, config: Legs.phone())
        for _ in 0..<5 { h.receive(from: .a, chrome.next()); h.advance(ms: 20) }
        let headers = h.rtp(to: .b).compactMap(\.header)
        #expect(headers.count == 10)
        #expect(headers[5].sequenceNumber == headers[4].sequenceNumber &+ 1)
        let jump = Int(headers[5].timestamp &- headers[4].timestamp)
        #expect(abs(jump - 101 * 160) <= 160, "timestamp moved \(jump) over the hold")
        #expect(headers[5].marker)
    }

    @Test func newIncomingSSRCContinuesOurStream() throws {
        let h = try Harness(a: Legs.browser(codec: .pcmu), b: Legs.phone())
        let first = PCMUSender(seq: 10, ts: 10_000, ssrc: 1)
        for _ in 0..<5 { h.receive(from: .b, first.next()); h.advance(ms: 20) }
        let second = PCMUSender(seq: 60_000, ts: 7, ssrc: 2)
        for _ in 0..<5 { h.receive(from: .b, second.next()); h.advance(ms: 20) }
        let headers = h.rtp(to: .a).compactMap(\.header)
        #expect(headers.count == 10)
        for (p, q) in zip(headers, headers.dropFirst()) {
            #expect(q.sequenceNumber == p.sequenceNumber &+ 1)
            #expect(q.timestamp &- p.timestamp == 160)
        }
        #expect(h.events.filter { if case .streamStarted(.b, _, _) = $0 { true } else { false } }.count == 2)
    }

    @Test func timelineMapsAcrossClockRatesAndWrap() {
        var t = InputTimeline(inputClock: 48_000, outputClock: 8_000)
        t.anchor(ssrc: 1, input: UInt32.max - 959, output: 100)
        #expect(t.map(ssrc: 1, timestamp: UInt32.max - 959) == 100)
        #expect(t.map(ssrc: 1, timestamp: 0) == 260)            // +960 at 48 kHz = +160 at 8 kHz
        #expect(t.map(ssrc: 1, timestamp: 960 * 3) == 740)
        #expect(t.map(ssrc: 1, timestamp: 960) == 420)          // reordered: behind the anchor
        #expect(t.map(ssrc: 2, timestamp: 0) == nil)            // another stream
        #expect(t.map(ssrc: 1, timestamp: 960 * 3 + 48_000 * 11) == nil)   // an 11 s jump is a restart
    }

    /// Ringback first (an app on side a), then the callee connects as side b: the caller's stream keeps
    /// its SSRC, its sequence goes on by one, the tone stops and the callee's audio takes its place.
    @Test func connectingTheCalleeAfterRingbackContinuesTheCallersStream() throws {
        let h = try Harness(leg: Legs.browser(), app: .source(ToneSource(frequencies: (425, nil), onMilliseconds: 1000,
                                                                          offMilliseconds: 4000, durationMilliseconds: nil)))
        for _ in 0..<10 { h.advance(ms: 20) }
        let ringback = h.rtp(to: .a)
        #expect(ringback.count >= 9)
        try h.bridge.connect(b: Legs.phone(), send: { [unowned h] side, kind, buffer, length in
            h.sent.append(SentPacket(side: side, kind: kind, bytes: Array(UnsafeRawBufferPointer(rebasing: buffer[0..<length]))))
        })
        #expect(h.bridge.isBridging)
        let phone = PCMUSender(seq: 100, ts: 1000)
        for _ in 0..<10 {
            h.receive(from: .b, phone.next())
            h.advance(ms: 20)
        }
        let all = h.rtp(to: .a).compactMap(\.header)
        #expect(Set(all.map(\.ssrc)) == [0xB0B0_0001], "one stream for the whole call")
        for (x, y) in zip(all, all.dropFirst()) {
            #expect(y.sequenceNumber == x.sequenceNumber &+ 1)
        }
        #expect(all.count >= ringback.count + 9, "the callee's audio follows the ringback")
    }

    /// Side b's far end changes (a transfer target, the other target of a parallel bridge): it gets a
    /// stream of its own with the SSRC of its config, while the same far end (early media, then the
    /// answer) keeps one stream.
    @Test func anotherFarEndOnSideBGetsAFreshStream() throws {
        let h = try Harness(a: Legs.browser(codec: .pcmu), b: Legs.phone())
        let browser = PCMUSender(seq: 1, ts: 0, ssrc: 0xB)
        func talk() {
            for _ in 0..<5 {
                h.receive(from: .a, browser.next(pt: 0))
                h.advance(ms: 20)
            }
        }
        let send: MediaBridge.Send = { [unowned h] side, kind, buffer, length in
            h.sent.append(SentPacket(side: side, kind: kind, bytes: Array(UnsafeRawBufferPointer(rebasing: buffer[0..<length]))))
        }
        talk()
        var answered = Legs.phone()
        answered.ssrc = 0x5555
        try h.bridge.connect(b: answered, send: send)
        talk()
        var transferred = Legs.phone()
        transferred.ssrc = 0x7777
        try h.bridge.connect(b: transferred, send: send, freshStream: true)
        talk()
        let ssrcs = h.rtp(to: .b).compactMap(\.header?.ssrc)
        #expect(ssrcs.first == Legs.phone().ssrc && ssrcs.last == 0x7777, "\(Set(ssrcs))")
        #expect(!ssrcs.contains(0x5555), "the same far end's answer continued its stream")
    }
}

