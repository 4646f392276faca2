@testable import MediaTransport
import NIOCore
import NIOPosix
import Testing

/// Symmetric RTP on a phone leg: it latches once to the first fitting packet, and when another far
/// end takes the leg (a transfer), the former one's late packets do not win the new latch.
@Suite struct RTPLatchingTests {
    static let packet: [UInt8] = [0x80, 0] + [UInt8](repeating: 0, count: 10) + [UInt8](repeating: 0xFF, count: 160)

    @Test func aNewFarEndIsNotLatchedToTheFormerOnesLatePackets() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let old = try SocketAddress(ipAddress: "127.0.0.1", port: 40_002), target = try SocketAddress(ipAddress: "127.0.0.1", port: 40_004)
        let leg = try await RTPLegSocket.bind(host: "127.0.0.1", port: 0, on: loop, remote: old, payloadTypes: [0],
                                              onRTP: { _ in }, onRTCP: { _ in })
        let outcome = try await loop.submit { () -> [Bool] in
            let accept = { (from: SocketAddress) in Self.packet.withUnsafeBytes { leg.accept($0, from: from) } }
            var seen = [accept(old)]
            leg.setRemote(target, payloadTypes: [0], newFarEnd: true)
            seen += [accept(old), accept(target), accept(old)]
            // A re-INVITE from the same far end (hold, resume) latches afresh to whatever comes first.
            leg.setRemote(target, payloadTypes: [0])
            seen.append(accept(target))
            return seen
        }.get()
        #expect(outcome == [true, false, true, false, true])
        #expect(try await loop.submit { leg.destination }.get() == target)
        leg.close()
    }
}
