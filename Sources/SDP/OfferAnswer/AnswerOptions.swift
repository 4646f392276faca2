/// What the answering side supports and where it receives: the input to `SessionDescription.answer(with:)`.
///
/// Only media-level negotiation lives here; ICE credentials, fingerprint and setup role belong to the
/// WebRTC leg's template and are passed in as extra attributes, so one builder serves both legs.
public struct AnswerOptions: Sendable, Equatable {
    /// Codecs the answerer can handle, in its order of preference.
    public var codecs: [CodecCapability]
    public var preferenceOrder: CodecPreferenceOrder
    /// Answer every common codec rather than just the best; off by default because a gateway transcodes
    /// one codec per leg and a single-codec answer leaves the peer no choice to switch mid-call.
    public var answerAllCommonCodecs: Bool
    /// Telephone events the answerer handles; nil to never answer telephone-event.
    public var telephoneEvents: TelephoneEvents?
    /// Answer an offered comfort-noise format at the chosen codec's rate.
    public var comfortNoise: Bool
    /// Media types to answer; others are rejected with port 0.
    public var acceptedMediaTypes: Set<String>
    /// Transports to answer (e.g. `["RTP/AVP"]` for a plain-RTP leg); nil accepts any RTP transport.
    public var acceptedProtocols: Set<String>?
    /// How many streams of one media type to accept; later ones are rejected. A call has one audio stream.
    public var maximumStreamsPerMediaType: Int
    /// What the answerer itself wants: `.sendonly` or `.inactive` when it holds the call.
    public var localDirection: MediaDirection
    public var origin: Origin
    public var sessionName: String
    /// Where the answerer receives media, written as the session-level c=.
    public var connection: ConnectionData
    /// The port written on every accepted m= line.
    public var port: UInt16
    /// `a=ptime` for the answer; nil echoes the offer's, if any.
    public var packetTime: UInt32?
    /// Accept rtcp-mux when offered.
    public var rtcpMux: Bool
    /// Accept rtcp-rsize when offered.
    public var rtcpReducedSize: Bool
    /// Header extension URIs to accept; each offered one is answered with the offerer's id.
    public var headerExtensions: [String]
    /// Attributes added to the session section, after the BUNDLE group (e.g. `ice-lite`).
    public var sessionAttributes: [Attribute]
    /// Attributes added to every accepted media section, after mid (e.g. ICE and DTLS lines).
    public var mediaAttributes: [Attribute]

    public init(
        codecs: [CodecCapability],
        origin: Origin,
        connection: ConnectionData,
        port: UInt16,
        preferenceOrder: CodecPreferenceOrder = .answerer,
        answerAllCommonCodecs: Bool = false,
        telephoneEvents: TelephoneEvents? = .dtmfAndFlash,
        comfortNoise: Bool = false,
        acceptedMediaTypes: Set<String> = ["audio"],
        acceptedProtocols: Set<String>? = nil,
        maximumStreamsPerMediaType: Int = 1,
        localDirection: MediaDirection = .sendrecv,
        sessionName: String = "-",
        packetTime: UInt32? = nil,
        rtcpMux: Bool = true,
        rtcpReducedSize: Bool = false,
        headerExtensions: [String] = [],
        sessionAttributes: [Attribute] = [],
        mediaAttributes: [Attribute] = []
    ) {
        self.codecs = codecs
        self.origin = origin
        self.connection = connection
        self.port = port
        self.preferenceOrder = preferenceOrder
        self.answerAllCommonCodecs = answerAllCommonCodecs
        self.telephoneEvents = telephoneEvents
        self.comfortNoise = comfortNoise
        self.acceptedMediaTypes = acceptedMediaTypes
        self.acceptedProtocols = acceptedProtocols
        self.maximumStreamsPerMediaType = maximumStreamsPerMediaType
        self.localDirection = localDirection
        self.sessionName = sessionName
        self.packetTime = packetTime
        self.rtcpMux = rtcpMux
        self.rtcpReducedSize = rtcpReducedSize
        self.headerExtensions = headerExtensions
        self.sessionAttributes = sessionAttributes
        self.mediaAttributes = mediaAttributes
    }
}
