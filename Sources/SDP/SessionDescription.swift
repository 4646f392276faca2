/// A parsed SDP session description (RFC 8866): the session-level lines and the ordered media sections.
///
/// Parse with `SessionDescription(parsing:)`, read typed views such as `media[0].codecs` or
/// `media[0].candidates`, change what you need, and write it out with `serialized()`.
public struct SessionDescription: Sendable, Equatable {
    /// v=; always 0 today.
    public var version: Int
    public var origin: Origin
    /// s=; `-` when a session has no name worth giving.
    public var sessionName: String
    public var information: String?
    public var uri: String?
    public var emails: [String]
    public var phones: [String]
    /// Session-level c=, the default for media sections without their own.
    public var connection: ConnectionData?
    public var bandwidths: [Bandwidth]
    /// t= lines, each with its r= lines. Empty only when a sloppy peer omitted t=; we then omit it too.
    public var timings: [Timing]
    /// z=, kept raw: time-zone adjustments never matter to a call.
    public var timeZoneAdjustments: String?
    /// k=, kept raw: obsolete (RFC 8866 §5.12) but still legal.
    public var encryptionKey: String?
    public var attributes: [Attribute]
    /// Lines with a type letter RFC 8866 does not define, in the order met.
    public var unknownLines: [UnknownLine]
    public var media: [MediaDescription]

    public init(
        version: Int = 0,
        origin: Origin,
        sessionName: String = "-",
        information: String? = nil,
        uri: String? = nil,
        emails: [String] = [],
        phones: [String] = [],
        connection: ConnectionData? = nil,
        bandwidths: [Bandwidth] = [],
        timings: [Timing] = [.permanent],
        timeZoneAdjustments: String? = nil,
        encryptionKey: String? = nil,
        attributes: [Attribute] = [],
        unknownLines: [UnknownLine] = [],
        media: [MediaDescription] = []
    ) {
        self.version = version
        self.origin = origin
        self.sessionName = sessionName
        self.information = information
        self.uri = uri
        self.emails = emails
        self.phones = phones
        self.connection = connection
        self.bandwidths = bandwidths
        self.timings = timings
        self.timeZoneAdjustments = timeZoneAdjustments
        self.encryptionKey = encryptionKey
        self.attributes = attributes
        self.unknownLines = unknownLines
        self.media = media
    }

    /// The c= that applies to `media`: its own first one, else the session's.
    public func effectiveConnection(for media: MediaDescription) -> ConnectionData? {
        media.connections.first ?? connection
    }

    /// The media section whose a=mid is `mid`.
    public func media(withMID mid: String) -> MediaDescription? {
        media.first { $0.mid == mid }
    }
}
