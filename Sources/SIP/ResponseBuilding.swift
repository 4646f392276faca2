/// Building responses from requests (RFC 3261 §8.2.6), including to requests too malformed to parse.
extension SIPResponse {
    /// A response to `request`: copies Via (all, in order), From, To, Call-ID and CSeq, and for a
    /// dialog-creating request answered with 101–299 also Record-Route (RFC 3261 §12.1.1).
    /// `toTag` is added to To when it has none and the status is above 100 (a 100 Trying never
    /// carries a tag that the final response might contradict).
    public init(replyingTo request: SIPRequest, statusCode: Int, reasonPhrase: String? = nil, toTag: String? = nil) {
        var headers = SIPHeaders()
        for field in request.headers where field.name == .via {
            headers.append(field)
        }
        if let from = request.headers[.from] { headers.add(.from, from) }
        if let to = request.headers[.to] {
            if let toTag, statusCode > 100, var address = try? NameAddress(to), address.tag == nil {
                address.tag = toTag
                headers.add(.to, address.description)
            } else {
                headers.add(.to, to)
            }
        }
        if let callID = request.headers[.callID] { headers.add(.callID, callID) }
        if let cseq = request.headers[.cseq] { headers.add(.cseq, cseq) }
        if request.method.createsDialog, statusCode > 100, statusCode < 300 {
            for field in request.headers where field.name == .recordRoute {
                headers.append(field)
            }
        }
        self.init(statusCode: statusCode, reasonPhrase: reasonPhrase, headers: headers)
    }

    /// A response to a request that failed to parse, built from what could be read of it; nil
    /// when there is nothing to answer (it was a response, an ACK, or had no Via to route by).
    public init?(replyingTo partial: PartialMessage, statusCode: Int, reasonPhrase: String? = nil) {
        guard partial.isRequest, partial.method != SIPMethod.ack.rawValue,
              partial.headers.contains(.via) else { return nil }
        var headers = SIPHeaders()
        for name in [HeaderName.via, .from, .to, .callID, .cseq] {
            for field in partial.headers where field.name == name {
                headers.append(field)
                if name != .via { break }
            }
        }
        self.init(statusCode: statusCode, reasonPhrase: reasonPhrase.map(SIPResponse.sanitizedReason), headers: headers)
    }

    /// The response the transport should send for a request that failed with `error`: 505 for a
    /// SIP version we do not speak, 513 for an oversized message, 400 otherwise, with the error's
    /// reason as the phrase. Nil when no response should be sent.
    public init?(replyingTo error: SIPParseError) {
        guard let partial = error.partial else { return nil }
        let status: Int
        let reason: String
        switch error.kind {
        case .unsupportedVersion: status = 505; reason = "Version Not Supported"
        case .messageTooLarge, .bodyTooLarge: status = 513; reason = "Message Too Large"
        default: status = 400; reason = error.reason
        }
        self.init(replyingTo: partial, statusCode: status, reasonPhrase: reason)
    }

    /// Keeps a reason phrase on one line.
    static func sanitizedReason(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
    }

    /// The reason phrase RFC 3261 §21 (and its extensions) give a status code.
    public static func defaultReason(for code: Int) -> String {
        switch code {
        case 100: return "Trying"
        case 180: return "Ringing"
        case 181: return "Call Is Being Forwarded"
        case 182: return "Queued"
        case 183: return "Session Progress"
        case 199: return "Early Dialog Terminated"
        case 200: return "OK"
        case 202: return "Accepted"
        case 204: return "No Notification"
        case 300: return "Multiple Choices"
        case 301: return "Moved Permanently"
        case 302: return "Moved Temporarily"
        case 305: return "Use Proxy"
        case 380: return "Alternative Service"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 402: return "Payment Required"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 407: return "Proxy Authentication Required"
        case 408: return "Request Timeout"
        case 410: return "Gone"
        case 413: return "Request Entity Too Large"
        case 414: return "Request-URI Too Long"
        case 415: return "Unsupported Media Type"
        case 416: return "Unsupported URI Scheme"
        case 420: return "Bad Extension"
        case 421: return "Extension Required"
        case 422: return "Session Interval Too Small"
        case 423: return "Interval Too Brief"
        case 429: return "Provide Referrer Identity"
        case 430: return "Flow Failed"
        case 439: return "First Hop Lacks Outbound Support"
        case 480: return "Temporarily Unavailable"
        case 481: return "Call/Transaction Does Not Exist"
        case 482: return "Loop Detected"
        case 483: return "Too Many Hops"
        case 484: return "Address Incomplete"
        case 485: return "Ambiguous"
        case 486: return "Busy Here"
        case 487: return "Request Terminated"
        case 488: return "Not Acceptable Here"
        case 489: return "Bad Event"
        case 491: return "Request Pending"
        case 493: return "Undecipherable"
        case 500: return "Server Internal Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Server Time-out"
        case 505: return "Version Not Supported"
        case 513: return "Message Too Large"
        case 580: return "Precondition Failure"
        case 600: return "Busy Everywhere"
        case 603: return "Decline"
        case 604: return "Does Not Exist Anywhere"
        case 606: return "Not Acceptable"
        case 607: return "Unwanted"
        default: return ""
        }
    }
}
