import NIOCore

/// The transports SIP runs over here (RFC 3261 §18, RFC 7118 for WS/WSS).
public enum SIPTransportKind: String, Sendable, CaseIterable {
    case udp = "UDP", tcp = "TCP", tls = "TLS", ws = "WS", wss = "WSS"

    /// Stream transports frame messages by Content-Length; datagrams and WebSocket frames carry one each.
    public var isStream: Bool { self == .tcp || self == .tls }
}

/// Bytes of one SIP message (or, on stream transports, a chunk of the stream) as they arrived,
/// with where they came from: what the transaction layer consumes.
public struct InboundSIPBytes: Sendable {
    public var transport: SIPTransportKind
    public var remote: SocketAddress
    public var local: SocketAddress?
    public var bytes: ByteBuffer
}
