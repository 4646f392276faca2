import Foundation
import Gateway
import Logging
import MediaTransport
import NIOCore
import NIOPosix
import SDP
import Testing
import TestSupport
import WebRTC

/// The WebRTC leg against a real WebRTC stack: aiortc on loopback sends a 1 kHz tone, the leg echoes
/// every RTP packet back under its own SSRC, and aiortc measures what it hears with an FFT.
@Suite(.serialized) struct AiortcWebRTCLegTests {
    /// Loop-confined state of one echo leg.
    final class Echo: @unchecked Sendable {
        var leg: WebRTCLegSocket?
        let ssrc: UInt32
        var scratch = [UInt8](repeating: 0, count: 1600)
        var echoed = 0
        var events: [WebRTCEvent] = []

        init(ssrc: UInt32) { self.ssrc = ssrc }

        /// Copies into a buffer with room for the SRTP tag, puts our SSRC in, sends it back.
        func media(_ packet: UnsafeMutableRawBufferPointer, _ isRTCP: Bool) {
            guard !isRTCP, let leg, packet.count >= 12, packet.count <= 1400 else { return }
            scratch.withUnsafeMutableBytes { out in
                out.copyMemory(from: UnsafeRawBufferPointer(packet))
                out[8] = UInt8(ssrc >> 24); out[9] = UInt8(truncatingIfNeeded: ssrc >> 16)
                out[10] = UInt8(truncatingIfNeeded: ssrc >> 8); out[11] = UInt8(truncatingIfNeeded: ssrc)
                if leg.sendRTP(out, length: packet.count) { echoed += 1 }
            }
        }
    }

    struct Outcome {
        let result: [String: Any]
        let counters: WebRTCCounters
        let echoed: Int
        let events: [WebRTCEvent]
        var frequency: Double { result["frequency"] as? Double ?? 0 }
        var dbfs: Double { result["dbfs"] as? Double ?? -200 }
    }

    /// Reads the remote SDP's DTLS role for us, its certificate fingerprint, and its ICE ufrag.
    static func dtlsParameters(_ sdp: SessionDescription, tamper: Bool) throws -> (DTLSEndpoint.Role, CertificateFingerprint, String?) {
        let media = try #require(sdp.media.first)
        var fp = try #require(sdp.fingerprint(for: media))
        if tamper { fp.bytes[0] ^= 0xFF }
        return (WebRTCSessionTemplate.dtlsRole(remoteSetup: sdp.setupRole(for: media)),
                CertificateFingerprint(bytes: fp.bytes), sdp.iceUsernameFragment(for: media))
    }

    func runEcho(weOffer: Bool, tamperFingerprint: Bool = false, seconds: Double = 2, garbage: Int = 0,
                 host: String = "127.0.0.1") async throws -> Outcome {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let peer = try PeerProcess(pythonBinary, [aiortcPeerScript, weOffer ? "answer" : "offer", "--tone", "1000",
                                                  "--seconds", String(seconds)] + (host.contains(":") ? ["--ipv6"] : []))
        defer { peer.stop() }
        do {
            let outcome = try await echo(loop: group.next(), peer: peer, weOffer: weOffer, tamper: tamperFingerprint, garbage: garbage,
                                         host: host)
            try await group.shutdownGracefully()
            return outcome
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func echo(loop: EventLoop, peer: PeerProcess, weOffer: Bool, tamper: Bool, garbage: Int, host: String) async throws -> Outcome {
        let identity = try DTLSIdentity.generate()
        let context = try DTLSContext(identity: identity)
        let ice = ICELiteAgent()
        var template = WebRTCSessionTemplate(ufrag: ice.localUfrag, password: ice.localPassword, fingerprint: identity.fingerprint,
                                             candidateAddresses: [host], port: 0)
        let echo = Echo(ssrc: template.ssrc)
        // Bind first so the SDP carries the real port; DTLS joins once the remote SDP is known.
        let leg = try await WebRTCLegSocket.bind(host: host, port: 0, on: loop, ice: ice, dtls: nil, logger: Logger(label: "t"),
                                                 onEvent: { echo.events.append($0) }, onMedia: { echo.media($0, $1) })
        defer { leg.close() }
        template.port = UInt16(try #require(leg.localAddress?.port))
        try await loop.submit { echo.leg = leg }.get()

        let remote: SessionDescription
        if weOffer {
            try peer.writeJSON(["type": "offer", "sdp": template.offer().serialized()])
            let answer = try #require(peer.readJSON(timeout: 20), "no answer from aiortc: \(peer.stderr)")
            remote = try SessionDescription(parsing: try #require(answer["sdp"] as? String))
        } else {
            let offer = try #require(peer.readJSON(timeout: 20), "no offer from aiortc: \(peer.stderr)")
            remote = try SessionDescription(parsing: try #require(offer["sdp"] as? String))
        }
        let (role, fingerprint, ufrag) = try Self.dtlsParameters(remote, tamper: tamper)
        let dtls = Handed(try DTLSEndpoint(context: context, role: role, expectedFingerprint: fingerprint)), iceT = Handed(ice)
        try await loop.submit {
            iceT.value.setRemoteUfrag(ufrag)
            leg.setDTLS(dtls.value)
        }.get()
        if !weOffer {
            let answer = template.answer(remote)
            #expect(answer.accepted()?.codec?.name.lowercased() == "opus")
            try peer.writeJSON(["type": "answer", "sdp": answer.sessionDescription.serialized()])
        }
        if garbage > 0 {
            // While the call runs, a stranger sprays the leg's port with random datagrams shaped like
            // STUN, DTLS, RTP and nothing at all, in bursts; each burst must be counted before the next
            // (so a full socket buffer cannot make the count flaky).
            let before = try await loop.submit { leg.transport.counters.totalDropped }.get()
            for burst in 1...(garbage / 50) {
                try sprayGarbage(count: 50, port: template.port)
                let deadline = ContinuousClock.now + .seconds(3)
                while try await loop.submit({ leg.transport.counters.totalDropped }).get() - before < burst * 50,
                      ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
        }
        let result = peer.readJSON(timeout: 40) ?? ["error": "no result: \(peer.stderr.suffix(2000))"]
        let (counters, echoed, events) = try await loop.submit { (leg.transport.counters, echo.echoed, echo.events) }.get()
        return Outcome(result: result, counters: counters, echoed: echoed, events: events)
    }

    func expectToneEchoed(_ o: Outcome) {
        #expect(abs(o.frequency - 1000) < 15, "result \(o.result)")
        // Sent at 0.3 of full scale (-13.5 dBFS RMS). aiortc's mono capture → stereo Opus → first-channel
        // path reads 3 dB lower (the same with or without us: the leg forwards payloads bit for bit).
        #expect(abs(o.dbfs - -16.5) < 2, "result \(o.result)")
        #expect(o.echoed > 50)
        #expect(o.counters.rtpReceived > 50)
        #expect(o.counters.srtpAuthenticationFailed == 0 && o.counters.srtpReplayed == 0, "\(o.counters)")
        #expect(o.events.contains { if case .connected = $0 { true } else { false } })
    }

    @Test func aiortcOffersTheLegAnswersAndTheToneEchoes() async throws {
        let o = try await runEcho(weOffer: false)
        expectToneEchoed(o)
        #expect(o.counters.totalDropped == 0, "\(o.counters)")
    }

    @Test func garbageOnTheMediaPortIsCountedAndTheCallGoesOn() async throws {
        let o = try await runEcho(weOffer: false, garbage: 300)
        expectToneEchoed(o)
        #expect(o.counters.totalDropped >= 300, "\(o.counters)")
        #expect(o.counters.fromUnvalidatedAddress + o.counters.stunMalformed + o.counters.unknownPackets
                + o.counters.stunUnauthenticated + o.counters.stunNotRequest + o.counters.srtpBeforeKeys >= 300)
    }

    func sprayGarbage(count: Int, port: UInt16) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(port.bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var rng = SystemRandomNumberGenerator()
        let firsts: [UInt8] = [0x00, 0x01, 22, 23, 0x80, 0x90, 0xC0, 0xFF, 4]
        for i in 0..<count {
            var bytes = (0..<Int(rng.next(upperBound: UInt32(400)) + 1)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            bytes[0] = firsts[i % firsts.count]
            _ = withUnsafePointer(to: &addr) { a in
                a.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, sa, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
        }
    }

    @Test func overIPv6() async throws {
        let o = try await runEcho(weOffer: false, host: "::1")
        expectToneEchoed(o)
    }

    @Test func theLegOffersAiortcAnswersAndTheToneEchoes() async throws {
        let o = try await runEcho(weOffer: true)
        expectToneEchoed(o)
    }

    @Test func wrongFingerprintFailsTheHandshakeCleanly() async throws {
        let o = try await runEcho(weOffer: false, tamperFingerprint: true, seconds: 0.5)
        #expect(o.counters.rtpReceived == 0)
        #expect(o.echoed == 0)
        let failure = o.events.compactMap { if case .failed(let r) = $0 { r } else { nil } }.first
        #expect(failure?.contains("fingerprintMismatch") == true, "events \(o.events)")
        #expect(o.result["samples"] as? Int ?? 0 == 0 || o.result["error"] != nil, "aiortc must hear nothing: \(o.result)")
    }
}
