import ByteText
/// A read position over the bytes of one header value, with the small steps every header grammar
/// is made of: skip whitespace, take a token, take a quoted string, expect a separator.
struct ByteCursor {
    let bytes: [UInt8]
    var index: Int

    init(_ text: String) {
        bytes = Array(text.utf8)
        index = 0
    }

    init(bytes: [UInt8], index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    var isAtEnd: Bool { index >= bytes.count }

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    /// Skips SP, HTAB and any CR/LF left over from folding.
    mutating func skipWhitespace() {
        while index < bytes.count, ASCII.isLinearWhitespace(bytes[index]) { index += 1 }
    }

    /// Consumes `byte` if it is next; whitespace before it is skipped only when asked.
    mutating func consume(_ byte: UInt8) -> Bool {
        if index < bytes.count, bytes[index] == byte {
            index += 1
            return true
        }
        return false
    }

    /// Takes a run of bytes of the given class.
    mutating func take(_ table: [Bool]) -> ArraySlice<UInt8> {
        let start = index
        while index < bytes.count, table[Int(bytes[index])] { index += 1 }
        return bytes[start..<index]
    }

    mutating func take(while predicate: (UInt8) -> Bool) -> ArraySlice<UInt8> {
        let start = index
        while index < bytes.count, predicate(bytes[index]) { index += 1 }
        return bytes[start..<index]
    }

    /// Takes a `token`, or nil when the next byte does not start one.
    mutating func token() -> String? {
        let run = take(while: ByteClass.isToken)
        return run.isEmpty ? nil : String(wireBytes: run)
    }

    /// Reads a quoted string starting at `"`; returns its content with quoted-pairs resolved, and
    /// the raw text including the quotes.
    mutating func quotedString() throws(SIPParseError) -> (value: String, raw: String) {
        let start = index
        let value = try quotedStringValue()
        return (value, String(wireBytes: bytes[start..<index]))
    }

    /// Reads a quoted string starting at `"` and returns its content with quoted-pairs resolved.
    mutating func quotedStringValue() throws(SIPParseError) -> String {
        guard consume(ASCII.dquote) else {
            throw SIPParseError(.invalidHeaderValue, "expected a quoted string")
        }
        var content: [UInt8] = []
        while index < bytes.count {
            let b = bytes[index]
            if b == ASCII.backslash {
                // A quoted-pair may escape anything but CR and LF; a trailing backslash is an unterminated string.
                guard index + 1 < bytes.count else { break }
                content.append(bytes[index + 1])
                index += 2
                continue
            }
            index += 1
            if b == ASCII.dquote {
                return String(wireBytes: content)
            }
            content.append(b)
        }
        throw SIPParseError(.invalidHeaderValue, "unterminated quoted string")
    }

    /// The text from `start` to the current position.
    func text(from start: Int) -> String {
        String(wireBytes: bytes[start..<index])
    }
}
