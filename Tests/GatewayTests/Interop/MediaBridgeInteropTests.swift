import Foundation
import Gateway
import Logging
import Media
import MediaTransport
import NIOCore
import NIOPosix
import SDP
import Testing
import TestSupport
import WebRTC

/// The media layer between real peers: aiortc (Opus over DTLS-SRTP) on one side, a plain-RTP G.711
/// phone on the other. A 1 kHz tone goes browser → phone and 440 Hz phone → browser, each checked by
/// FFT at the far end; RFC 4733 digits from the phone arrive at the bridge in order.
@Suite(.serialized) struct MediaBridgeInteropTests {
    struct Outcome {
        let browser: [String: Any]
        let phone: [String: Any]
        let events: [MediaEvent]
        let passThrough: Bool
    }

    func run(phoneCodec: String, browserCodecs: [CodecCapability], aiortcCodec: String? = nil, digits: String = "") async throws -> Outcome {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let browserPeer = try PeerProcess(pythonBinary, [aiortcPeerScript, "offer", "--tone", "1000", "--seconds", "2"]
                                          + (aiortcCodec.map { ["--codec", $0] } ?? []))
        let phonePeer = try PeerProcess(pythonBinary, [repositoryRoot + "/Tests/Interop/rtp_peer.py", "--codec", phoneCodec,
                                                       "--tone", "440", "--seconds", "3", "--digits", digits])
        defer {
            browserPeer.stop()
            phonePeer.stop()
        }
        do {
            let outcome = try await bridge(loop: loop, browserPeer: browserPeer, phonePeer: phonePeer, phoneCodec: phoneCodec,
                                           browserCodecs: browserCodecs)
            try await group.shutdownGracefully()
            return outcome
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func bridge(loop: EventLoop, browserPeer: PeerProcess, phonePeer: PeerProcess, phoneCodec: String,
                        browserCodecs: [CodecCapability]) async throws -> Outcome {
        let identity = try DTLSIdentity.generate()
        let ice = ICELiteAgent()
        let phonePort = try #require(phonePeer.readJSON(timeout: 20)?["port"] as? Int, "rtp peer: \(phonePeer.stderr)")
        let phonePT: UInt8 = phoneCodec == "PCMU" ? 0 : 8
        let media = try await CallMedia.make(loop: loop, host: "127.0.0.1", logger: Logger(label: "t"), a: .browser(ice: ice),
                                             b: .phone(remote: try SocketAddress(ipAddress: "127.0.0.1", port: phonePort),
                                                       payloadTypes: [phonePT, 101]))
        do {
            let outcome = try await exchange(media: media, loop: loop, ice: ice, identity: identity, browserPeer: browserPeer,
                                             phonePeer: phonePeer, phoneCodec: phoneCodec, browserCodecs: browserCodecs)
            await media.close()
            return outcome
        } catch {
            await media.close()
            throw error
        }
    }

    private func exchange(media: CallMedia, loop: EventLoop, ice: ICELiteAgent, identity: DTLSIdentity, browserPeer: PeerProcess,
                          phonePeer: PeerProcess, phoneCodec: String, browserCodecs: [CodecCapability]) async throws -> Outcome {

        let offerJSON = try #require(browserPeer.readJSON(timeout: 20), "no offer: \(browserPeer.stderr)")
        let offer = try SessionDescription(parsing: try #require(offerJSON["sdp"] as? String))
        var template = WebRTCSessionTemplate(ufrag: ice.localUfrag, password: ice.localPassword, fingerprint: identity.fingerprint,
                                             candidateAddresses: ["127.0.0.1"], port: UInt16(try #require(media.port(.a))))
        template.version = 1
        let answer = template.answer(offer, codecs: browserCodecs)
        let agreed = try #require(answer.accepted(), "answer: \(answer.media)")
        let remote = try #require(offer.media.first)
        let context = try DTLSContext(identity: identity)
        let dtls = try DTLSEndpoint(context: context,
                                    role: WebRTCSessionTemplate.dtlsRole(remoteSetup: offer.setupRole(for: remote)),
                                    expectedFingerprint: CertificateFingerprint(bytes: try #require(offer.fingerprint(for: remote)).bytes))
        let browserConfig = try #require(MediaLegConfig(agreed: agreed, ssrc: template.ssrc, cname: template.cname))
        let phoneConfig = MediaLegConfig(codec: phoneCodec == "PCMU" ? .pcmu : .pcma, ptime: 20,
                                         telephoneEvent: TelephoneEventFormat(payloadType: 101, clockRate: 8000),
                                         dtmfMode: .rfc4733, ssrc: 0x7A4D_0001, cname: template.cname)
        let iceT = Handed(ice), dtlsT = Handed(dtls)
        try await loop.submit {
            iceT.value.setRemoteUfrag(offer.iceUsernameFragment(for: remote))
            media.browser(.a)?.setDTLS(dtlsT.value)
            try media.start(a: browserConfig, b: phoneConfig)
        }.get()
        try browserPeer.writeJSON(["type": "answer", "sdp": answer.sessionDescription.serialized()])
        let localRTP = try #require(media.port(.b))
        try phonePeer.writeJSON(["remote": "127.0.0.1:\(localRTP)"])

        let phoneResult = phonePeer.readJSON(timeout: 30) ?? ["error": phonePeer.stderr.suffix(1500)]
        let browserResult = browserPeer.readJSON(timeout: 30) ?? ["error": browserPeer.stderr.suffix(1500)]
        let (events, passThrough) = try await loop.submit { (media.events, media.bridge?.isPassThrough(into: .b) ?? false) }.get()
        return Outcome(browser: browserResult, phone: phoneResult, events: events, passThrough: passThrough)
    }

    func expectTones(_ o: Outcome, browserSendsOpus: Bool = true) {
        let atPhone = o.phone["frequency"] as? Double ?? 0
        let atBrowser = o.browser["frequency"] as? Double ?? 0
        #expect(abs(atPhone - 1000) < 15, "phone heard \(o.phone)")
        #expect(abs(atBrowser - 440) < 15, "browser heard \(o.browser)")
        // Both tones are sent at 0.3 of full scale (-13.5 dBFS). aiortc's mono → stereo Opus encoder
        // sends its tone 3 dB lower (as in the leg tests); G.711 and our mono Opus keep the level.
        #expect(abs((o.phone["dbfs"] as? Double ?? -200) - (browserSendsOpus ? -16.5 : -13.5)) < 2, "\(o.phone)")
        #expect(abs((o.browser["dbfs"] as? Double ?? -200) - -13.5) < 2, "\(o.browser)")
    }

    @Test func opusToPCMUTranscodedBothWaysWithDigits() async throws {
        let o = try await run(phoneCodec: "PCMU", browserCodecs: [CodecCapability(name: "opus", clockRate: 48000, channels: 2)],
                              digits: "123#")
        expectTones(o)
        #expect(!o.passThrough)
        let digits = o.events.compactMap { event -> Character? in
            if case .digitReceived(let from, let digit, _, _) = event, from == .b { return digit.character }
            return nil
        }
        #expect(String(digits) == "123#", "events: \(o.events)")
    }

    @Test func opusToPCMA() async throws {
        let o = try await run(phoneCodec: "PCMA", browserCodecs: [CodecCapability(name: "opus", clockRate: 48000, channels: 2)])
        expectTones(o)
    }

    @Test func pcmuBothSidesPassesThrough() async throws {
        let o = try await run(phoneCodec: "PCMU", browserCodecs: [CodecCapability(name: "PCMU", clockRate: 8000)], aiortcCodec: "PCMU")
        #expect(o.passThrough)
        expectTones(o, browserSendsOpus: false)
    }
}
