import Logging
import Media
import NIOCore
import RTP
import WebRTC

/// The media of one call, on the call's event loop: a browser leg (side a), a plain-RTP leg or a
/// media app (side b), and the bridge between them, ticked every 10 ms. It owns the sockets and the
/// bridge and frees them all in `close`.
public final class CallMedia: @unchecked Sendable {
    public let loop: EventLoop
    public let browser: WebRTCLegSocket
    public let phone: RTPLegSocket?
    public private(set) var bridge: MediaBridge?
    private var ticker: RepeatedTask?
    public private(set) var events: [MediaEvent] = []
    public var onEvent: ((MediaEvent) -> Void)?

    init(loop: EventLoop, browser: WebRTCLegSocket, phone: RTPLegSocket?) {
        self.loop = loop
        self.browser = browser
        self.phone = phone
    }

    /// Binds the browser leg's socket and, for a call to a phone, the RTP leg's, on `host` with ports
    /// from the kernel or the pool (`browserPort`/`phonePort`, 0 for any), wired to the bridge.
    public static func make(loop: EventLoop, host: String, browserPort: Int = 0, ice: ICELiteAgent, logger: Logger,
                            phone: (port: Int, remote: SocketAddress?, payloadTypes: Set<UInt8>)?,
                            onWebRTCEvent: @escaping (WebRTCEvent) -> Void) async throws -> CallMedia {
        let box = LoopTransfer(Box())
        let browser = try await WebRTCLegSocket.bind(host: host, port: browserPort, on: loop, ice: ice, dtls: nil, logger: logger,
                                                     onEvent: onWebRTCEvent,
                                                     onMedia: { box.value.media?.fromBrowser($0, isRTCP: $1) })
        var rtp: RTPLegSocket?
        if let phone {
            do {
                rtp = try await RTPLegSocket.bind(host: host, port: phone.port, on: loop, remote: phone.remote,
                                                  payloadTypes: phone.payloadTypes) { box.value.media?.fromPhone($0) }
            } catch {
                browser.close()
                throw error
            }
        }
        let media = CallMedia(loop: loop, browser: browser, phone: rtp)
        try await loop.submit { box.value.media = media }.get()
        return media
    }

    /// Lets socket callbacks made before the CallMedia exists reach it afterwards.
    final class Box {
        weak var media: CallMedia?
    }

    /// Creates the bridge once both legs' codecs are known (after the offer/answer), and starts ticking.
    /// Packets for the browser wait for DTLS: the WebRTC transport refuses to send before it has keys.
    public func start(browserConfig: MediaLegConfig, other: MediaLegConfig, app: MediaApp? = nil) throws {
        loop.preconditionInEventLoop()
        let send: MediaBridge.Send = { [weak self] side, kind, buffer, length in
            guard let self else { return }
            switch (side, kind) {
            case (.a, .rtp): self.browser.sendRTP(buffer, length: length)
            case (.a, .rtcp): self.browser.transport.sendRTCP(buffer, length: length)
            case (.b, .rtp): self.phone?.send(UnsafeRawBufferPointer(rebasing: buffer[0..<length]))
            case (.b, .rtcp): break // RTCP toward phones uses port+1 unless rtcp-mux: not wired yet
            }
        }
        let events: (MediaEvent) -> Void = { [weak self] event in
            self?.events.append(event)
            self?.onEvent?(event)
        }
        if let app {
            bridge = try MediaBridge(leg: browserConfig, app: app, send: send, events: events)
        } else {
            bridge = try MediaBridge(a: browserConfig, b: other, send: send, events: events)
        }
        ticker = loop.scheduleRepeatedTask(initialDelay: .milliseconds(10), delay: .milliseconds(10)) { [weak self] _ in
            self?.bridge?.tick(now: NIODeadline.now().uptimeNanoseconds)
        }
    }

    /// Media that arrived decrypted from the browser.
    func fromBrowser(_ packet: UnsafeMutableRawBufferPointer, isRTCP: Bool) {
        let now = NIODeadline.now().uptimeNanoseconds
        if isRTCP {
            bridge?.receiveRTCP(from: .a, packet: UnsafeRawBufferPointer(packet), now: now)
        } else {
            bridge?.receiveRTP(from: .a, packet: packet, now: now)
        }
    }

    /// RTP that arrived from the phone.
    func fromPhone(_ packet: UnsafeMutableRawBufferPointer) {
        bridge?.receiveRTP(from: .b, packet: packet, now: NIODeadline.now().uptimeNanoseconds)
    }

    /// Stops the media and waits until its sockets are closed: the bridge is torn down on its own
    /// loop and nothing of the call is released while a socket can still deliver to it.
    public func close() async {
        let closing = try? await loop.submit { () -> [EventLoopFuture<Void>] in
            self.ticker?.cancel()
            self.bridge = nil
            self.browser.close()
            self.phone?.close()
            return [self.browser.channel.closeFuture] + (self.phone.map { [$0.channel.closeFuture] } ?? [])
        }.get()
        for future in closing ?? [] { try? await future.get() }
    }
}
