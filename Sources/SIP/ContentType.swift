import ByteText
/// A media type as Content-Type and Accept carry it (RFC 3261 §20.15), e.g. `application/sdp`.
public struct MediaType: Sendable, Equatable, CustomStringConvertible {
    public var type: String
    public var subtype: String
    public var parameters: SIPParameters

    public init(type: String, subtype: String, parameters: SIPParameters = SIPParameters()) {
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
    }

    public init(_ text: String) throws(SIPParseError) {
        var cursor = ByteCursor(text)
        cursor.skipWhitespace()
        guard let type = cursor.token() else {
            throw SIPParseError(.invalidHeaderValue, "Media type without a type")
        }
        cursor.skipWhitespace()
        guard cursor.consume(ASCII.slash) else { throw SIPParseError(.invalidHeaderValue, "Media type without a subtype") }
        cursor.skipWhitespace()
        guard let subtype = cursor.token() else { throw SIPParseError(.invalidHeaderValue, "Media type without a subtype") }
        let parameters = try SIPParameters.parseHeaderParameters(&cursor)
        cursor.skipWhitespace()
        guard cursor.isAtEnd else { throw SIPParseError(.invalidHeaderValue, "Unexpected text after media type") }
        self.init(type: type, subtype: subtype, parameters: parameters)
    }

    public static let sdp = MediaType(type: "application", subtype: "sdp")

    /// Compares type and subtype without case, ignoring parameters.
    public func matches(_ other: MediaType) -> Bool {
        ASCII.equalsIgnoringCase(type, other.type) && ASCII.equalsIgnoringCase(subtype, other.subtype)
    }

    public var description: String { type + "/" + subtype + parameters.serialized }
}

extension SIPHeaders {
    /// Content-Type, nil when absent.
    public func contentType() throws(SIPParseError) -> MediaType? {
        guard let value = self[.contentType] else { return nil }
        do {
            return try MediaType(value)
        } catch {
            throw error.attributed(to: .contentType)
        }
    }

    public mutating func setContentType(_ type: MediaType?) {
        self[.contentType] = type?.description
    }
}
