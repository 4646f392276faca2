import Logging
import NIOCore
import NIOPosix
import WebRTC

/// The socket side of one browser leg: a UDP channel bound on a media port, feeding every datagram
/// to the leg's `WebRTCTransport` and sending what it asks to send. Everything runs on the channel's
/// event loop, which is the call's loop: use `transport` and `sendRTP` only there.
public final class WebRTCLegSocket: @unchecked Sendable {
    public let transport: WebRTCTransport
    public let channel: Channel
    public var localAddress: SocketAddress? { channel.localAddress }
    private var pollTask: RepeatedTask?

    /// Plain RTP or RTCP decrypted in place, with its length.
    public typealias MediaHandler = (_ packet: UnsafeMutableRawBufferPointer, _ isRTCP: Bool) -> Void

    /// Binds a UDP socket on `host:port` (port 0: any) and wires it to a new transport.
    public static func bind(host: String, port: Int, on loop: EventLoop, ice: ICELiteAgent, dtls: DTLSEndpoint?,
                            logger: Logger, onEvent: @escaping (WebRTCEvent) -> Void,
                            onMedia: @escaping MediaHandler) async throws -> WebRTCLegSocket {
        let handler = DatagramHandler()
        let channel = try await DatagramBootstrap(group: loop)
            .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(handler) } }
            .bind(host: host, port: port).get()
        // The leg's objects are created here and used only on `loop` from now on. One transfer box
        // each: Swift 6.3.1 over-releases a tuple of them destructured inside the closure (seen here
        // as a crash when the socket closes).
        let iceT = LoopTransfer(ice), dtlsT = LoopTransfer(dtls), onEventT = LoopTransfer(onEvent), onMediaT = LoopTransfer(onMedia)
        return try await loop.submit {
            let ice = iceT.value, dtls = dtlsT.value, onEvent = onEventT.value, onMedia = onMediaT.value
            let writer = DatagramWriter(channel: channel), destination = DestinationCache()
            let transport = WebRTCTransport(ice: ice, dtls: dtls, send: { bytes, to in
                guard let address = destination.address(for: to) else { return }
                writer.send(bytes, to: address)
            }, onEvent: onEvent)
            let leg = WebRTCLegSocket(transport: transport, channel: channel)
            handler.onDatagram = { bytes, from in
                guard let source = TransportAddress(from) else { return }
                let now = NIODeadline.now().uptimeNanoseconds
                switch transport.receive(bytes, from: source, now: now) {
                case .rtp(let n): onMedia(UnsafeMutableRawBufferPointer(rebasing: bytes[0..<n]), false)
                case .rtcp(let n): onMedia(UnsafeMutableRawBufferPointer(rebasing: bytes[0..<n]), true)
                case .none: break
                }
            }
            // Consent freshness and DTLS retransmission run on a short tick.
            let boundTransport = NIOLoopBound(transport, eventLoop: loop)
            leg.pollTask = loop.scheduleRepeatedTask(initialDelay: .milliseconds(50), delay: .milliseconds(50)) { _ in
                boundTransport.value.poll(now: NIODeadline.now().uptimeNanoseconds)
            }
            return leg
        }.get()
    }

    private init(transport: WebRTCTransport, channel: Channel) {
        self.transport = transport
        self.channel = channel
    }

    /// Protects and sends an RTP packet; `buffer` must have room for the SRTP tag after `length`.
    @discardableResult
    public func sendRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) -> Bool {
        transport.sendRTP(buffer, length: length)
    }

    /// Supplies DTLS once the answer fixes our role (when we offered).
    public func setDTLS(_ endpoint: DTLSEndpoint) {
        transport.setDTLS(endpoint, now: NIODeadline.now().uptimeNanoseconds)
    }

    public func close() {
        pollTask?.cancel()
        channel.close(promise: nil)
    }
}

/// The NIO address of where the transport last sent. Nearly every datagram goes to the nominated
/// pair, and NIO's address is a boxed value made by formatting and reparsing text, so it is made once
/// per change of destination instead of once per packet.
private final class DestinationCache {
    private var last: (TransportAddress, SocketAddress)?

    func address(for target: TransportAddress) -> SocketAddress? {
        if let last, last.0 == target { return last.1 }
        guard let address = try? SocketAddress(target) else { return nil }
        last = (target, address)
        return address
    }
}
