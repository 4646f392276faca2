import ByteText
/// One Via header value (RFC 3261 §20.42, §18.2.2, RFC 3581): the path a response takes back.
///
/// A B2BUA reads the top Via to know where a request came from, adds `received`/`rport` to it
/// before answering, and prepends its own Via to requests it sends.
public struct Via: Sendable, Equatable, CustomStringConvertible {
    /// The `rport` parameter: asked for (no value) by the client, or filled in by the server.
    public enum RPort: Sendable, Equatable {
        case requested
        case port(UInt16)
    }

    public var protocolName: String
    public var protocolVersion: String
    /// Transport in uppercase as received, e.g. `UDP`, `TCP`, `TLS`, `WS`, `WSS`.
    public var transport: String
    /// The sent-by host (IPv6 without brackets); browsers send a random `.invalid` name.
    public var host: String
    public var port: UInt16?
    public var parameters: SIPParameters

    public init(transport: String, host: String, port: UInt16? = nil, branch: String? = nil,
                parameters: SIPParameters = SIPParameters()) {
        protocolName = "SIP"
        protocolVersion = "2.0"
        self.transport = transport
        self.host = host
        self.port = port
        self.parameters = parameters
        if let branch { self.parameters["branch"] = branch }
    }

    /// Parses one Via value (not a comma-separated list).
    public init(_ text: String) throws(SIPParseError) {
        var cursor = ByteCursor(text)
        self = try Via.parse(&cursor)
        cursor.skipWhitespace()
        guard cursor.isAtEnd else {
            throw SIPParseError(.invalidHeaderValue, "unexpected text after Via value", header: HeaderName.via.name)
        }
    }

    /// The transaction id (RFC 3261 §17.2.3); starts with `z9hG4bK` from RFC 3261 clients.
    public var branch: String? {
        get { parameters["branch"] }
        set { parameters["branch"] = newValue }
    }

    /// The source address the server saw, added when it differs from sent-by.
    public var received: String? {
        get { parameters["received"] }
        set { parameters["received"] = newValue }
    }

    /// `rport`, with or without a value; nil when absent. A value that is not a port reads as
    /// `.requested`, since it still asks for symmetric response routing.
    public var rport: RPort? {
        get {
            guard parameters.contains("rport") else { return nil }
            guard let text = parameters["rport"], let value = BoundedNumber.parse(text, maximum: 65_535) else {
                return .requested
            }
            return .port(UInt16(value))
        }
        set {
            switch newValue {
            case nil: parameters.remove("rport")
            case .requested: parameters.setFlag("rport")
            case .port(let port): parameters.set("rport", value: String(port))
            }
        }
    }

    /// The `maddr` parameter.
    public var maddr: String? {
        get { parameters["maddr"] }
        set { parameters["maddr"] = newValue }
    }

    /// `host[:port]` with brackets around IPv6.
    public var sentBy: String {
        var text = host.utf8.contains(ASCII.colon) ? "[" + host + "]" : host
        if let port { text += ":" + String(port) }
        return text
    }

    public var description: String {
        protocolName + "/" + protocolVersion + "/" + transport + " " + sentBy + parameters.serialized
    }

    static func parse(_ cursor: inout ByteCursor) throws(SIPParseError) -> Via {
        cursor.skipWhitespace()
        guard let name = cursor.token() else {
            throw SIPParseError(.invalidHeaderValue, "Via without a protocol name")
        }
        cursor.skipWhitespace()
        guard cursor.consume(ASCII.slash) else { throw SIPParseError(.invalidHeaderValue, "malformed Via protocol") }
        cursor.skipWhitespace()
        guard let version = cursor.token() else { throw SIPParseError(.invalidHeaderValue, "malformed Via protocol version") }
        cursor.skipWhitespace()
        guard cursor.consume(ASCII.slash) else { throw SIPParseError(.invalidHeaderValue, "malformed Via protocol") }
        cursor.skipWhitespace()
        guard let transport = cursor.token() else { throw SIPParseError(.invalidHeaderValue, "Via without a transport") }
        cursor.skipWhitespace()
        let (host, afterHost) = try hostOrHeaderError(cursor)
        cursor.index = afterHost
        cursor.skipWhitespace()
        var port: UInt16? = nil
        if cursor.consume(ASCII.colon) {
            cursor.skipWhitespace()
            let digits = cursor.take(while: ASCII.isDigit)
            guard let value = BoundedNumber.parse(digits, maximum: 65_535) else {
                throw SIPParseError(.invalidHeaderValue, "invalid port in Via")
            }
            port = UInt16(value)
        }
        let parameters = try SIPParameters.parseHeaderParameters(&cursor)
        var via = Via(transport: transport.uppercased(), host: host, port: port, parameters: parameters)
        via.protocolName = name
        via.protocolVersion = version
        return via
    }

    private static func hostOrHeaderError(_ cursor: ByteCursor) throws(SIPParseError) -> (String, Int) {
        do {
            return try SIPURI.parseHost(cursor.bytes[...], from: cursor.index)
        } catch {
            throw SIPParseError(.invalidHeaderValue, "invalid sent-by host in Via")
        }
    }
}
