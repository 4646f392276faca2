import ByteText

/// Turns SDP bytes into a `SessionDescription`, line by line, with a small state machine: the session
/// section until the first m=, then one media section per m=.
struct SDPParser {
    private enum Section {
        case session
        case media
    }

    private var reader: SDPLineReader
    private let limits: SDPParserLimits

    init(bytes: [UInt8], limits: SDPParserLimits) {
        self.reader = SDPLineReader(bytes)
        self.limits = limits
    }

    mutating func parse() throws(SDPParseError) -> SessionDescription {
        guard let firstResult = reader.next() else {
            throw SDPParseError(.empty, line: 0, detail: "input holds no SDP lines")
        }
        let first = try firstResult.get()
        guard first.type == UInt8(ascii: "v") else {
            throw SDPParseError(.missingVersion, line: first.number, detail: "SDP must start with v=")
        }
        guard BoundedNumber.parse(first.bytes, maximum: 0) != nil else {
            throw SDPParseError(.unsupportedVersion, line: first.number,
                                detail: "only v=0 is defined, got \"v=\(first.value.prefix(20))\"")
        }

        var session = SessionDescription(origin: Origin(sessionID: "", sessionVersion: "", unicastAddress: ""),
                                         timings: [])
        var sawOrigin = false
        var sawName = false
        var section = Section.session
        var current: MediaDescription? = nil
        var firstMediaLine = 0

        while let result = reader.next() {
            let line = try result.get()
            if line.type == UInt8(ascii: "m") {
                if let finished = current { session.media.append(finished) }
                guard session.media.count < limits.maximumMediaSections else {
                    throw SDPParseError(.tooLarge, line: line.number,
                                        detail: "more than \(limits.maximumMediaSections) media sections")
                }
                if firstMediaLine == 0 { firstMediaLine = line.number }
                current = try Self.parseMediaLine(line)
                section = .media
                continue
            }
            switch section {
            case .session:
                try Self.apply(line, to: &session, sawOrigin: &sawOrigin, sawName: &sawName)
            case .media:
                // `current` is always set in the media section; the fallback only satisfies the compiler.
                var media = current ?? MediaDescription(media: "", port: 0, proto: "", formats: [])
                try Self.apply(line, to: &media)
                current = media
            }
        }
        if let finished = current { session.media.append(finished) }

        guard sawOrigin else {
            let where_ = firstMediaLine > 0 ? firstMediaLine : reader.lastLineNumber
            throw SDPParseError(.missingOrigin, line: where_, detail: "session has no o= line")
        }
        if !sawName { session.sessionName = "-" }
        return session
    }

    // MARK: session level

    private static func apply(_ line: SDPLineReader.Line, to session: inout SessionDescription,
                              sawOrigin: inout Bool, sawName: inout Bool) throws(SDPParseError) {
        switch line.type {
        case UInt8(ascii: "v"):
            throw SDPParseError(.duplicateLine, line: line.number, detail: "second v= line")
        case UInt8(ascii: "o"):
            guard !sawOrigin else { throw duplicate(line) }
            guard let origin = Origin.parse(line.value) else {
                throw SDPParseError(.malformedOrigin, line: line.number,
                                    detail: "o= needs six fields: username sess-id sess-version nettype addrtype address")
            }
            session.origin = origin
            sawOrigin = true
        case UInt8(ascii: "s"):
            guard !sawName else { throw duplicate(line) }
            session.sessionName = line.value
            sawName = true
        case UInt8(ascii: "i"):
            guard session.information == nil else { throw duplicate(line) }
            session.information = line.value
        case UInt8(ascii: "u"):
            guard session.uri == nil else { throw duplicate(line) }
            session.uri = line.value
        case UInt8(ascii: "e"):
            session.emails.append(line.value)
        case UInt8(ascii: "p"):
            session.phones.append(line.value)
        case UInt8(ascii: "c"):
            guard session.connection == nil else { throw duplicate(line) }
            session.connection = try parseConnection(line)
        case UInt8(ascii: "b"):
            session.bandwidths.append(try parseBandwidth(line))
        case UInt8(ascii: "t"):
            guard let timing = Timing.parse(line.value) else {
                throw SDPParseError(.malformedTiming, line: line.number, detail: "t= needs two decimal NTP times")
            }
            session.timings.append(timing)
        case UInt8(ascii: "r"):
            guard !session.timings.isEmpty else {
                throw SDPParseError(.misplacedLine, line: line.number, detail: "r= must follow a t= line")
            }
            session.timings[session.timings.count - 1].repeats.append(line.value)
        case UInt8(ascii: "z"):
            guard session.timeZoneAdjustments == nil else { throw duplicate(line) }
            session.timeZoneAdjustments = line.value
        case UInt8(ascii: "k"):
            guard session.encryptionKey == nil else { throw duplicate(line) }
            session.encryptionKey = line.value
        case UInt8(ascii: "a"):
            session.attributes.append(try parseAttribute(line))
        default:
            session.unknownLines.append(UnknownLine(type: Character(Unicode.Scalar(line.type)), value: line.value))
        }
    }

    // MARK: media level

    private static func apply(_ line: SDPLineReader.Line, to media: inout MediaDescription) throws(SDPParseError) {
        switch line.type {
        case UInt8(ascii: "i"):
            guard media.information == nil else { throw duplicate(line) }
            media.information = line.value
        case UInt8(ascii: "c"):
            media.connections.append(try parseConnection(line))
        case UInt8(ascii: "b"):
            media.bandwidths.append(try parseBandwidth(line))
        case UInt8(ascii: "k"):
            guard media.encryptionKey == nil else { throw duplicate(line) }
            media.encryptionKey = line.value
        case UInt8(ascii: "a"):
            media.attributes.append(try parseAttribute(line))
        case UInt8(ascii: "v"), UInt8(ascii: "o"), UInt8(ascii: "s"), UInt8(ascii: "u"), UInt8(ascii: "e"),
             UInt8(ascii: "p"), UInt8(ascii: "t"), UInt8(ascii: "r"), UInt8(ascii: "z"):
            throw SDPParseError(.misplacedLine, line: line.number,
                                detail: "\(Character(Unicode.Scalar(line.type)))= belongs to the session section, before any m=")
        default:
            media.unknownLines.append(UnknownLine(type: Character(Unicode.Scalar(line.type)), value: line.value))
        }
    }

    static func parseMediaLine(_ line: SDPLineReader.Line) throws(SDPParseError) -> MediaDescription {
        let parts = SDPText.fields(line.bytes)
        guard parts.count >= 4 else {
            throw SDPParseError(.malformedMedia, line: line.number,
                                detail: "m= needs media, port, proto and at least one format")
        }
        let (portText, countText) = SDPText.splitOnce(parts[1], at: ASCII.slash)
        guard let port = SDPText.uint16(portText) else {
            throw SDPParseError(.invalidPort, line: line.number,
                                detail: "m= port must be 0-65535, got \"\(parts[1].prefix(20))\"")
        }
        var portCount: UInt16? = nil
        if let countText {
            guard let count = SDPText.uint16(countText), count > 0 else {
                throw SDPParseError(.invalidPort, line: line.number,
                                    detail: "m= port count must be 1-65535, got \"\(countText.prefix(20))\"")
            }
            portCount = count
        }
        let proto = parts[2]
        let formats = Array(parts[3...])
        if MediaDescription.isRTP(proto: proto) {
            for format in formats where SDPText.uint8(format, maximum: 127) == nil {
                throw SDPParseError(.invalidPayloadType, line: line.number,
                                    detail: "\(proto) payload types must be 0-127, got \"\(format.prefix(20))\"")
            }
        }
        return MediaDescription(media: parts[0], port: port, portCount: portCount, proto: proto, formats: formats)
    }

    // MARK: shared lines

    private static func parseConnection(_ line: SDPLineReader.Line) throws(SDPParseError) -> ConnectionData {
        switch ConnectionData.parse(line.value) {
        case .connection(let connection):
            return connection
        case .malformed:
            throw SDPParseError(.malformedConnection, line: line.number,
                                detail: "c= needs nettype, addrtype and address")
        case .unsupportedAddressType(let type):
            throw SDPParseError(.unsupportedAddressType, line: line.number,
                                detail: "c= address type must be IP4 or IP6, got \"\(type.prefix(20))\"")
        }
    }

    private static func parseBandwidth(_ line: SDPLineReader.Line) throws(SDPParseError) -> Bandwidth {
        guard let bandwidth = Bandwidth.parse(line.value) else {
            throw SDPParseError(.malformedBandwidth, line: line.number,
                                detail: "b= must be <type>:<decimal value>")
        }
        return bandwidth
    }

    private static func parseAttribute(_ line: SDPLineReader.Line) throws(SDPParseError) -> Attribute {
        let attribute = Attribute.parse(line.bytes)
        guard !attribute.name.isEmpty else {
            throw SDPParseError(.malformedAttribute, line: line.number, detail: "a= line without an attribute name")
        }
        return attribute
    }

    private static func duplicate(_ line: SDPLineReader.Line) -> SDPParseError {
        SDPParseError(.duplicateLine, line: line.number,
                      detail: "\(Character(Unicode.Scalar(line.type)))= may appear only once here")
    }
}

extension SessionDescription {
    /// Parses SDP text. Accepts CRLF or LF line ends, trailing blanks and a missing final newline.
    public init(parsing text: String, limits: SDPParserLimits = .default) throws(SDPParseError) {
        try self.init(parsing: Array(text.utf8), limits: limits)
    }

    /// Parses SDP bytes, such as a SIP body. Invalid UTF-8 is repaired, never trusted.
    public init(parsing bytes: [UInt8], limits: SDPParserLimits = .default) throws(SDPParseError) {
        guard bytes.count <= limits.maximumBytes else {
            throw SDPParseError(.tooLarge, line: 0,
                                detail: "SDP of \(bytes.count) bytes exceeds the \(limits.maximumBytes)-byte limit")
        }
        var parser = SDPParser(bytes: bytes, limits: limits)
        self = try parser.parse()
    }
}
