/// `a=rtcp`: the port (and optionally address) for RTCP when it is not RTP's port + 1 (RFC 3605),
/// e.g. Chrome's placeholder `9 IN IP4 0.0.0.0`.
public struct RTCPAddress: Sendable, Equatable, SDPAttributeValue {
    public static let attributeName = "rtcp"

    public var port: UInt16
    public var connection: ConnectionData?

    public init(port: UInt16, connection: ConnectionData? = nil) {
        self.port = port
        self.connection = connection
    }

    public init?(attributeValue: String) {
        let parts = SDPText.fields(attributeValue)
        guard let first = parts.first, let port = SDPText.uint16(first) else { return nil }
        switch parts.count {
        case 1:
            self.init(port: port)
        case 4:
            guard case .connection(let connection) = ConnectionData.parse(parts[1...].joined(separator: " ")) else {
                return nil
            }
            self.init(port: port, connection: connection)
        default:
            return nil
        }
    }

    public var attributeValue: String {
        connection.map { "\(port) \($0.sdpValue)" } ?? String(port)
    }
}
