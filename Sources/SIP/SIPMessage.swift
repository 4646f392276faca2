/// A SIP request: start line, headers and body.
public struct SIPRequest: Sendable, Equatable {
    public var method: SIPMethod
    public var uri: URI
    public var headers: SIPHeaders
    public var body: [UInt8]

    public init(method: SIPMethod, uri: URI, headers: SIPHeaders = SIPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
    }

    /// Parses a request from one datagram (UDP, or one WebSocket message per RFC 7118).
    public init(datagram: [UInt8], limits: SIPLimits = .default) throws(SIPParseError) {
        guard case .request(let request) = try SIPMessage(datagram: datagram, limits: limits) else {
            throw SIPParseError(.invalidStartLine, "expected a request, got a response")
        }
        self = request
    }
}

/// A SIP response: status line, headers and body.
public struct SIPResponse: Sendable, Equatable {
    public var statusCode: Int
    public var reasonPhrase: String
    public var headers: SIPHeaders
    public var body: [UInt8]

    public init(statusCode: Int, reasonPhrase: String? = nil, headers: SIPHeaders = SIPHeaders(), body: [UInt8] = []) {
        self.statusCode = statusCode
        self.reasonPhrase = reasonPhrase ?? SIPResponse.defaultReason(for: statusCode)
        self.headers = headers
        self.body = body
    }

    /// Parses a response from one datagram.
    public init(datagram: [UInt8], limits: SIPLimits = .default) throws(SIPParseError) {
        guard case .response(let response) = try SIPMessage(datagram: datagram, limits: limits) else {
            throw SIPParseError(.invalidStartLine, "expected a response, got a request")
        }
        self = response
    }

    /// 1xx.
    public var isProvisional: Bool { statusCode < 200 }
    /// 2xx.
    public var isSuccess: Bool { statusCode >= 200 && statusCode < 300 }
    /// 200 and above.
    public var isFinal: Bool { statusCode >= 200 }
}

/// A SIP message of either kind: what comes off the wire before the caller knows which it is.
public enum SIPMessage: Sendable, Equatable {
    case request(SIPRequest)
    case response(SIPResponse)

    /// Parses one datagram (RFC 3261 §18.3): without Content-Length the body is the rest of the
    /// datagram; a Content-Length larger than what arrived is an error; a smaller one truncates.
    public init(datagram: [UInt8], limits: SIPLimits = .default) throws(SIPParseError) {
        self = try SIPParser.parse(datagram, range: 0..<datagram.count, framing: .datagram, limits: limits)
    }

    /// Parses one datagram given as any byte collection (a slice, `Data`, a NIO buffer's view).
    public init<Bytes: Collection>(datagramBytes: Bytes, limits: SIPLimits = .default) throws(SIPParseError)
    where Bytes.Element == UInt8 {
        try self.init(datagram: Array(datagramBytes), limits: limits)
    }

    public var headers: SIPHeaders {
        get {
            switch self {
            case .request(let r): return r.headers
            case .response(let r): return r.headers
            }
        }
        set {
            switch self {
            case .request(var r): r.headers = newValue; self = .request(r)
            case .response(var r): r.headers = newValue; self = .response(r)
            }
        }
    }

    public var body: [UInt8] {
        switch self {
        case .request(let r): return r.body
        case .response(let r): return r.body
        }
    }

    public var request: SIPRequest? {
        if case .request(let r) = self { return r }
        return nil
    }

    public var response: SIPResponse? {
        if case .response(let r) = self { return r }
        return nil
    }
}
