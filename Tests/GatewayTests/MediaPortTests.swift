import Foundation
import Gateway
import Logging
import MediaTransport
import NIOCore
import NIOPosix
import Testing
import TestSupport
import WebRTC

@Suite struct MediaPortTests {
    @Test func legsTakeEvenPortsFromTheRangeAndSkipOnesInUse() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        // Another process (here: a plain socket) holds the first port of the range; find a free even one.
        var squatter: Channel?
        var base = 0
        for _ in 0..<20 where squatter == nil {
            base = 30_000 + Int.random(in: 0..<10_000) * 2
            squatter = try? await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: base).get()
        }
        let held = try #require(squatter)
        let allocator = MediaPortAllocator(range: base...(base + 9))
        let (port, leg) = try await allocator.bind { port in
            try await WebRTCLegSocket.bind(host: "127.0.0.1", port: port, on: group.next(), ice: ICELiteAgent(), dtls: nil,
                                           logger: Logger(label: "t"), onEvent: { _ in }, onMedia: { _, _ in })
        }
        #expect(port == base + 2, "the held port is skipped")
        #expect(port % 2 == 0)
        #expect(leg.localAddress?.port == port)
        leg.close()
        allocator.release(port)
        try await held.close()
        // The range has 5 even ports; asking for more than that runs out cleanly.
        var taken: [Int] = []
        for _ in 0..<5 { taken.append(try await allocator.bind { $0 }.port) }
        #expect(Set(taken).count == 5)
        #expect(allocator.available == 0)
        await #expect(throws: MediaPortError.self) { _ = try await allocator.bind { $0 } }
    }

    @Test func candidatesComeFromConfig() {
        var media = GatewayConfig.Media()
        #expect(media.candidateAddresses(fallback: "127.0.0.1") == ["127.0.0.1"])
        media.localAddresses = ["10.0.0.5", "fd00::5"]
        media.publicAddress = "203.0.113.7"
        #expect(media.candidateAddresses(fallback: "127.0.0.1") == ["10.0.0.5", "fd00::5", "203.0.113.7"])
    }

    @Test func templateAdvertisesEveryCandidateWithDescendingPriority() throws {
        let id = try DTLSIdentity.generate()
        let t = WebRTCSessionTemplate(ufrag: "u", password: "p", fingerprint: id.fingerprint,
                                      candidateAddresses: ["10.0.0.5", "fd00::5", "203.0.113.7"], port: 20_000)
        let text = t.offer().serialized()
        let candidates = text.split(separator: "\r\n").filter { $0.hasPrefix("a=candidate:") }
        #expect(candidates.count == 3)
        #expect(candidates[1].contains(" fd00::5 20000 typ host"))
        let priorities = candidates.compactMap { UInt32($0.split(separator: " ")[3]) }
        #expect(priorities == priorities.sorted(by: >))
        #expect(text.contains("a=ice-lite"))
        #expect(text.contains("a=fingerprint:sha-256 \(id.fingerprint)"))
    }

    /// When the other leg is G.711, the browser is asked for narrowband Opus in answers and offers alike.
    @Test func narrowbandOpusHintWhenTheOtherLegIsG711() throws {
        let id = try DTLSIdentity.generate()
        let browser = WebRTCSessionTemplate(ufrag: "b", password: "bp", fingerprint: id.fingerprint, candidateAddresses: ["127.0.0.1"], port: 30_000)
        let ours = WebRTCSessionTemplate(ufrag: "u", password: "p", fingerprint: id.fingerprint, candidateAddresses: ["127.0.0.1"], port: 20_000)
        let offer = browser.offer()
        let hinted = ours.answer(offer, codecs: WebRTCSessionTemplate.codecs(narrowband: true)).sessionDescription.serialized()
        #expect(hinted.contains("a=fmtp:111 minptime=10;useinbandfec=1;maxplaybackrate=8000;sprop-maxcapturerate=8000"), "\(hinted)")
        let plain = ours.answer(offer).sessionDescription.serialized()
        #expect(plain.contains("a=fmtp:111") && !plain.contains("maxplaybackrate"), "\(plain)")
        #expect(ours.offer(narrowband: true).serialized().contains("maxplaybackrate=8000;sprop-maxcapturerate=8000"))
        #expect(!ours.offer().serialized().contains("maxplaybackrate"))
    }

    /// Hands the first datagram a socket receives to a promise.
    final class FirstDatagram: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let promise: EventLoopPromise<[UInt8]>
        init(_ promise: EventLoopPromise<[UInt8]>) { self.promise = promise }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            promise.succeed(Array(buffer: unwrapInboundIn(data).data))
        }
    }

    /// A phone leg's RTCP lives on its RTP port + 1 (RFC 3550 §11): reports go to the phone's RTP port + 1,
    /// and the phone's reports from its address reach the leg.
    @Test func phoneLegsCarryRTCPOnThePortAboveRTP() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let atPhone = loop.makePromise(of: [UInt8].self), atLeg = loop.makePromise(of: [UInt8].self)
        // The phone: RTP on an even port, RTCP on the next.
        var phone: (rtp: Channel, rtcp: Channel)?
        for _ in 0..<20 where phone == nil {
            let port = 40_000 + Int.random(in: 0..<5_000) * 2
            guard let rtp = try? await DatagramBootstrap(group: loop).bind(host: "127.0.0.1", port: port).get() else { continue }
            if let rtcp = try? await DatagramBootstrap(group: loop)
                .channelInitializer({ ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(FirstDatagram(atPhone)) } })
                .bind(host: "127.0.0.1", port: port + 1).get() {
                phone = (rtp, rtcp)
            } else {
                try? await rtp.close()
            }
        }
        let (phoneRTP, phoneRTCP) = try #require(phone)
        let base = 30_000 + Int.random(in: 0..<5_000) * 2
        let allocator = MediaPortAllocator(range: base...(base + 99))
        let (port, leg) = try await allocator.bind { port in
            try await RTPLegSocket.bind(host: "127.0.0.1", port: port, on: loop, remote: phoneRTP.localAddress, payloadTypes: [0],
                                        onRTP: { _ in }, onRTCP: { atLeg.succeed(Array($0)) })
        }
        #expect(leg.rtcpChannel?.localAddress?.port == port + 1)
        let receiverReport: [UInt8] = [0x80, 201, 0, 1, 0xCA, 0xFE, 0xBA, 0xBE]
        try await loop.submit { receiverReport.withUnsafeBytes { leg.sendRTCP($0) } }.get()
        #expect(try await atPhone.futureResult.get() == receiverReport)
        var buffer = phoneRTCP.allocator.buffer(bytes: receiverReport)
        buffer.setInteger(UInt8(0x81), at: 0)
        try await phoneRTCP.writeAndFlush(AddressedEnvelope(remoteAddress: try SocketAddress(ipAddress: "127.0.0.1", port: port + 1),
                                                            data: buffer)).get()
        #expect(try await atLeg.futureResult.get().first == 0x81)
        leg.close()
        allocator.release(port)
        try await phoneRTP.close()
        try await phoneRTCP.close()
    }
}

