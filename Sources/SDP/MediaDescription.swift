import ByteText

/// One m= section: a media stream's type, transport, formats and the lines that describe it.
public struct MediaDescription: Sendable, Equatable {
    /// The media type as written: `audio`, `video`, `application`, `image`, `text`...
    public var media: String
    /// 0 rejects or disables the stream (RFC 3264 §6).
    public var port: UInt16
    /// The `/n` of `m=audio 49170/2 ...`, rare outside layered multicast.
    public var portCount: UInt16?
    /// The transport, e.g. `RTP/AVP` from phones or `UDP/TLS/RTP/SAVPF` from browsers.
    public var proto: String
    /// The formats in the order offered; for RTP transports these are payload type numbers.
    public var formats: [String]
    public var information: String?
    /// c= lines of this section; usually none (session default) or one.
    public var connections: [ConnectionData]
    public var bandwidths: [Bandwidth]
    public var encryptionKey: String?
    public var attributes: [Attribute]
    public var unknownLines: [UnknownLine]

    public init(
        media: String,
        port: UInt16,
        portCount: UInt16? = nil,
        proto: String,
        formats: [String],
        information: String? = nil,
        connections: [ConnectionData] = [],
        bandwidths: [Bandwidth] = [],
        encryptionKey: String? = nil,
        attributes: [Attribute] = [],
        unknownLines: [UnknownLine] = []
    ) {
        self.media = media
        self.port = port
        self.portCount = portCount
        self.proto = proto
        self.formats = formats
        self.information = information
        self.connections = connections
        self.bandwidths = bandwidths
        self.encryptionKey = encryptionKey
        self.attributes = attributes
        self.unknownLines = unknownLines
    }

    /// The first c= line of this section, if it has one.
    public var connection: ConnectionData? {
        get { connections.first }
        set { connections = newValue.map { [$0] } ?? [] }
    }

    /// True when the transport carries RTP, so formats must be payload type numbers.
    public var isRTP: Bool { Self.isRTP(proto: proto) }

    /// True when the stream was rejected or disabled with port 0.
    public var isRejected: Bool { port == 0 }

    /// The payload type numbers of the formats, skipping any that are not numbers (non-RTP transports).
    public var payloadTypes: [UInt8] {
        formats.compactMap { SDPText.uint8($0, maximum: 127) }
    }

    /// True when one `/`-separated token of the transport is `RTP` (RTP/AVP, UDP/TLS/RTP/SAVPF, ...).
    static func isRTP(proto: String) -> Bool {
        SDPText.withBytes(proto) { bytes in
            bytes.split(separator: ASCII.slash).contains { token in
                token.count == 3 && ASCII.lowercased(token[token.startIndex]) == UInt8(ascii: "r")
                    && ASCII.lowercased(token[token.startIndex + 1]) == UInt8(ascii: "t")
                    && ASCII.lowercased(token[token.startIndex + 2]) == UInt8(ascii: "p")
            }
        }
    }
}
