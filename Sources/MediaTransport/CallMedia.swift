import Logging
import Media
import NIOCore
import NIOPosix
import RTP
import WebRTC

/// What one leg of a call's media is on the wire: a browser (ICE-lite, DTLS-SRTP) or a plain-RTP
/// phone/PBX.
public enum MediaLegKind {
    case browser(ice: ICELiteAgent)
    /// `remote` is the SDP address when already known (an offer we answer), `payloadTypes` what may latch.
    case phone(remote: SocketAddress?, payloadTypes: Set<UInt8>)
}

/// A leg's bound socket.
public enum MediaLegSocket {
    case browser(WebRTCLegSocket)
    case phone(RTPLegSocket)

    public var channel: Channel {
        switch self {
        case .browser(let s): s.channel
        case .phone(let s): s.channel
        }
    }

    /// Every socket of the leg (a phone's RTCP one too), for waiting until all are closed.
    var closeFutures: [EventLoopFuture<Void>] {
        switch self {
        case .browser(let s): [s.channel.closeFuture]
        case .phone(let s): [s.channel.closeFuture] + (s.rtcpChannel.map { [$0.closeFuture] } ?? [])
        }
    }

    func close() {
        switch self {
        case .browser(let s): s.close()
        case .phone(let s): s.close()
        }
    }
}

/// The media of one call, on the call's event loop: two legs (side a and, unless a media app answers,
/// side b), each a browser or a phone, and the bridge between them, ticked every 10 ms. It owns the
/// sockets, their ports and the bridge and frees them all in `close`.
public final class CallMedia: @unchecked Sendable {
    public let loop: EventLoop
    public let a: MediaLegSocket
    /// Side b, bound when the call knows what it dials (and rebound if failover dials another kind).
    public private(set) var b: MediaLegSocket?
    /// Side b's box, and sockets bound for side b beside it while a parallel bridge rings a browser and
    /// a phone at once: on standby their boxes are empty, so nothing of theirs reaches the bridge.
    private var bBox: Box?
    private var standby: [(socket: MediaLegSocket, port: Int?, box: Box)] = []
    private var ports: [LegSide: Int] = [:]
    private let allocator: MediaPortAllocator?
    private let host: String
    private let logger: Logger
    private let onWebRTCEvent: (LegSide, WebRTCEvent) -> Void
    public private(set) var bridge: MediaBridge?
    private var closed = false
    public private(set) var events: [MediaEvent] = []
    /// Per side (indexed by `LegSide.rawValue`): when RTP last arrived, and how long a watched phone
    /// leg may stay quiet (0: not watched). Fixed arrays, written in place on the packet path.
    private var lastRTPAt: [UInt64] = [0, 0]
    private var silenceTimeout: [UInt64] = [0, 0]
    /// Runs once when a watched phone leg has sent nothing for its timeout.
    public var onSilence: ((LegSide) -> Void)?
    public var onEvent: ((MediaEvent) -> Void)?

    private init(loop: EventLoop, a: MediaLegSocket, port: Int?, allocator: MediaPortAllocator?, host: String, logger: Logger,
                 onWebRTCEvent: @escaping (LegSide, WebRTCEvent) -> Void) {
        self.loop = loop
        self.a = a
        ports[.a] = port
        self.allocator = allocator
        self.host = host
        self.logger = logger
        self.onWebRTCEvent = onWebRTCEvent
    }

    /// Binds each leg's socket on `host`, on a port from `ports` (or one the kernel picks when nil),
    /// wired to the bridge. `onWebRTCEvent` hears each browser leg's ICE/DTLS events with its side.
    public static func make(loop: EventLoop, host: String, ports: MediaPortAllocator? = nil, logger: Logger,
                            a: MediaLegKind, b: MediaLegKind? = nil,
                            onWebRTCEvent: @escaping (LegSide, WebRTCEvent) -> Void = { _, _ in }) async throws -> CallMedia {
        let box = LoopTransfer(Box())
        let (port, socket) = try await bindLeg(a, .a, loop: loop, host: host, ports: ports, logger: logger, box: box.value,
                                               onWebRTCEvent: onWebRTCEvent)
        let media = CallMedia(loop: loop, a: socket, port: port, allocator: ports, host: host, logger: logger, onWebRTCEvent: onWebRTCEvent)
        try await loop.submit { box.value.media = media }.get()
        if let b {
            do {
                try await media.bind(b: b)
            } catch {
                await media.close()
                throw error
            }
        }
        return media
    }

    /// Binds side b and returns its local port: the kind of leg is known only once the dialplan's
    /// target is, and failover may move from a browser to a phone. The one there was is closed; with
    /// `keepingOthers` (a parallel bridge ringing both kinds) the new socket goes on standby beside it
    /// instead, until `select` or `dropStandby`. It never takes side b from under a socket already
    /// chosen: the browser may answer while the phone's socket is still being bound.
    @discardableResult
    public func bind(b kind: MediaLegKind, keepingOthers: Bool = false) async throws -> Int? {
        let old = try await loop.submit { () -> LoopTransfer<(MediaLegSocket, Int?)?> in
            guard !keepingOthers else { return LoopTransfer(nil) }
            self.dropStandby()
            defer { (self.b, self.bBox) = (nil, nil) }
            guard let socket = self.b else { return LoopTransfer(nil) }
            return LoopTransfer((socket, self.ports.removeValue(forKey: .b)))
        }.get().value
        if let (socket, port) = old { await Self.close(socket, port: port, allocator: allocator) }
        let box = Box()
        let (port, socket) = try await Self.bindLeg(kind, .b, loop: loop, host: host, ports: allocator, logger: logger, box: box,
                                                    onWebRTCEvent: onWebRTCEvent)
        let socketT = LoopTransfer(socket), boxT = LoopTransfer(box)
        let kept = try await loop.submit { () -> Bool in
            guard !self.closed else { return false }
            if keepingOthers && self.b != nil {
                // On standby its box stays empty: nothing of it reaches the bridge until it is selected.
                self.standby.append((socketT.value, port, boxT.value))
            } else {
                boxT.value.media = self
                self.b = socketT.value
                self.bBox = boxT.value
                self.ports[.b] = port
            }
            return true
        }.get()
        // Bound after the call's media closed: nobody else will close it.
        if !kept { await Self.close(socket, port: port, allocator: allocator) }
        return socket.channel.localAddress?.port
    }

    private static func close(_ socket: MediaLegSocket, port: Int?, allocator: MediaPortAllocator?) async {
        socket.close()
        for future in socket.closeFutures { try? await future.get() }
        if let port { allocator?.release(port) }
    }

    /// Makes the side b socket on local `port` the one bridged (the parallel target that answered or
    /// sent early media), putting the current one on standby.
    public func select(b port: Int) {
        loop.preconditionInEventLoop()
        guard self.port(.b) != port, let index = standby.firstIndex(where: { $0.socket.channel.localAddress?.port == port }),
              let current = b, let currentBox = bBox else { return }
        let chosen = standby.remove(at: index)
        currentBox.media = nil
        standby.append((current, ports[.b], currentBox))
        chosen.box.media = self
        (b, bBox, ports[.b]) = (chosen.socket, chosen.box, chosen.port)
    }

    /// Closes the side b sockets on standby (the parallel targets that did not answer).
    public func dropStandby() {
        loop.preconditionInEventLoop()
        for (socket, port, _) in standby {
            socket.close()
            let allocator = allocator
            EventLoopFuture.andAllComplete(socket.closeFutures, on: loop).whenComplete { _ in
                if let port { allocator?.release(port) }
            }
        }
        standby.removeAll()
    }

    private static func bindLeg(_ kind: MediaLegKind, _ side: LegSide, loop: EventLoop, host: String, ports: MediaPortAllocator?,
                                logger: Logger, box: Box,
                                onWebRTCEvent: @escaping (LegSide, WebRTCEvent) -> Void) async throws -> (Int?, MediaLegSocket) {
        let boxT = LoopTransfer(box)
        func bind(port: Int) async throws -> MediaLegSocket {
            switch kind {
            case .browser(let ice):
                return .browser(try await WebRTCLegSocket.bind(
                    host: host, port: port, on: loop, ice: ice, dtls: nil, logger: logger,
                    // A socket on standby fails quietly: it is not the call's media (yet).
                    onEvent: { if boxT.value.media != nil { onWebRTCEvent(side, $0) } },
                    onMedia: { boxT.value.media?.received($0, isRTCP: $1, from: side) }))
            case .phone(let remote, let payloadTypes):
                return .phone(try await RTPLegSocket.bind(host: host, port: port, on: loop, remote: remote, payloadTypes: payloadTypes,
                                                          onRTP: { boxT.value.media?.received($0, isRTCP: false, from: side) },
                                                          onRTCP: { boxT.value.media?.received($0, isRTCP: true, from: side) }))
            }
        }
        guard let ports else { return (nil, try await bind(port: 0)) }
        let (port, socket) = try await ports.bind { try await bind(port: $0) }
        return (port, socket)
    }

    /// Lets socket callbacks made before the CallMedia exists reach it afterwards.
    final class Box {
        weak var media: CallMedia?
    }

    public func socket(_ side: LegSide) -> MediaLegSocket? { side == .a ? a : b }

    /// The browser leg on `side`, if that side is a browser.
    public func browser(_ side: LegSide) -> WebRTCLegSocket? {
        if case .browser(let s)? = socket(side) { return s }
        return nil
    }

    /// The phone leg on `side`, if that side is a phone.
    public func phone(_ side: LegSide) -> RTPLegSocket? {
        if case .phone(let s)? = socket(side) { return s }
        return nil
    }

    /// The local port of a leg, for its SDP.
    public func port(_ side: LegSide) -> Int? { socket(side)?.channel.localAddress?.port }

    /// Creates the bridge once both legs' codecs are known (after the offer/answer), and starts ticking;
    /// with an `app`, side a talks to the app. Packets for a browser wait for DTLS: the WebRTC transport
    /// refuses to send before it has keys.
    public func start(a configA: MediaLegConfig, b configB: MediaLegConfig?, app: MediaApp? = nil) throws {
        loop.preconditionInEventLoop()
        let events: (MediaEvent) -> Void = { [weak self] event in
            self?.events.append(event)
            self?.onEvent?(event)
        }
        if let app {
            bridge = try MediaBridge(leg: configA, app: app, send: send, events: events)
        } else if let configB {
            bridge = try MediaBridge(a: configA, b: configB, send: send, events: events)
        }
        MediaTicker.current(on: loop).add(self)
    }

    /// The 10 ms tick: the bridge's timers, and the silence watch.
    func tick(now: UInt64) {
        bridge?.tick(now: now)
        checkSilence(now: now)
    }

    /// Watches the phone leg on `side` for silence (nil stops watching: hold, or no timeout).
    public func watchSilence(_ side: LegSide, timeout: UInt64?) {
        loop.preconditionInEventLoop()
        // Counted from now: the watch starts as if a packet had just arrived.
        lastRTPAt[side.rawValue] = NIODeadline.now().uptimeNanoseconds
        silenceTimeout[side.rawValue] = timeout ?? 0
    }

    private func checkSilence(now: UInt64) {
        for side in LegSide.allCases where silenceTimeout[side.rawValue] > 0 && phone(side) != nil {
            if now &- lastRTPAt[side.rawValue] > silenceTimeout[side.rawValue] {
                silenceTimeout[side.rawValue] = 0
                onSilence?(side)
            }
        }
    }

    /// Side b's media is agreed: bridge it, replacing the app side a heard meanwhile (ringback), or
    /// reconfiguring it when it changed (a 2xx after early media, a transfer).
    public func connect(b config: MediaLegConfig, freshStream: Bool = false) throws {
        loop.preconditionInEventLoop()
        try bridge?.connect(b: config, send: send, freshStream: freshStream)
    }

    /// Where the bridge's packets go: each side's current socket (side b may be rebound).
    private lazy var send: MediaBridge.Send = { [weak self] side, kind, buffer, length in
        guard let self, let socket = self.socket(side) else { return }
        switch (socket, kind) {
        case (.browser(let s), .rtp): s.sendRTP(buffer, length: length)
        case (.browser(let s), .rtcp): s.transport.sendRTCP(buffer, length: length)
        case (.phone(let s), .rtp): s.send(UnsafeRawBufferPointer(rebasing: buffer[0..<length]))
        case (.phone(let s), .rtcp): s.sendRTCP(UnsafeRawBufferPointer(rebasing: buffer[0..<length]))
        }
    }

    /// Media that arrived (decrypted, for a browser) on `side`.
    func received(_ packet: UnsafeMutableRawBufferPointer, isRTCP: Bool, from side: LegSide) {
        let now = NIODeadline.now().uptimeNanoseconds
        if isRTCP {
            bridge?.receiveRTCP(from: side, packet: UnsafeRawBufferPointer(packet), now: now)
        } else {
            lastRTPAt[side.rawValue] = now
            bridge?.receiveRTP(from: side, packet: packet, now: now)
        }
    }

    /// Stops the media, waits until its sockets are closed, and gives their ports back: the bridge is
    /// torn down on its own loop and nothing of the call is released while a socket can still deliver to it.
    public func close() async {
        let closing = try? await loop.submit { () -> LoopTransfer<([EventLoopFuture<Void>], [Int])>? in
            guard !self.closed else { return nil }
            self.closed = true
            MediaTicker.current(on: self.loop).remove(self)
            self.bridge = nil
            (self.onEvent, self.onSilence) = (nil, nil)
            let sockets = [self.a] + (self.b.map { [$0] } ?? []) + self.standby.map(\.socket)
            for socket in sockets { socket.close() }
            return LoopTransfer((sockets.flatMap(\.closeFutures), Array(self.ports.values) + self.standby.compactMap(\.port)))
        }.get()
        guard let (futures, ports) = closing?.value else { return }
        for future in futures { try? await future.get() }
        for port in ports { allocator?.release(port) }
    }
}
