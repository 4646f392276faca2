/// Something a WebRTC leg's owner must act on.
public enum WebRTCEvent: Sendable, Equatable {
    /// The browser nominated (or moved) the pair; media goes to this address.
    case nominated(TransportAddress)
    /// DTLS finished and SRTP is keyed: media may flow.
    case connected(SRTPProfile)
    /// The leg is dead: DTLS failed, the fingerprint did not match, or consent expired (RFC 7675).
    case failed(String)
}

/// The transport of one browser leg, without sockets: ICE-lite, DTLS and SRTP on one UDP port,
/// demultiplexed per RFC 7983. The owner feeds it every datagram and a clock; it answers STUN and DTLS
/// through `send`, reports `WebRTCEvent`s, and decrypts media in place. One per leg, confined to the
/// leg's event loop; the media path through it allocates nothing.
public final class WebRTCTransport {
    public enum State: Sendable, Equatable { case checking, handshaking, connected, failed(String) }

    /// What `receive` left in the caller's buffer.
    public enum Received: Sendable, Equatable {
        /// Plain RTP or RTCP of this length, decrypted in place.
        case rtp(length: Int)
        case rtcp(length: Int)
        /// Nothing for the media layer (STUN, DTLS, or a dropped packet).
        case none
    }

    public let ice: ICELiteAgent
    /// Nil until the remote SDP fixes our DTLS role: when we offer, the answer says who is client.
    public private(set) var dtls: DTLSEndpoint?
    public private(set) var state: State = .checking
    public private(set) var counters = WebRTCCounters()
    private var inbound: SRTPSession?
    private var outbound: SRTPSession?
    private var dtlsDeadline: UInt64?
    private let send: (UnsafeRawBufferPointer, TransportAddress) -> Void
    private let onEvent: (WebRTCEvent) -> Void

    public init(ice: ICELiteAgent, dtls: DTLSEndpoint?,
                send: @escaping (UnsafeRawBufferPointer, TransportAddress) -> Void,
                onEvent: @escaping (WebRTCEvent) -> Void) {
        self.ice = ice
        self.dtls = dtls
        self.send = send
        self.onEvent = onEvent
    }

    public var srtpProfile: SRTPProfile? { outbound?.profile }

    /// Supplies the DTLS endpoint once the answer is known; a client starts at once if ICE is up.
    /// A leg's DTLS session is set once and kept for the call (re-offers never change it).
    public func setDTLS(_ endpoint: DTLSEndpoint, now: UInt64) {
        guard dtls == nil else { return }
        dtls = endpoint
        if endpoint.role == .client, let to = ice.sendAddress { startClient(to: to, now: now) }
    }

    /// Handles one datagram that arrived from `source`; media is decrypted in place in `buffer`.
    public func receive(_ buffer: UnsafeMutableRawBufferPointer, from source: TransportAddress, now: UInt64) -> Received {
        let bytes = UnsafeRawBufferPointer(buffer)
        switch PacketKind.classify(bytes) {
        case .stun:
            handleSTUN(bytes, from: source, now: now)
            return .none
        case .dtls:
            handleDTLS(bytes, from: source, now: now)
            return .none
        case .rtp:
            guard let inbound else { counters.srtpBeforeKeys += 1; return .none }
            guard ice.isValidated(source) else { counters.fromUnvalidatedAddress += 1; return .none }
            do {
                let n = try inbound.unprotectRTP(buffer.baseAddress!, length: buffer.count)
                counters.rtpReceived += 1
                return .rtp(length: n)
            } catch {
                counters.count(error)
                return .none
            }
        case .rtcp:
            guard let inbound else { counters.srtpBeforeKeys += 1; return .none }
            guard ice.isValidated(source) else { counters.fromUnvalidatedAddress += 1; return .none }
            do {
                let n = try inbound.unprotectRTCP(buffer.baseAddress!, length: buffer.count)
                counters.rtcpReceived += 1
                return .rtcp(length: n)
            } catch {
                counters.count(error)
                return .none
            }
        case .unknown:
            counters.unknownPackets += 1
            return .none
        }
    }

    /// Encrypts the RTP packet in `buffer` (room for the SRTP tag after `length`) and sends it to the
    /// selected pair. False, and counted, before DTLS completes: no media reaches a browser unkeyed.
    @discardableResult
    public func sendRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) -> Bool {
        guard let outbound, let to = ice.sendAddress else { counters.sendsRefused += 1; return false }
        guard let n = try? outbound.protectRTP(buffer.baseAddress!, length: length, capacity: buffer.count) else {
            counters.sendsRefused += 1
            return false
        }
        counters.rtpSent += 1
        send(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), to)
        return true
    }

    @discardableResult
    public func sendRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) -> Bool {
        guard let outbound, let to = ice.sendAddress else { counters.sendsRefused += 1; return false }
        guard let n = try? outbound.protectRTCP(buffer.baseAddress!, length: length, capacity: buffer.count) else {
            counters.sendsRefused += 1
            return false
        }
        counters.rtcpSent += 1
        send(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), to)
        return true
    }

    /// When `poll` next needs to run (monotonic ns), for DTLS retransmission; nil when nothing is pending.
    public var nextDeadline: UInt64? { dtlsDeadline }

    /// Runs timers: DTLS retransmission and consent freshness.
    public func poll(now: UInt64) {
        if case .failed = state { return }
        if let deadline = dtlsDeadline, now >= deadline, let to = ice.sendAddress, let dtls {
            let out = dtls.handleTimeout()
            sendBytes(out, to: to)
            armDTLSTimer(now: now)
        }
        if ice.consentExpired(now: now) {
            fail("ICE consent expired: no valid check from \(ice.selected.map { "\($0)" } ?? "?") for \(ice.consentTimeout / 1_000_000_000) s")
        } else if ice.firstCheckOverdue(now: now) {
            fail("ICE failed: no connectivity check within \((ice.firstCheckTimeout ?? 0) / 1_000_000_000) s")
        }
    }

    private func handleSTUN(_ bytes: UnsafeRawBufferPointer, from source: TransportAddress, now: UInt64) {
        switch ice.handle(bytes, from: source, now: now) {
        case .respond(let response, let nominated):
            counters.stunAnswered += 1
            response.withUnsafeBytes { send($0, source) }
            if nominated { onEvent(.nominated(source)) }
            // The DTLS client speaks first, once it has somewhere to speak to.
            if dtls?.role == .client, state == .checking { startClient(to: source, now: now) }
        case .reject(let response, let reason):
            counters.count(reason)
            response.withUnsafeBytes { send($0, source) }
        case .drop(let reason):
            counters.count(reason)
        }
    }

    private func startClient(to: TransportAddress, now: UInt64) {
        guard let dtls else { return }
        state = .handshaking
        do {
            sendBytes(try dtls.start(), to: to)
            armDTLSTimer(now: now)
        } catch {
            fail("DTLS: \(error)")
        }
    }

    private func handleDTLS(_ bytes: UnsafeRawBufferPointer, from source: TransportAddress, now: UInt64) {
        guard ice.isValidated(source) else { counters.fromUnvalidatedAddress += 1; return }
        // Before the answer arrives we cannot take part; the peer retransmits its flight.
        guard let dtls else { counters.dtlsBeforeAnswer += 1; return }
        if case .failed = state { return }
        if state == .checking { state = .handshaking }
        do {
            let out = try dtls.receive(bytes)
            sendBytes(out, to: source)
            if dtls.isConnected, inbound == nil {
                let (profile, keys) = try dtls.srtpKeys()
                do {
                    inbound = try SRTPSession(profile: profile, keyAndSalt: keys.remoteKeyAndSalt, direction: .inbound)
                    outbound = try SRTPSession(profile: profile, keyAndSalt: keys.localKeyAndSalt, direction: .outbound)
                } catch {
                    fail("SRTP: \(error)")
                    return
                }
                dtlsDeadline = nil
                state = .connected
                onEvent(.connected(profile))
            } else if !dtls.isConnected {
                armDTLSTimer(now: now)
            }
        } catch .closed {
            fail("DTLS closed by the peer")
        } catch {
            counters.dtlsErrors += 1
            fail("DTLS: \(error)")
        }
    }

    private func armDTLSTimer(now: UInt64) {
        dtlsDeadline = dtls?.timeoutMilliseconds.map { now + UInt64($0) * 1_000_000 }
    }

    private func sendBytes(_ bytes: [UInt8], to: TransportAddress) {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { send($0, to) }
    }

    private func fail(_ reason: String) {
        if case .failed = state { return }
        state = .failed(reason)
        inbound = nil
        outbound = nil
        dtlsDeadline = nil
        onEvent(.failed(reason))
    }
}
