/// `a=msid`: the MediaStream and track a media section belongs to (RFC 8830), as browsers use to attach
/// remote tracks to streams.
public struct MSID: Sendable, Equatable, SDPAttributeValue {
    public static let attributeName = "msid"

    /// The stream id, or `-` for a track in no stream.
    public var streamID: String
    /// The track id ("appdata"); optional in RFC 8830.
    public var trackID: String?

    public init(streamID: String, trackID: String? = nil) {
        self.streamID = streamID
        self.trackID = trackID
    }

    public init?(attributeValue: String) {
        let parts = SDPText.fields(attributeValue)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        self.init(streamID: parts[0], trackID: parts.count == 2 ? parts[1] : nil)
    }

    public var attributeValue: String {
        trackID.map { "\(streamID) \($0)" } ?? streamID
    }
}
