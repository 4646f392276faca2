import CMallocCounter
import RTP
import WebRTC

/// Per-packet cost of one browser leg's media path: receive (demultiplex, SRTP unprotect), parse the
/// RTP header, rewrite the SSRC, protect, hand to the socket. The "browser" packets are made beforehand
/// so only the leg's work is timed; allocations per packet are counted with the malloc counter.
func webRTCLegBenchmarks() throws -> [Measurement] {
    let packets = 20_000
    let ourIdentity = try DTLSIdentity.generate(), theirIdentity = try DTLSIdentity.generate()
    let ours = try DTLSEndpoint(context: DTLSContext(identity: ourIdentity), role: .server, expectedFingerprint: theirIdentity.fingerprint)
    let theirs = try DTLSEndpoint(context: DTLSContext(identity: theirIdentity), role: .client, expectedFingerprint: ourIdentity.fingerprint)
    let browser = TransportAddress(ipv4: 127, 0, 0, 1, port: 40_000)
    var wire: [[UInt8]] = []
    var sentBytes = 0
    var capture = true
    let leg = WebRTCTransport(ice: ICELiteAgent(remoteUfrag: "brws"), dtls: ours, send: { bytes, _ in
        if capture { wire.append(Array(bytes)) } else { sentBytes &+= bytes.count }
    }, onEvent: { _ in })

    // ICE check with USE-CANDIDATE, then the DTLS handshake, all in memory.
    var check = STUNMessageBuilder(type: .bindingRequest, transactionID: .random())
    check.addUsername("\(leg.ice.localUfrag):brws")
    check.addICEControlling(1)
    check.addUseCandidate()
    check.addMessageIntegrity(key: Array(leg.ice.localPassword.utf8))
    check.addFingerprint()
    func deliver(_ bytes: [UInt8]) {
        var b = bytes
        _ = b.withUnsafeMutableBytes { leg.receive($0, from: browser, now: 1) }
    }
    deliver(check.bytes)
    var flight = try theirs.start()
    while leg.state != .connected, !flight.isEmpty {
        wire.removeAll()
        deliver(flight)
        flight = try wire.reduce(into: [UInt8]()) { $0 += try theirs.receive($1) }
    }
    guard leg.state == .connected else { throw BenchError("DTLS did not connect in memory") }
    capture = false

    let (profile, keys) = try theirs.srtpKeys()
    let browserPackets = try BrowserPackets(count: packets, profile: profile, keys: keys)

    let clock = ContinuousClock()
    let allocationsBefore = tandem_allocation_count()
    let start = clock.now
    for i in 0..<packets {
        let slot = browserPackets.slot(i)
        guard case .rtp(let n) = leg.receive(browserPackets.packet(i), from: browser, now: 2),
              let header = try? RTPHeader(parsing: UnsafeRawBufferPointer(rebasing: slot[0..<n])) else { continue }
        var rewritten = header
        rewritten.ssrc = 0x7A4D
        rewritten.write(to: slot)
        leg.sendRTP(slot, length: n)
    }
    let elapsed = clock.now - start
    let allocations = tandem_allocation_count() - allocationsBefore
    let ns = (Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9) / Double(packets)
    guard leg.counters.rtpReceived == packets, leg.counters.rtpSent == packets, sentBytes > 0 else {
        throw BenchError("leg dropped packets: \(leg.counters)")
    }
    let perPacket = Double(allocations) / Double(packets)
    return [Measurement(name: "webrtc.leg.\(profile.openSSLName).recv+unprotect+parse+protect+send", nanosecondsPerOp: ns,
                        note: "per packet; allocation goal 0", allocationsPerOp: perPacket)]
}

/// 20 ms Opus packets as a browser would send them, SRTP-protected beforehand so only the leg's work
/// is measured; each in a slot with room for the tag, so a leg can protect it again in place.
final class BrowserPackets {
    private let stride = 172 + SRTPSession.maxTrailerLength
    private let pool: UnsafeMutableRawBufferPointer
    private var lengths: [Int]

    init(count: Int, profile: SRTPProfile, keys: SRTPKeyingMaterial) throws {
        let tx = try SRTPSession(profile: profile, keyAndSalt: keys.localKeyAndSalt, direction: .outbound)
        pool = UnsafeMutableRawBufferPointer.allocate(byteCount: stride * count, alignment: 16)
        lengths = [Int](repeating: 0, count: count)
        for i in 0..<count {
            RTPHeader(payloadType: 111, sequenceNumber: UInt16(truncatingIfNeeded: i), timestamp: UInt32(i) * 960, ssrc: 0xB0B).write(to: slot(i))
            lengths[i] = try tx.protectRTP(slot(i).baseAddress!, length: 172, capacity: stride)
        }
    }

    deinit { pool.deallocate() }

    /// Packet `i`'s whole slot.
    func slot(_ i: Int) -> UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: pool[(i * stride)..<((i + 1) * stride)]) }

    /// Packet `i` as protected.
    func packet(_ i: Int) -> UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: slot(i)[0..<lengths[i]]) }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
