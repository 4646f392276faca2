import Media
import RTP

/// Datagrams on a media port: each packet's header, extensions and DTMF payload parsed, then the
/// whole sequence fed alternately to both legs of a transcoding bridge (Opus with telephone-events
/// on one side, the codec the first byte picks on the other), ticking the bridge between packets so
/// jitter handling, loss concealment, DTMF relay and RTCP timers all see the garbage.
enum RTPHarness {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first else { return }
        for packet in Chunks(UnsafeRawBufferPointer(rebasing: input.dropFirst())) {
            guard let header = try? RTPHeader(parsing: packet) else { continue }
            var touched = 0
            for element in RTPHeaderExtensionIterator(packet: packet, header: header) { touched &+= element.range.count }
            for i in 0..<Int(header.csrcCount) { touched &+= Int(header.csrc(i, in: packet) ?? 0) & 1 }
            if let n = header.payloadLength(in: packet), n >= 0,
               header.payloadOffset + n <= packet.count {
                _ = TelephoneEvent(parsing: UnsafeRawBufferPointer(rebasing: packet[header.payloadOffset..<header.payloadOffset + n]))
            }
            if touched == -1 { print("") }
        }

        let phoneCodecs: [AudioCodec] = [.pcmu, .pcma, .g722, .opus]
        let phone = phoneCodecs[Int(first) % phoneCodecs.count]
        let browser = MediaLegConfig(codec: .opus, payloadType: 111, telephoneEvent: TelephoneEventFormat(payloadType: 126, clockRate: 48_000), ssrc: 0x1111)
        var far = MediaLegConfig(codec: phone, telephoneEvent: TelephoneEventFormat(payloadType: 101, clockRate: 8000),
                                 comfortNoisePayloadType: 13, dtmfMode: first & 0x10 == 0 ? .auto : .inband, ssrc: 0x2222)
        far.otherTelephoneEvent = TelephoneEventFormat(payloadType: 100, clockRate: 16_000)
        var sent = 0
        let bridge: MediaBridge
        do {
            bridge = try MediaBridge(a: browser, b: far, options: MediaBridgeOptions(transcoding: first & 0x20 == 0 ? .auto : .always),
                                     send: { _, _, _, n in sent &+= n }, events: { _ in })
        } catch {
            fatalError("bridge set-up: \(error)")
        }
        var now: UInt64 = 1_000_000_000
        var buffer = [UInt8](repeating: 0, count: 1500)
        for (i, packet) in Chunks(UnsafeRawBufferPointer(rebasing: input.dropFirst())).enumerated() {
            let n = min(packet.count, buffer.count)
            buffer.withUnsafeMutableBytes { b in
                b.copyMemory(from: UnsafeRawBufferPointer(rebasing: packet[packet.startIndex..<packet.startIndex + n]))
                bridge.receiveRTP(from: i % 2 == 0 ? .a : .b, packet: UnsafeMutableRawBufferPointer(rebasing: b[0..<n]), now: now)
            }
            now += 10_000_000
            bridge.tick(now: now)
        }
        for _ in 0..<30 {
            now += 20_000_000
            bridge.tick(now: now)
        }
        _ = (bridge.statistics(for: .a), bridge.statistics(for: .b))
        if sent == -1 { print("") }
    }
}
