/// The transports SIP runs over here (RFC 3261 §18, RFC 7118 for WS/WSS).
public enum SIPTransportKind: String, Sendable, CaseIterable {
    case udp = "UDP", tcp = "TCP", tls = "TLS", ws = "WS", wss = "WSS"
}
