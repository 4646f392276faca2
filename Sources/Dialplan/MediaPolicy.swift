/// The media choices a route makes for the call: codec preference, whether to transcode, and how
/// DTMF travels on the outbound leg. Unset parts keep the gateway's (or the trunk's) default, and a
/// later `<media>` changes only the parts it sets.
public struct MediaPolicy: Sendable, Equatable, CustomStringConvertible {
    /// Whether audio may be decoded and re-encoded between the legs.
    public enum Transcoding: String, Sendable, Equatable, CaseIterable {
        /// Pass through when both legs share a codec, transcode otherwise.
        case auto
        /// Always decode and re-encode (e.g. to normalise levels or record).
        case transcode
        /// Only pass through; a call with no common codec fails with 488.
        case passThrough = "pass-through"
    }

    /// How DTMF is sent on the outbound leg.
    public enum DTMFMode: String, Sendable, Equatable, CaseIterable {
        case rfc4733, info, inband
    }

    /// Codec names in preference order (`opus`, `PCMU`, `PCMA`, `G722`); nil keeps the default.
    public var codecs: [String]?
    public var transcoding: Transcoding?
    public var dtmf: DTMFMode?

    public init(codecs: [String]? = nil, transcoding: Transcoding? = nil, dtmf: DTMFMode? = nil) {
        self.codecs = codecs
        self.transcoding = transcoding
        self.dtmf = dtmf
    }

    /// Codec names the gateway implements, spelled as SDP spells them.
    public static let knownCodecs = ["opus", "PCMU", "PCMA", "G722", "telephone-event"]

    /// `other`'s set parts over this one's.
    public func merged(with other: MediaPolicy) -> MediaPolicy {
        MediaPolicy(codecs: other.codecs ?? codecs, transcoding: other.transcoding ?? transcoding, dtmf: other.dtmf ?? dtmf)
    }

    public var isDefault: Bool { codecs == nil && transcoding == nil && dtmf == nil }

    public var description: String {
        var parts: [String] = []
        if let codecs { parts.append("codecs \(codecs.joined(separator: ","))") }
        if let transcoding { parts.append(transcoding.rawValue) }
        if let dtmf { parts.append("dtmf \(dtmf.rawValue)") }
        return parts.isEmpty ? "default" : parts.joined(separator: ", ")
    }
}
