import Media
import RTP

/// A compound RTCP datagram: every packet in it read by its type (reports and their blocks, SDES,
/// BYE, feedback), then handed to both legs of a bridge as the media layer would.
enum RTCPHarness {
    static func run(_ input: UnsafeRawBufferPointer) {
        var touched = RTCPPacketIterator.validate(input) ? 1 : 0
        var packets = RTCPPacketIterator(input)
        while let packet = packets.next() {
            switch packet.type {
            case .senderReport?, .receiverReport?:
                if let report = try? RTCPReport(parsing: input, packet: packet) {
                    for i in 0..<report.reportCount { touched &+= Int(report.block(i, in: input).jitter & 1) }
                }
            case .sourceDescription?:
                touched &+= RTCPSourceDescription.firstCNAME(in: input, packet: packet)?.cname.utf8.count ?? 0
            case .goodbye?:
                touched &+= RTCPGoodbye.sources(in: input, packet: packet).count
            case .transportFeedback?, .payloadFeedback?:
                touched &+= (try? RTCPFeedback(parsing: input, packet: packet))?.fci.count ?? 0
            default:
                touched &+= packet.range.count
            }
        }
        let bridge: MediaBridge
        do {
            bridge = try MediaBridge(a: MediaLegConfig(codec: .opus, ssrc: 1), b: MediaLegConfig(codec: .pcmu, ssrc: 2),
                                     send: { _, _, _, n in touched &+= n }, events: { _ in })
        } catch {
            fatalError("bridge set-up: \(error)")
        }
        bridge.receiveRTCP(from: .a, packet: input, now: 1_000_000_000)
        bridge.receiveRTCP(from: .b, packet: input, now: 1_000_000_000)
        _ = bridge.statistics(for: .a)
        if touched == -1 { print("") }
    }
}
