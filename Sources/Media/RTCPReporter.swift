import RTP

/// One leg's RTCP: reports made from what this leg really sent and received (never the other leg's
/// reports forwarded), and what the far end reports about us — its view of our loss and jitter,
/// and the round-trip time from LSR/DLSR (RFC 3550 §6.4.1).
struct RTCPReporter: Sendable {
    /// The middle 32 bits of the NTP time of the last SR from the far end, and when it arrived.
    private var remoteSenderReport: UInt32 = 0
    private var remoteSenderReportArrival: UInt64 = 0
    private(set) var roundTripNanoseconds: UInt64?
    private(set) var remoteFractionLost: UInt8 = 0
    private(set) var remoteCumulativeLost: Int32 = 0
    /// Jitter the far end measured on our stream, in our RTP clock units.
    private(set) var remoteJitter: UInt32 = 0
    private(set) var remoteReportCount = 0
    private(set) var goodbyeReceived = false
    /// When the next report is due; nil until the first tick schedules it.
    var nextReportAt: UInt64?
    /// Mean interval between reports (RFC 3550 §6.2 allows a fixed minimum of 5 s for two parties).
    var interval: UInt64 = 5_000_000_000
    private var random: UInt64
    /// NTP seconds at monotonic zero, so SR NTP times look like wall time when the owner knows it.
    let ntpEpochSeconds: UInt64

    init(seed: UInt32, ntpEpochSeconds: UInt64) {
        random = UInt64(seed) | 0x9E37_79B9_0000_0000
        self.ntpEpochSeconds = ntpEpochSeconds
    }

    /// NTP format (RFC 5905) of monotonic time `now`.
    func ntp(_ now: UInt64) -> UInt64 {
        let seconds = now / 1_000_000_000 + ntpEpochSeconds
        let fraction = ((now % 1_000_000_000) << 32) / 1_000_000_000
        return seconds << 32 | fraction
    }

    /// Reads a compound RTCP datagram from the far end about the stream we send with `ourSSRC`.
    mutating func receive(_ bytes: UnsafeRawBufferPointer, ourSSRC: UInt32, now: UInt64) -> Bool {
        var packets = RTCPPacketIterator(bytes)
        var understood = false
        while let packet = packets.next() {
            switch packet.type {
            case .senderReport, .receiverReport:
                guard let report = try? RTCPReport(parsing: bytes, packet: packet) else { continue }
                understood = true
                if let sender = report.sender {
                    remoteSenderReport = sender.compactNTP
                    remoteSenderReportArrival = now
                }
                for i in 0..<report.reportCount {
                    let block = report.block(i, in: bytes)
                    guard block.ssrc == ourSSRC else { continue }
                    remoteReportCount += 1
                    remoteFractionLost = block.fractionLost
                    remoteCumulativeLost = block.cumulativeLost
                    remoteJitter = block.jitter
                    if block.lastSenderReport != 0 {
                        let arrival = UInt32(truncatingIfNeeded: ntp(now) >> 16)
                        let rtt = Int32(bitPattern: arrival &- block.lastSenderReport &- block.delaySinceLastSenderReport)
                        if rtt >= 0 { roundTripNanoseconds = UInt64(rtt) * 1_000_000_000 >> 16 }
                    }
                }
            case .goodbye:
                understood = true
                goodbyeReceived = true
            default:
                continue
            }
        }
        return understood
    }

    /// Writes SR (when we sent since the last report) or RR, with a report block about the stream we
    /// receive, then SDES CNAME: the compound RFC 3550 §6.1 asks for. Returns bytes written.
    mutating func makeReport(into out: UnsafeMutableRawBufferPointer, stream: inout OutboundStream,
                             reception: inout ReceptionStatistics, cname: String, now: UInt64) -> Int? {
        let sender: RTCPSenderInfo? = stream.sentSinceReport
            ? RTCPSenderInfo(ntpTimestamp: ntp(now), rtpTimestamp: stream.timestamp(at: now),
                             packetCount: stream.packetCount, octetCount: stream.octetCount)
            : nil
        var written: Int?
        if reception.isStarted {
            var dlsr: UInt32 = 0
            if remoteSenderReport != 0, now >= remoteSenderReportArrival {
                dlsr = UInt32(truncatingIfNeeded: ((now - remoteSenderReportArrival) << 16) / 1_000_000_000)
            }
            var block = reception.makeReportBlock(lastSenderReport: remoteSenderReport, delaySinceLastSenderReport: dlsr)
            written = withUnsafePointer(to: &block) {
                RTCPReport.write(ssrc: stream.ssrc, sender: sender, blocks: UnsafeBufferPointer(start: $0, count: 1), into: out)
            }
        } else {
            written = RTCPReport.write(ssrc: stream.ssrc, sender: sender, blocks: UnsafeBufferPointer(start: nil, count: 0), into: out)
        }
        guard let reportLength = written,
              let sdesLength = Self.writeCNAME(ssrc: stream.ssrc, cname: cname,
                                               into: UnsafeMutableRawBufferPointer(rebasing: out[reportLength...]))
        else { return nil }
        stream.sentSinceReport = false
        return reportLength + sdesLength
    }

    /// SDES with one CNAME chunk (RFC 3550 §6.5), written straight from the string's UTF-8 so a
    /// report allocates nothing (RTP's `RTCPSourceDescription.writeCNAME` copies it into an array).
    static func writeCNAME(ssrc: UInt32, cname: String, into out: UnsafeMutableRawBufferPointer) -> Int? {
        let count = min(255, cname.utf8.count)
        let length = 4 + ((4 + 2 + count + 1 + 3) & ~3)
        guard out.count >= length else { return nil }
        out[0] = 0x81
        out[1] = RTCPPacketType.sourceDescription.rawValue
        out[2] = UInt8((length / 4 - 1) >> 8)
        out[3] = UInt8(truncatingIfNeeded: length / 4 - 1)
        out[4] = UInt8(ssrc >> 24); out[5] = UInt8(truncatingIfNeeded: ssrc >> 16)
        out[6] = UInt8(truncatingIfNeeded: ssrc >> 8); out[7] = UInt8(truncatingIfNeeded: ssrc)
        out[8] = 1
        out[9] = UInt8(count)
        var i = 10
        for byte in cname.utf8.prefix(count) {
            out[i] = byte
            i += 1
        }
        while i < length { out[i] = 0; i += 1 }
        return length
    }

    /// Schedules the next report at a random point in [0.5, 1.5] × interval (RFC 3550 §6.3.1), so
    /// many calls started together do not report in step; the first comes after half that.
    mutating func scheduleNext(after now: UInt64) {
        random ^= random << 13
        random ^= random >> 7
        random ^= random << 17
        let base = max(1, interval)
        var spread = base / 2 + random % base
        if nextReportAt == nil { spread /= 2 }
        nextReportAt = now + spread
    }
}
