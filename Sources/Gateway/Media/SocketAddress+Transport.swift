import NIOCore
import WebRTC

extension TransportAddress {
    /// From NIO's socket address without going through text.
    init?(_ address: SocketAddress) {
        switch address {
        case .v4(let a):
            var sin = a.address
            let port = UInt16(bigEndian: sin.sin_port)
            let bytes = withUnsafeBytes(of: &sin.sin_addr) { Array($0) }
            self.init(addressBytes: bytes, port: port)
        case .v6(let a):
            var sin6 = a.address
            let port = UInt16(bigEndian: sin6.sin6_port)
            let bytes = withUnsafeBytes(of: &sin6.sin6_addr) { Array($0.prefix(16)) }
            self.init(addressBytes: bytes, port: port)
        default:
            return nil
        }
    }
}

extension SocketAddress {
    init(_ t: TransportAddress) throws {
        self = try SocketAddress(ipAddress: t.host, port: Int(t.port))
    }
}
