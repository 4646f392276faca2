import ByteText
/// How a message's extent is known: by the datagram boundary, or by Content-Length on a stream.
enum Framing {
    case datagram
    case stream
}

/// The message parser: bytes in, a `SIPMessage` or a `SIPParseError` out.
///
/// Works on a byte range of a caller-owned array so the stream framer can parse in place. Header
/// values are kept as text; only the headers every transaction needs (Via, From, To, Call-ID, CSeq,
/// Max-Forwards, Content-Length) are checked here, so a bad optional header never costs a call,
/// and the rest are parsed on demand by the typed accessors.
enum SIPParser {
    private enum StartLine {
        case request(SIPMethod, URI)
        case response(Int, String)
    }

    /// Where each header field started, for error reports.
    private struct FieldPosition {
        var offset: Int
        var line: Int
    }

    static func parse(_ bytes: [UInt8], range: Range<Int>, framing: Framing, limits: SIPLimits) throws(SIPParseError) -> SIPMessage {
        var pos = range.lowerBound
        let end = range.upperBound
        // RFC 3261 §7.5: CRLFs before the start line are ignored (keepalives land here too).
        while pos < end, bytes[pos] == ASCII.cr || bytes[pos] == ASCII.lf { pos += 1 }
        guard pos < end else { throw SIPParseError(.empty, "Empty message") }
        let base = pos
        guard end - base <= limits.maxMessageBytes else {
            throw SIPParseError(.messageTooLarge, "Message larger than \(limits.maxMessageBytes) bytes", offset: 0)
        }

        // Start line.
        guard let (startEnd, afterStart) = lineEnd(bytes, from: pos, end: end) else {
            throw SIPParseError(.truncated, "Message ends inside the start line", offset: 0, line: 1)
        }
        guard startEnd - pos <= limits.maxHeaderLineLength else {
            throw SIPParseError(.headerLineTooLong, "Start line too long", offset: 0, line: 1)
        }
        var partial = PartialMessage(isRequest: true)
        var startLine: StartLine? = nil
        var startLineError: SIPParseError? = nil
        do {
            startLine = try parseStartLine(bytes[pos..<startEnd], partial: &partial)
        } catch {
            var e = error
            e.offset = 0
            e.line = 1
            startLineError = e
        }
        pos = afterStart

        // Header section.
        var headers = SIPHeaders()
        headers.reserveCapacity(16)
        var positions: [FieldPosition] = []
        positions.reserveCapacity(16)
        var line = 2
        var sawEmptyLine = false
        do throws(SIPParseError) {
            while pos < end {
                guard let (fieldEnd, afterField) = lineEnd(bytes, from: pos, end: end) else {
                    throw SIPParseError(.truncated, "Message ends inside a header", offset: pos - base, line: line)
                }
                if fieldEnd == pos {
                    pos = afterField
                    sawEmptyLine = true
                    break
                }
                let fieldLine = line
                let fieldOffset = pos - base
                func lineError(_ kind: SIPParseError.Kind, _ reason: String) -> SIPParseError {
                    SIPParseError(kind, reason, offset: fieldOffset, line: fieldLine)
                }
                guard fieldEnd - pos <= limits.maxHeaderLineLength else {
                    throw lineError(.headerLineTooLong, "Header line too long")
                }
                if ASCII.isBlank(bytes[pos]) {
                    throw lineError(.invalidHeaderLine, "Continuation line without a header")
                }
                var nameEnd = pos
                while nameEnd < fieldEnd, ByteClass.isToken(bytes[nameEnd]) { nameEnd += 1 }
                var colon = nameEnd
                while colon < fieldEnd, ASCII.isBlank(bytes[colon]) { colon += 1 }
                guard nameEnd > pos, colon < fieldEnd, bytes[colon] == ASCII.colon else {
                    throw lineError(.invalidHeaderLine, nameEnd > pos ? "Header line without a colon" : "Malformed header name")
                }
                let name = HeaderName.fromWire(bytes[pos..<nameEnd])
                let valueStart = colon + 1
                var next = afterField
                line += 1
                // Unfold continuation lines (RFC 3261 §7.3.1): each becomes a single SP.
                var folded: [UInt8] = []
                var isFolded = false
                while next < end, ASCII.isBlank(bytes[next]) {
                    guard let (contEnd, afterCont) = lineEnd(bytes, from: next, end: end) else {
                        throw SIPParseError(.truncated, "Message ends inside a folded header", header: name.name,
                                            offset: next - base, line: line)
                    }
                    if !isFolded {
                        folded = Array(bytes[valueStart..<fieldEnd])
                        isFolded = true
                    }
                    // The line break and the whitespace around it become one SP.
                    while let last = folded.last, ASCII.isBlank(last) { folded.removeLast() }
                    var contStart = next
                    while contStart < contEnd, ASCII.isBlank(bytes[contStart]) { contStart += 1 }
                    folded.append(ASCII.space)
                    folded.append(contentsOf: bytes[contStart..<contEnd])
                    guard folded.count <= limits.maxHeaderLineLength else {
                        throw SIPParseError(.headerLineTooLong, "Header too long", header: name.name,
                                            offset: fieldOffset, line: fieldLine)
                    }
                    next = afterCont
                    line += 1
                }
                let value: String
                if isFolded {
                    value = try trimmedValue(folded[...], name: name, offset: fieldOffset, line: fieldLine)
                } else {
                    value = try trimmedValue(bytes[valueStart..<fieldEnd], name: name, offset: fieldOffset, line: fieldLine)
                }
                let field = SIPHeaderField(name, value)
                headers.append(field)
                positions.append(FieldPosition(offset: fieldOffset, line: fieldLine))
                guard headers.count <= limits.maxHeaderCount else {
                    throw lineError(.tooManyHeaders, "More than \(limits.maxHeaderCount) headers")
                }
                if name == .via || name == .from || name == .to || name == .callID || name == .cseq {
                    partial.headers.append(field)
                }
                pos = next
            }
        } catch {
            var e = startLineError ?? error
            e.partial = partial
            throw e
        }
        if var e = startLineError {
            e.partial = partial
            throw e
        }
        guard let startLine else {
            throw SIPParseError(.invalidStartLine, "Malformed start line", offset: 0, line: 1, partial: partial)
        }
        if !sawEmptyLine && framing == .stream {
            throw SIPParseError(.truncated, "Message ends before the end of the header section",
                                offset: pos - base, line: line, partial: partial)
        }

        func fail(_ error: SIPParseError, at fieldIndex: Int?) -> SIPParseError {
            var e = error
            e.partial = partial
            if let fieldIndex, fieldIndex < positions.count {
                e.offset = e.offset ?? positions[fieldIndex].offset
                e.line = e.line ?? positions[fieldIndex].line
            }
            return e
        }

        // Body, framed by Content-Length (RFC 3261 §18.3).
        var contentLength: Int? = nil
        for (index, field) in headers.enumerated() where field.name == .contentLength {
            guard let value = BoundedNumber.parse(field.value, maximum: 999_999_999_999) else {
                throw fail(SIPParseError(.invalidNumber, "Invalid Content-Length", header: field.name.name), at: index)
            }
            guard value <= UInt64(limits.maxBodyBytes) else {
                throw fail(SIPParseError(.bodyTooLarge, "Body larger than \(limits.maxBodyBytes) bytes",
                                         header: field.name.name), at: index)
            }
            if let contentLength, contentLength != Int(value) {
                throw fail(SIPParseError(.duplicateHeader, "Conflicting Content-Length values",
                                         header: field.name.name), at: index)
            }
            contentLength = Int(value)
        }
        let available = end - pos
        let bodyLength: Int
        if let contentLength {
            guard contentLength <= available else {
                let index = headers.firstIndex { $0.name == .contentLength }
                throw fail(SIPParseError(.truncated, "Content-Length \(contentLength) exceeds the \(available) body bytes received",
                                         header: HeaderName.contentLength.name), at: index)
            }
            bodyLength = contentLength
        } else {
            bodyLength = framing == .datagram ? available : 0
        }
        guard bodyLength <= limits.maxBodyBytes else {
            throw fail(SIPParseError(.bodyTooLarge, "Body larger than \(limits.maxBodyBytes) bytes"), at: nil)
        }
        let body = bodyLength == 0 ? [] : Array(bytes[pos..<(pos + bodyLength)])

        // Headers every transaction depends on.
        do {
            try validateMandatory(headers, startLine: startLine)
        } catch {
            let index = error.header.flatMap { name in headers.firstIndex { $0.name == HeaderName(name) } }
            throw fail(error, at: index)
        }

        switch startLine {
        case .request(let method, let uri):
            return .request(SIPRequest(method: method, uri: uri, headers: headers, body: body))
        case .response(let code, let reason):
            return .response(SIPResponse(statusCode: code, reasonPhrase: reason, headers: headers, body: body))
        }
    }

    /// Finds the end of the line starting at `from`: returns the index of its CR (or LF when the
    /// peer sent bare LF, which we tolerate) and the index after the LF.
    @inline(__always)
    static func lineEnd(_ bytes: [UInt8], from: Int, end: Int) -> (Int, Int)? {
        var i = from
        while i < end {
            if bytes[i] == ASCII.lf {
                let contentEnd = (i > from && bytes[i - 1] == ASCII.cr) ? i - 1 : i
                return (contentEnd, i + 1)
            }
            i += 1
        }
        return nil
    }

    private static func trimmedValue(_ bytes: ArraySlice<UInt8>, name: HeaderName, offset: Int, line: Int) throws(SIPParseError) -> String {
        var s = bytes.startIndex
        var e = bytes.endIndex
        while s < e, ASCII.isBlank(bytes[s]) { s += 1 }
        while e > s, ASCII.isBlank(bytes[e - 1]) { e -= 1 }
        // A lone CR is not a line break in SIP but is one to some parsers: refusing it keeps a
        // forwarded header from being split differently downstream.
        if bytes[s..<e].contains(ASCII.cr) {
            throw SIPParseError(.invalidHeaderLine, "Bare CR in header", header: name.name, offset: offset, line: line)
        }
        return String(wireBytes: bytes[s..<e])
    }

    private static func parseStartLine(_ line: ArraySlice<UInt8>, partial: inout PartialMessage) throws(SIPParseError) -> StartLine {
        if line.contains(ASCII.cr) {
            throw SIPParseError(.invalidStartLine, "Bare CR in start line")
        }
        // Liberal about runs of SP between elements and after the version (RFC 4475 §3.1.2.9,
        // §3.1.2.10 allow a tolerant element to ignore them); we never send them.
        var words: [ArraySlice<UInt8>] = []
        var i = line.startIndex
        while i < line.endIndex, words.count < 3 {
            while i < line.endIndex, ASCII.isBlank(line[i]) { i += 1 }
            let start = i
            while i < line.endIndex, !ASCII.isBlank(line[i]) { i += 1 }
            if i > start { words.append(line[start..<i]) }
        }
        let restStart = i
        guard let first = words.first else { throw SIPParseError(.invalidStartLine, "Empty start line") }

        if hasSIPPrefix(first) {
            partial.isRequest = false
            try checkVersion(first)
            guard words.count >= 2 else { throw SIPParseError(.invalidStartLine, "Status line without a status code") }
            let codeBytes = words[1]
            guard codeBytes.count == 3, let code = BoundedNumber.parse(codeBytes, maximum: 999), code >= 100, code <= 699 else {
                throw SIPParseError(.invalidStatusCode, "Invalid status code")
            }
            partial.statusCode = Int(code)
            // The reason phrase is everything after the code, spaces included.
            var reasonStart = codeBytes.endIndex
            while reasonStart < line.endIndex, ASCII.isBlank(line[reasonStart]) { reasonStart += 1 }
            var reasonEnd = line.endIndex
            while reasonEnd > reasonStart, ASCII.isBlank(line[reasonEnd - 1]) { reasonEnd -= 1 }
            return .response(Int(code), String(wireBytes: line[reasonStart..<reasonEnd]))
        }

        partial.isRequest = true
        partial.method = String(wireBytes: first)
        if words.count >= 2 { partial.requestURI = String(wireBytes: words[1]) }
        guard first.allSatisfy(ByteClass.isToken) else {
            throw SIPParseError(.invalidMethod, "Invalid method")
        }
        var rest = restStart
        while rest < line.endIndex, ASCII.isBlank(line[rest]) { rest += 1 }
        guard words.count == 3, rest == line.endIndex else {
            throw SIPParseError(.invalidStartLine, "Request line must be method, Request-URI and version")
        }
        try checkVersion(words[2])
        let uri: URI
        do {
            uri = try URI.parse(words[1])
        } catch {
            throw SIPParseError(.invalidURI, "Invalid Request-URI: \(error.reason)")
        }
        return .request(SIPMethod(String(wireBytes: first)), uri)
    }

    /// True when the word starts with `SIP/` in any case.
    private static func hasSIPPrefix(_ word: ArraySlice<UInt8>) -> Bool {
        let s = word.startIndex
        return word.count >= 4 && ASCII.lowercased(word[s]) == 0x73 && ASCII.lowercased(word[s + 1]) == 0x69
            && ASCII.lowercased(word[s + 2]) == 0x70 && word[s + 3] == ASCII.slash
    }

    private static func checkVersion(_ word: ArraySlice<UInt8>) throws(SIPParseError) {
        guard hasSIPPrefix(word) else { throw SIPParseError(.invalidStartLine, "Malformed SIP version") }
        let numbers = word.dropFirst(4)
        if numbers.count == 3, numbers.elementsEqual([0x32, 0x2E, 0x30]) { return }
        // Well-formed but another version: 505 territory (RFC 4475 §3.1.2.16).
        if let dot = numbers.firstIndex(of: 0x2E), dot > numbers.startIndex, dot + 1 < numbers.endIndex,
           numbers[..<dot].allSatisfy(ASCII.isDigit), numbers[(dot + 1)...].allSatisfy(ASCII.isDigit) {
            throw SIPParseError(.unsupportedVersion, "Version Not Supported")
        }
        throw SIPParseError(.invalidStartLine, "Malformed SIP version")
    }

    private static func validateMandatory(_ headers: SIPHeaders, startLine: StartLine) throws(SIPParseError) {
        let required: [HeaderName] = [.to, .from, .cseq, .callID, .via]
        let missing = required.filter { !headers.contains($0) }
        if let first = missing.first {
            let names = missing.map(\.name).joined(separator: ", ")
            throw SIPParseError(.missingHeader, "Missing \(names) header", header: first.name)
        }
        let singletons: [HeaderName] = [.to, .from, .cseq, .callID, .maxForwards]
        var counts = [0, 0, 0, 0, 0]
        for field in headers {
            guard field.name.id >= 0, let slot = singletons.firstIndex(of: field.name) else { continue }
            counts[slot] += 1
            if counts[slot] > 1 {
                throw SIPParseError(.duplicateHeader, "More than one \(field.name.name) header", header: field.name.name)
            }
        }
        _ = try headers.via()
        _ = try headers.from()
        _ = try headers.to()
        _ = try headers.callID()
        let cseq = try headers.cseq()
        _ = try headers.maxForwards()
        if case .request(let method, _) = startLine, cseq.method != method {
            throw SIPParseError(.cseqMethodMismatch, "CSeq method does not match the request method",
                                header: HeaderName.cseq.name)
        }
    }
}
