import NIOCore
import SIP

/// Where a SIP message came from, and therefore how to answer it: the transport, the remote address,
/// and the channel to write on (the UDP listener, or the very TCP/TLS/WebSocket connection — a
/// browser behind a WebSocket is reachable only over its own connection, RFC 5626's "flow").
public struct SIPPeer: SIPPeerAddress, Sendable, CustomStringConvertible {
    public var transport: SIPTransportKind
    public var remote: SocketAddress
    public var channel: Channel

    public init(transport: SIPTransportKind, remote: SocketAddress, channel: Channel) {
        self.transport = transport
        self.remote = remote
        self.channel = channel
    }

    public var isReliable: Bool { transport != .udp }

    /// Identifies a connection-oriented flow (nil for UDP, where the address is the flow).
    public var flowID: ObjectIdentifier? { transport == .udp ? nil : ObjectIdentifier(channel) }

    public var description: String { "\(transport.rawValue.lowercased()):\(remote.ipAddress ?? "?"):\(remote.port ?? 0)" }
}
