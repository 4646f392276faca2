/// Writes a `SessionDescription` in RFC 8866 §5 order with CRLF line ends.
///
/// Attributes and unknown lines are written as stored, so an SDP parsed and serialized unchanged comes out
/// byte for byte as it came in (line ends aside) when the peer wrote the fixed lines canonically.
struct SDPSerializer {
    private var output = ""

    static func serialize(_ session: SessionDescription) -> String {
        var serializer = SDPSerializer()
        serializer.output.reserveCapacity(256 + session.media.count * 512)
        serializer.write(session)
        return serializer.output
    }

    private mutating func line(_ type: String, _ value: String) {
        output += type
        output += "="
        output += value
        output += "\r\n"
    }

    private mutating func write(_ session: SessionDescription) {
        line("v", String(session.version))
        line("o", session.origin.sdpValue)
        line("s", session.sessionName)
        if let information = session.information { line("i", information) }
        if let uri = session.uri { line("u", uri) }
        for email in session.emails { line("e", email) }
        for phone in session.phones { line("p", phone) }
        if let connection = session.connection { line("c", connection.sdpValue) }
        for bandwidth in session.bandwidths { line("b", bandwidth.sdpValue) }
        for timing in session.timings {
            line("t", timing.sdpValue)
            for repeatLine in timing.repeats { line("r", repeatLine) }
        }
        if let zones = session.timeZoneAdjustments { line("z", zones) }
        if let key = session.encryptionKey { line("k", key) }
        for attribute in session.attributes { line("a", attribute.sdpValue) }
        for unknown in session.unknownLines { line(String(unknown.type), unknown.value) }
        for media in session.media { write(media) }
    }

    private mutating func write(_ media: MediaDescription) {
        var mLine = media.media + " " + String(media.port)
        if let count = media.portCount { mLine += "/" + String(count) }
        mLine += " " + media.proto
        for format in media.formats { mLine += " " + format }
        line("m", mLine)
        if let information = media.information { line("i", information) }
        for connection in media.connections { line("c", connection.sdpValue) }
        for bandwidth in media.bandwidths { line("b", bandwidth.sdpValue) }
        if let key = media.encryptionKey { line("k", key) }
        for attribute in media.attributes { line("a", attribute.sdpValue) }
        for unknown in media.unknownLines { line(String(unknown.type), unknown.value) }
    }
}

extension SessionDescription {
    /// The SDP text, CRLF-terminated, ready to be a SIP body or a WebRTC remote description.
    public func serialized() -> String {
        SDPSerializer.serialize(self)
    }

    /// The SDP as UTF-8 bytes.
    public func serializedBytes() -> [UInt8] {
        Array(serialized().utf8)
    }
}

extension SessionDescription: CustomStringConvertible {
    public var description: String { serialized() }
}
