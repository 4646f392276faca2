import ByteText

/// The shape most extension headers share: one leading value, then `;name=value` parameters.
/// Session-Expires, Min-SE, Event, Subscription-State, Reason and Replaces are all read through it.
struct ParameterizedValue {
    var value: String
    var parameters: SIPParameters

    static func parse(_ text: String, _ header: HeaderName, value valueByte: (UInt8) -> Bool) throws(SIPParseError)
        -> ParameterizedValue {
        var cursor = ByteCursor(text)
        cursor.skipWhitespace()
        let run = cursor.take(while: valueByte)
        guard !run.isEmpty else {
            throw SIPParseError(.invalidHeaderValue, "\(header.name) has no value", header: header.name)
        }
        let parameters: SIPParameters
        do {
            parameters = try SIPParameters.parseHeaderParameters(&cursor)
        } catch {
            throw error.attributed(to: header)
        }
        cursor.skipWhitespace()
        guard cursor.isAtEnd else {
            throw SIPParseError(.invalidHeaderValue, "unexpected text in \(header.name)", header: header.name)
        }
        return ParameterizedValue(value: String(wireBytes: run), parameters: parameters)
    }

    /// The leading value as delta-seconds (RFC 3261 §25.1), bounded so hostile digits cannot trap.
    func seconds(_ header: HeaderName) throws(SIPParseError) -> Int {
        guard let n = BoundedNumber.parse(value, maximum: UInt64(UInt32.max)) else {
            throw SIPParseError(.invalidNumber, "\(header.name) is not a number of seconds", header: header.name)
        }
        return Int(n)
    }
}

/// `Session-Expires: 1800;refresher=uac` (RFC 4028 §4): the session interval, and which side
/// refreshes it when one has been chosen.
public struct SessionExpires: Sendable, Equatable, CustomStringConvertible {
    public enum Refresher: String, Sendable {
        case uac, uas
    }

    public var interval: Int
    public var refresher: Refresher?
    /// Extension parameters, kept so a message relayed through us reads as it came.
    public var parameters: SIPParameters

    public init(interval: Int, refresher: Refresher? = nil) {
        self.interval = interval
        self.refresher = refresher
        parameters = SIPParameters()
    }

    public init(_ text: String) throws(SIPParseError) {
        let parsed = try ParameterizedValue.parse(text, .sessionExpires, value: ASCII.isDigit)
        interval = try parsed.seconds(.sessionExpires)
        guard interval > 0 else {
            throw SIPParseError(.invalidNumber, "Session-Expires of zero seconds", header: HeaderName.sessionExpires.name)
        }
        var rest = parsed.parameters
        if let value = rest["refresher"] {
            guard let refresher = Refresher(rawValue: value.lowercased()) else {
                throw SIPParseError(.invalidHeaderValue, "refresher must be uac or uas", header: HeaderName.sessionExpires.name)
            }
            self.refresher = refresher
            rest.remove("refresher")
        } else {
            refresher = nil
        }
        parameters = rest
    }

    public var description: String {
        var text = String(interval)
        if let refresher { text += ";refresher=" + refresher.rawValue }
        return text + parameters.serialized
    }
}

extension SIPHeaders {
    /// Session-Expires, nil when absent.
    public func sessionExpires() throws(SIPParseError) -> SessionExpires? { try parsed(.sessionExpires, SessionExpires.init) }

    public mutating func setSessionExpires(_ value: SessionExpires) { set(.sessionExpires, value.description) }

    /// Min-SE in seconds (RFC 4028 §5), nil when absent; its parameters carry nothing defined.
    public func minSE() throws(SIPParseError) -> Int? {
        try parsed(.minSE) { value throws(SIPParseError) in
            try ParameterizedValue.parse(value, .minSE, value: ASCII.isDigit).seconds(.minSE)
        }
    }

    public mutating func setMinSE(_ seconds: Int) { set(.minSE, String(seconds)) }
}
