import NIOCore
import WebRTC

extension TransportAddress {
    /// From NIO's socket address without going through text or a byte array: runs for every datagram.
    init?(_ address: SocketAddress) {
        switch address {
        case .v4(let a):
            let sin = a.address
            self.init(ipv4: UInt32(bigEndian: sin.sin_addr.s_addr), port: UInt16(bigEndian: sin.sin_port))
        case .v6(let a):
            var sin6 = a.address
            let (high, low) = withUnsafeBytes(of: &sin6.sin6_addr) {
                (UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)), UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            }
            self.init(ipv6: high, low, port: UInt16(bigEndian: sin6.sin6_port))
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
