import ByteText

/// `a=candidate`: one transport address an ICE agent can be reached on (RFC 8839 §5.1), e.g.
/// `1912976878 1 udp 2122260223 127.0.0.1 41399 typ host generation 0`.
public struct ICECandidate: Sendable, Equatable, SDPAttributeValue {
    public static let attributeName = "candidate"

    /// The candidate type after `typ`; open-ended so a future type still parses.
    public struct CandidateType: RawRepresentable, Sendable, Equatable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let host = CandidateType(rawValue: "host")
        public static let serverReflexive = CandidateType(rawValue: "srflx")
        public static let peerReflexive = CandidateType(rawValue: "prflx")
        public static let relayed = CandidateType(rawValue: "relay")
    }

    /// A `name value` pair after the standard fields that this type does not model, such as Chrome's
    /// `network-id 1`; kept in order so a candidate is rewritten as received.
    public struct Extension: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public var foundation: String
    /// 1 for RTP, 2 for RTCP when not multiplexed.
    public var component: UInt16
    /// As written: `udp`, `UDP` or `tcp`. Use `isUDP`/`isTCP` to test.
    public var transport: String
    public var priority: UInt32
    /// An IP address, or an mDNS `.local` name from browsers that hide their address.
    public var address: String
    public var port: UInt16
    public var type: CandidateType
    public var relatedAddress: String?
    public var relatedPort: UInt16?
    /// `active`, `passive` or `so` for TCP candidates (RFC 6544).
    public var tcpType: String?
    /// Chrome's ICE generation counter.
    public var generation: UInt32?
    public var extensions: [Extension]

    public init(
        foundation: String, component: UInt16, transport: String, priority: UInt32,
        address: String, port: UInt16, type: CandidateType,
        relatedAddress: String? = nil, relatedPort: UInt16? = nil, tcpType: String? = nil,
        generation: UInt32? = nil, extensions: [Extension] = []
    ) {
        self.foundation = foundation
        self.component = component
        self.transport = transport
        self.priority = priority
        self.address = address
        self.port = port
        self.type = type
        self.relatedAddress = relatedAddress
        self.relatedPort = relatedPort
        self.tcpType = tcpType
        self.generation = generation
        self.extensions = extensions
    }

    public var isUDP: Bool { ASCII.equalsIgnoringCase(transport, "udp") }
    public var isTCP: Bool { ASCII.equalsIgnoringCase(transport, "tcp") }

    /// The value of an extension this type does not model.
    public func extensionValue(_ name: String) -> String? {
        extensions.first { $0.name == name }?.value
    }

    /// Parses the attribute value; a leading `candidate:` is accepted too, as trickled candidates
    /// (RFC 8840, `RTCIceCandidate.candidate`) carry it.
    public init?(attributeValue: String) {
        var parts = SDPText.fields(attributeValue)
        let prefix = "candidate:".utf8
        if let first = parts.first, first.utf8.starts(with: prefix) {
            parts[0] = String(wireBytes: Array(first.utf8.dropFirst(prefix.count)))
        }
        guard parts.count >= 8, parts.count % 2 == 0, !parts[0].isEmpty, parts[6] == "typ",
              let component = SDPText.uint16(parts[1]),
              let priority = SDPText.uint32(parts[3]),
              let port = SDPText.uint16(parts[5]) else { return nil }
        self.init(foundation: parts[0], component: component, transport: parts[2], priority: priority,
                  address: parts[4], port: port, type: CandidateType(rawValue: parts[7]))
        var index = 8
        while index + 1 < parts.count {
            let name = parts[index]
            let value = parts[index + 1]
            index += 2
            switch name {
            case "raddr" where relatedAddress == nil:
                relatedAddress = value
            case "rport" where relatedPort == nil:
                guard let port = SDPText.uint16(value) else { return nil }
                relatedPort = port
            case "tcptype" where tcpType == nil:
                tcpType = value
            case "generation" where generation == nil:
                guard let number = SDPText.uint32(value) else { return nil }
                generation = number
            default:
                extensions.append(Extension(name: name, value: value))
            }
        }
    }

    public var attributeValue: String {
        var text = "\(foundation) \(component) \(transport) \(priority) \(address) \(port) typ \(type.rawValue)"
        if let relatedAddress { text += " raddr \(relatedAddress)" }
        if let relatedPort { text += " rport \(relatedPort)" }
        if let tcpType { text += " tcptype \(tcpType)" }
        if let generation { text += " generation \(generation)" }
        for item in extensions { text += " \(item.name) \(item.value)" }
        return text
    }
}
