import ByteText
/// Turns messages back into wire bytes.
///
/// Content-Length is always written from the body actually attached (in place of any existing
/// one), so a rewritten message can never be mis-framed; CR and LF in header text are replaced by
/// spaces so a value set from untrusted input cannot inject a header.
enum SIPSerializer {
    static func serialize(startLine: String, headers: SIPHeaders, body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 + body.count)
        appendSafe(startLine, to: &out)
        out.append(contentsOf: crlf)
        var wroteLength = false
        for field in headers {
            if field.name == .contentLength && wroteLength { continue }
            appendSafe(field.name.name, to: &out)
            out.append(contentsOf: colonSpace)
            if field.name == .contentLength {
                out.append(contentsOf: String(body.count).utf8)
                wroteLength = true
            } else {
                appendSafe(field.value, to: &out)
            }
            out.append(contentsOf: crlf)
        }
        if !wroteLength {
            out.append(contentsOf: "Content-Length: \(body.count)\r\n".utf8)
        }
        out.append(contentsOf: crlf)
        out.append(contentsOf: body)
        return out
    }

    private static let crlf: [UInt8] = [ASCII.cr, ASCII.lf]
    private static let colonSpace: [UInt8] = [ASCII.colon, ASCII.space]

    private static func appendSafe(_ text: String, to out: inout [UInt8]) {
        let utf8 = text.utf8
        if !utf8.contains(where: { $0 == ASCII.cr || $0 == ASCII.lf }) {
            out.append(contentsOf: utf8)
            return
        }
        for b in utf8 {
            out.append(b == ASCII.cr || b == ASCII.lf ? ASCII.space : b)
        }
    }
}

extension SIPRequest {
    /// The request line, e.g. `INVITE sip:bob@example.com SIP/2.0`.
    public var startLine: String { method.rawValue + " " + uri.description + " SIP/2.0" }

    /// Wire bytes of this request.
    public func serialized() -> [UInt8] {
        SIPSerializer.serialize(startLine: startLine, headers: headers, body: body)
    }
}

extension SIPResponse {
    /// The status line, e.g. `SIP/2.0 180 Ringing`.
    public var startLine: String { "SIP/2.0 " + String(statusCode) + " " + reasonPhrase }

    /// Wire bytes of this response.
    public func serialized() -> [UInt8] {
        SIPSerializer.serialize(startLine: startLine, headers: headers, body: body)
    }
}

extension SIPMessage {
    /// Wire bytes of this message.
    public func serialized() -> [UInt8] {
        switch self {
        case .request(let r): return r.serialized()
        case .response(let r): return r.serialized()
        }
    }
}
