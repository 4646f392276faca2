import ByteText
/// Cuts a byte stream (TCP, TLS) into SIP messages using Content-Length (RFC 3261 §18.3).
///
/// Append bytes as they arrive, then call `next()` until it returns nil. Partial messages wait
/// for more bytes; pipelined messages come out one by one; CRLF keepalives (RFC 5626 §3.5.1)
/// between messages are skipped.
///
/// Errors come in two kinds. If a complete message was framed but fails to parse, `next()` throws
/// and the message's bytes are consumed: answer 400 and keep reading. If the framing itself is
/// broken (a bad or oversized Content-Length, headers that never end), `isFailed` becomes true and
/// every later `next()` throws the same error: there is no way to find the next message, so close the
/// connection (RFC 4475 §3.1.2.3).
public struct SIPStreamFramer: Sendable {
    public let limits: SIPLimits
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Where the search for the end of the header section resumes, so bytes are scanned once.
    private var scanIndex = 0
    /// Header-section end and Content-Length of the message being waited for, once known.
    private var pending: (headerEnd: Int, contentLength: Int)? = nil
    private var failure: SIPParseError? = nil

    public init(limits: SIPLimits = .default) {
        self.limits = limits
    }

    /// True once the stream is unrecoverable; the connection should be closed.
    public var isFailed: Bool { failure != nil }

    /// Bytes received but not yet returned as messages.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Adds bytes received from the stream.
    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        guard failure == nil else { return }
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete message, nil when more bytes are needed.
    public mutating func next() throws(SIPParseError) -> SIPMessage? {
        if let failure { throw failure }
        if pending == nil {
            // Keepalives and stray line breaks between messages.
            while readIndex < buffer.count, buffer[readIndex] == ASCII.cr || buffer[readIndex] == ASCII.lf {
                readIndex += 1
            }
            scanIndex = Swift.max(scanIndex, readIndex)
            compact()
            guard readIndex < buffer.count else { return nil }
            guard let headerEnd = findHeaderEnd() else {
                if buffer.count - readIndex > limits.maxMessageBytes {
                    // What came of the headers still names the request, so the 513 can be sent.
                    let error = SIPParseError(.messageTooLarge, "Header section larger than \(limits.maxMessageBytes) bytes")
                    throw fail(withPartial(error, headerEnd: readIndex + limits.maxMessageBytes))
                }
                return nil
            }
            let contentLength: Int
            do {
                contentLength = try scanContentLength(from: readIndex, to: headerEnd)
            } catch {
                throw fail(withPartial(error, headerEnd: headerEnd))
            }
            guard headerEnd - readIndex + contentLength <= limits.maxMessageBytes else {
                let error = SIPParseError(.messageTooLarge, "Message larger than \(limits.maxMessageBytes) bytes")
                throw fail(withPartial(error, headerEnd: headerEnd))
            }
            pending = (headerEnd, contentLength)
        }
        guard let (headerEnd, contentLength) = pending else { return nil }
        let messageEnd = headerEnd + contentLength
        guard messageEnd <= buffer.count else { return nil }
        let start = readIndex
        readIndex = messageEnd
        scanIndex = messageEnd
        pending = nil
        return try SIPParser.parse(buffer, range: start..<messageEnd, framing: .stream, limits: limits)
    }

    /// Adds what can be read of the header section (up to `headerEnd`), so the transport can still
    /// answer 400 or 513 before closing.
    private func withPartial(_ error: SIPParseError, headerEnd: Int) -> SIPParseError {
        guard error.partial == nil else { return error }
        var e = error
        do {
            _ = try SIPParser.parse(buffer, range: readIndex..<headerEnd, framing: .datagram, limits: limits)
        } catch {
            e.partial = error.partial
        }
        return e
    }

    private mutating func fail(_ error: SIPParseError) -> SIPParseError {
        failure = error
        buffer = []
        readIndex = 0
        scanIndex = 0
        pending = nil
        return error
    }

    /// Drops consumed bytes once they dominate the buffer, so memory stays bounded by one message.
    private mutating func compact() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
            scanIndex = 0
        } else if readIndex > 4096, readIndex * 2 > buffer.count {
            buffer.removeSubrange(0..<readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
    }

    /// Index just past the empty line ending the header section, or nil when not yet received.
    private mutating func findHeaderEnd() -> Int? {
        var i = Swift.max(scanIndex, readIndex)
        while i < buffer.count {
            if buffer[i] == ASCII.lf {
                // The header section ends at LF followed by LF or CRLF.
                if i + 1 < buffer.count, buffer[i + 1] == ASCII.lf { return i + 2 }
                if i + 2 < buffer.count, buffer[i + 1] == ASCII.cr, buffer[i + 2] == ASCII.lf { return i + 3 }
                if i + 2 >= buffer.count {
                    // Not enough bytes yet to tell: rescan from this LF next time.
                    scanIndex = i
                    return nil
                }
            }
            i += 1
        }
        scanIndex = i
        return nil
    }

    /// Reads Content-Length (or `l`) from the raw header section without parsing the message:
    /// missing means 0 on a stream, several must agree.
    private func scanContentLength(from start: Int, to end: Int) throws(SIPParseError) -> Int {
        var result: Int? = nil
        var lineStart = start
        while lineStart < end {
            guard let (lineContentEnd, next) = SIPParser.lineEnd(buffer, from: lineStart, end: end) else { break }
            var nameEnd = lineStart
            while nameEnd < lineContentEnd, ByteClass.isToken(buffer[nameEnd]) { nameEnd += 1 }
            var colon = nameEnd
            while colon < lineContentEnd, ASCII.isBlank(buffer[colon]) { colon += 1 }
            if colon < lineContentEnd, buffer[colon] == ASCII.colon, isContentLengthName(lineStart..<nameEnd) {
                // The value may be folded onto continuation lines.
                var digits: [UInt8] = Array(buffer[(colon + 1)..<lineContentEnd])
                var cont = next
                while cont < end, ASCII.isBlank(buffer[cont]),
                      let (contEnd, afterCont) = SIPParser.lineEnd(buffer, from: cont, end: end) {
                    digits.append(contentsOf: buffer[cont..<contEnd])
                    cont = afterCont
                }
                var first = 0, last = digits.count
                while first < last, ASCII.isBlank(digits[first]) { first += 1 }
                while last > first, ASCII.isBlank(digits[last - 1]) { last -= 1 }
                let trimmed = digits[first..<last]
                guard let value = BoundedNumber.parse(trimmed, maximum: 999_999_999_999) else {
                    throw SIPParseError(.invalidNumber, "Invalid Content-Length", header: HeaderName.contentLength.name)
                }
                guard value <= UInt64(limits.maxBodyBytes) else {
                    throw SIPParseError(.bodyTooLarge, "Body larger than \(limits.maxBodyBytes) bytes",
                                        header: HeaderName.contentLength.name)
                }
                if let result, result != Int(value) {
                    throw SIPParseError(.duplicateHeader, "Conflicting Content-Length values",
                                        header: HeaderName.contentLength.name)
                }
                result = Int(value)
            }
            lineStart = next
        }
        return result ?? 0
    }

    private func isContentLengthName(_ range: Range<Int>) -> Bool {
        if range.count == 1 { return ASCII.lowercased(buffer[range.lowerBound]) == 0x6C }
        let name = Array("content-length".utf8)
        guard range.count == name.count else { return false }
        for (offset, index) in range.enumerated() where ASCII.lowercased(buffer[index]) != name[offset] {
            return false
        }
        return true
    }
}
