@testable import Media
import RTP
import Testing

/// Per-leg RTCP: each leg reports what it really sent and received, and reads what the far end
/// says about our stream (loss, jitter, RTT from LSR/DLSR); nothing is forwarded between legs.
@Suite struct RTCPTests {
    func parse(_ bytes: [UInt8]) -> (report: RTCPReport, block: RTCPReportBlock?, cname: String?)? {
        bytes.withUnsafeBytes { p in
            var it = RTCPPacketIterator(p)
            var report: RTCPReport?
            var block: RTCPReportBlock?
            var cname: String?
            while let packet = it.next() {
                switch packet.type {
                case .senderReport, .receiverReport:
                    report = try? RTCPReport(parsing: p, packet: packet)
                    if let r = report, r.reportCount > 0 { block = r.block(0, in: p) }
                case .sourceDescription:
                    cname = RTCPSourceDescription.firstCNAME(in: p, packet: packet)?.cname
                default: break
                }
            }
            return report.map { ($0, block, cname) }
        }
    }

    @Test func eachLegReportsItsOwnStreams() throws {
        let h = try Harness(a: Legs.browser(codec: .pcmu), b: Legs.phone())
        // The phone sends 50 packets with 5 lost; the browser sends 50.
        var seq: UInt16 = 100, ts: UInt32 = 0
        for i in 0..<50 {
            if i % 10 != 3 { h.receive(from: .b, rtpPacket(pt: 0, seq: seq, ts: ts, ssrc: 0xFACE, payload: [UInt8](repeating: 0xFF, count: 160))) }
            h.receive(from: .a, rtpPacket(pt: 0, seq: seq, ts: ts, ssrc: 0xB0, payload: [UInt8](repeating: 0xFF, count: 160)))
            seq &+= 1; ts &+= 160
            h.advance(ms: 20)
        }
        var buffer = [UInt8](repeating: 0, count: 1500)
        let n = try #require(buffer.withUnsafeMutableBytes { h.bridge.makeRTCP(for: .b, now: h.now, into: $0) })
        let toPhone = try #require(parse(Array(buffer[0..<n])))
        #expect(toPhone.report.ssrc == 0x9A0E_0002)                       // our SSRC on the phone leg
        #expect(toPhone.report.sender?.packetCount == 50)                 // what we sent the phone
        #expect(Int(toPhone.report.sender?.octetCount ?? 0) == 8_000)
        #expect(toPhone.cname == "phone-leg")
        let block = try #require(toPhone.block)
        #expect(block.ssrc == 0xFACE)                                     // about the phone's stream, not the browser's
        #expect(block.cumulativeLost == 5)
        #expect(block.highestSequence == 149)
        #expect(block.fractionLost == UInt8(5 * 256 / 50))

        let m = try #require(buffer.withUnsafeMutableBytes { h.bridge.makeRTCP(for: .a, now: h.now, into: $0) })
        let toBrowser = try #require(parse(Array(buffer[0..<m])))
        #expect(toBrowser.report.ssrc == 0xB0B0_0001)
        #expect(toBrowser.block?.ssrc == 0xB0)
        #expect(toBrowser.block?.cumulativeLost == 0)
        #expect(toBrowser.report.sender?.packetCount == 45)              // the phone's 45 packets passed through
    }

    @Test func roundTripTimeComesFromLSRAndDLSR() throws {
        let h = try Harness(a: Legs.browser(codec: .pcmu), b: Legs.phone())
        h.receive(from: .a, rtpPacket(pt: 0, seq: 1, ts: 0, ssrc: 0xB0, payload: [UInt8](repeating: 0xFF, count: 160)))
        var buffer = [UInt8](repeating: 0, count: 1500)
        let n = try #require(buffer.withUnsafeMutableBytes { h.bridge.makeRTCP(for: .b, now: h.now, into: $0) })
        let sr = try #require(parse(Array(buffer[0..<n]))?.report.sender)
        // The phone answers 100 ms later, having held our SR for 30 ms: RTT 70 ms.
        h.now += 100_000_000
        var rr = [UInt8](repeating: 0, count: 32)
        var block = RTCPReportBlock(ssrc: 0x9A0E_0002, fractionLost: 64, cumulativeLost: 3, highestSequence: 10, jitter: 80,
                                    lastSenderReport: sr.compactNTP, delaySinceLastSenderReport: UInt32(0.030 * 65536))
        let written = rr.withUnsafeMutableBytes { out in
            withUnsafePointer(to: &block) { RTCPReport.write(ssrc: 0xFACE, sender: nil, blocks: UnsafeBufferPointer(start: $0, count: 1), into: out) }
        }
        #expect(written == 32)
        rr.withUnsafeBytes { h.bridge.receiveRTCP(from: .b, packet: $0, now: h.now) }
        let stats = h.bridge.statistics(for: .b)
        let rtt = try #require(stats.roundTripMs)
        #expect(abs(rtt - 70) < 0.5, "RTT \(rtt) ms")
        #expect(stats.remoteCumulativeLost == 3)
        #expect(stats.remoteFractionLost == 0.25)
        #expect(stats.remoteJitterMs == 10)        // 80 ticks at 8 kHz
        #expect(h.bridge.statistics(for: .a).roundTripMs == nil)   // the other leg's RTT is its own
    }

    @Test func jitterFollowsA8() {
        var r = ReceptionStatistics()
        r.start(ssrc: 1, sequence: 0)
        r.clockRate = 8_000
        // Packets 20 ms apart in media time, arriving alternately 0 and 10 ms late.
        for i in 0..<400 {
            let arrival = UInt64(i) * 20_000_000 + (i % 2 == 0 ? 0 : 10_000_000)
            r.updateJitter(timestamp: UInt32(i * 160), arrival: arrival)
        }
        // |D| is 80 ticks every packet, so J converges to 80 ticks = 10 ms.
        #expect(abs(r.jitterMilliseconds - 10) < 0.1)
    }

    @Test func sequenceTrackingCountsLossAcrossWrapAndRestarts() {
        var r = ReceptionStatistics()
        r.start(ssrc: 1, sequence: 65_530)
        for s in [65_531, 65_533, 65_534, 0, 1, 3] as [UInt16] { _ = r.update(sequence: s) }
        #expect(r.extendedHighestSequence == 65_536 + 3)
        #expect(r.cumulativeLost == 3)   // 65532, 65535 and 2
        #expect(r.update(sequence: 2) == .late)
        #expect(r.cumulativeLost == 2)
        #expect(r.update(sequence: 2) == .duplicate)
        #expect(r.update(sequence: 30_000) == .jump)
        #expect(r.update(sequence: 30_001) == .restart)
        #expect(r.cumulativeLost == 0)
    }

    @Test func reportsAreSentOnTheTickAndGoodbyeIsSeen() throws {
        let h = try Harness(a: Legs.browser(codec: .pcmu), b: Legs.phone())
        for _ in 0..<600 { h.advance(ms: 20) }   // 12 s
        let reports = h.sent.filter { $0.kind == .rtcp }
        #expect(reports.filter { $0.side == .a }.count >= 2 && reports.filter { $0.side == .a }.count <= 5)
        #expect(reports.filter { $0.side == .b }.count >= 2)
        #expect(reports.allSatisfy { $0.bytes.withUnsafeBytes { RTCPPacketIterator.validate($0) } })
        var bye = [UInt8](repeating: 0, count: 100)
        let n = try #require(bye.withUnsafeMutableBytes { h.bridge.makeGoodbye(for: .a, now: h.now, into: $0) })
        bye.withUnsafeBytes { h.bridge.receiveRTCP(from: .a, packet: UnsafeRawBufferPointer(rebasing: $0[0..<n]), now: h.now) }
        #expect(h.events.contains(.goodbye(.a)))
    }
}
