import Logging
import NIOCore
import NIOPosix
import WebRTC

/// The socket of one plain-RTP leg toward a phone or PBX. Symmetric RTP: media goes to where the
/// phone's packets come from, not only to its SDP address (NAT), but the leg latches once, to the
/// first packet that fits the negotiated stream (an RTP v2 packet with a negotiated payload type),
/// and then ignores other sources — the "RTP bleed" defence. Confined to the call's event loop.
public final class RTPLegSocket: @unchecked Sendable {
    public struct Counters: Sendable, Equatable {
        public var received = 0
        public var sent = 0
        public var notRTP = 0
        public var unexpectedPayloadType = 0
        public var foreignSource = 0
    }

    public let channel: Channel
    /// RTCP on the RTP port + 1; nil when bound on a port the kernel picked.
    public let rtcpChannel: Channel?
    private var rtcpDestination: SocketAddress?
    /// Where we send: the SDP address until a fitting packet arrives, then that packet's source.
    public private(set) var destination: SocketAddress? {
        didSet { rtcpFallback = Self.rtcpAddress(beside: destination) }
    }
    /// The destination's port + 1, worked out when the destination changes rather than per report.
    private var rtcpFallback: SocketAddress?
    private let writer: DatagramWriter
    private let rtcpWriter: DatagramWriter?
    public private(set) var latched = false
    /// The far end the leg had before a new one took it (a transfer target, another fork): its late
    /// packets must not win the new latch.
    private var formerSource: SocketAddress?
    public private(set) var counters = Counters()
    /// Payload types the leg negotiated; anything else does not latch and is dropped.
    public var acceptedPayloadTypes: Set<UInt8>

    public var localAddress: SocketAddress? { channel.localAddress }

    /// Binds RTP on `port` and RTCP on `port + 1` (RFC 3550 §11; port 0 picks any RTP port and no RTCP
    /// socket). Compound RTCP from the phone's address reaches `onRTCP`.
    public static func bind(host: String, port: Int, on loop: EventLoop, remote: SocketAddress?, payloadTypes: Set<UInt8>,
                            onRTP: @escaping (UnsafeMutableRawBufferPointer) -> Void,
                            onRTCP: @escaping (UnsafeMutableRawBufferPointer) -> Void = { _ in }) async throws -> RTPLegSocket {
        func bindChannel(_ port: Int, _ handler: DatagramHandler) async throws -> Channel {
            try await DatagramBootstrap(group: loop)
                .channelOption(.socketOption(.so_rcvbuf), value: 1 << 19)
                .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(handler) } }
                .bind(host: host, port: port).get()
        }
        let handler = DatagramHandler(), rtcpHandler = DatagramHandler()
        let channel = try await bindChannel(port, handler)
        var rtcpChannel: Channel?
        if port != 0 {
            do {
                rtcpChannel = try await bindChannel(port + 1, rtcpHandler)
            } catch {
                try? await channel.close()
                throw error
            }
        }
        let transfer = LoopTransfer(onRTP), rtcpTransfer = LoopTransfer(onRTCP), rtcpChannelT = LoopTransfer(rtcpChannel)
        return try await loop.submit {
            let leg = RTPLegSocket(channel: channel, rtcpChannel: rtcpChannelT.value, remote: remote, payloadTypes: payloadTypes)
            handler.onDatagram = { bytes, from in
                if leg.accept(UnsafeRawBufferPointer(bytes), from: from) { transfer.value(bytes) }
            }
            rtcpHandler.onDatagram = { bytes, from in
                if leg.acceptRTCP(UnsafeRawBufferPointer(bytes), from: from) { rtcpTransfer.value(bytes) }
            }
            return leg
        }.get()
    }

    private init(channel: Channel, rtcpChannel: Channel?, remote: SocketAddress?, payloadTypes: Set<UInt8>) {
        self.channel = channel
        self.rtcpChannel = rtcpChannel
        writer = DatagramWriter(channel: channel)
        rtcpWriter = rtcpChannel.map(DatagramWriter.init)
        destination = remote
        rtcpFallback = Self.rtcpAddress(beside: remote)
        acceptedPayloadTypes = payloadTypes
    }

    private static func rtcpAddress(beside rtp: SocketAddress?) -> SocketAddress? {
        rtp.flatMap { d in d.port.flatMap { try? SocketAddress(ipAddress: d.ipAddress ?? "", port: $0 + 1) } }
    }

    /// RTCP from the phone's address (the latched RTP source's, or the SDP's before that), which then
    /// says where our reports go.
    func acceptRTCP(_ p: UnsafeRawBufferPointer, from source: SocketAddress) -> Bool {
        guard p.count >= 8, p[0] >> 6 == 2, PacketKind.classify(p) == .rtcp, source.ipAddress == destination?.ipAddress else {
            counters.notRTP += 1
            return false
        }
        rtcpDestination = source
        return true
    }

    /// Sends a report to the phone's RTCP port: where its RTCP comes from, else its RTP port + 1.
    public func sendRTCP(_ packet: UnsafeRawBufferPointer) {
        guard let rtcpWriter, let target = rtcpDestination ?? rtcpFallback else { return }
        rtcpWriter.send(packet, to: target)
    }

    /// Decides whether a datagram is this leg's media, latching to its source the first time.
    func accept(_ p: UnsafeRawBufferPointer, from source: SocketAddress) -> Bool {
        guard p.count >= 12, p[0] >> 6 == 2, PacketKind.classify(p) == .rtp else { counters.notRTP += 1; return false }
        guard acceptedPayloadTypes.contains(p[1] & 0x7f) else { counters.unexpectedPayloadType += 1; return false }
        if !latched {
            guard source != formerSource else { counters.foreignSource += 1; return false }
            latched = true
            destination = source
        } else if source != destination {
            counters.foreignSource += 1
            return false
        }
        counters.received += 1
        return true
    }

    /// The remote SDP changed (re-INVITE, or `newFarEnd`: another party on this leg): send there and
    /// latch again, never to the former far end.
    public func setRemote(_ address: SocketAddress?, payloadTypes: Set<UInt8>, newFarEnd: Bool = false) {
        formerSource = newFarEnd && latched && destination != address ? destination : nil
        destination = address
        rtcpDestination = nil
        latched = false
        acceptedPayloadTypes = payloadTypes
    }

    public func send(_ packet: UnsafeRawBufferPointer) {
        guard let destination else { return }
        counters.sent += 1
        writer.send(packet, to: destination)
    }

    public func close() {
        channel.close(promise: nil)
        rtcpChannel?.close(promise: nil)
    }
}
