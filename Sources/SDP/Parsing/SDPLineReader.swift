import ByteText

/// Walks SDP text line by line over its bytes, accepting CRLF or a bare LF, a missing final newline,
/// and trailing blanks that hand-written phone configs leave behind.
struct SDPLineReader {
    /// One non-empty line with its 1-based number, its type letter and the bytes after `=`.
    struct Line {
        var number: Int
        var type: UInt8
        /// A view into the input; no copy is made until a field becomes a string.
        var bytes: ArraySlice<UInt8>

        var value: String { String(wireBytes: bytes) }
    }

    /// A non-empty line that is not of the form `<letter>=...`.
    struct Malformed {
        var number: Int
        var kind: SDPParseError.Kind
        var text: String
    }

    private let bytes: [UInt8]
    private var position = 0
    private var lineNumber = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The number of the last line read, for errors about something missing at the end.
    var lastLineNumber: Int { lineNumber }

    mutating func next() -> Result<Line, SDPParseError>? {
        while position < bytes.count {
            lineNumber += 1
            let start = position
            var end = start
            while end < bytes.count && bytes[end] != ASCII.lf { end += 1 }
            position = end + 1
            while end > start && (ASCII.isBlank(bytes[end - 1]) || bytes[end - 1] == ASCII.cr) { end -= 1 }
            if end == start { continue }
            return classify(bytes[start..<end])
        }
        return nil
    }

    private func classify(_ line: ArraySlice<UInt8>) -> Result<Line, SDPParseError> {
        let first = line[line.startIndex]
        guard line.count >= 2, line[line.startIndex + 1] == ASCII.equals else {
            let text = String(wireBytes: line.prefix(40))
            if line.contains(ASCII.equals) {
                return .failure(SDPParseError(.invalidLineType, line: lineNumber,
                                              detail: "line type must be a single letter before '=': \"\(text)\""))
            }
            return .failure(SDPParseError(.lineWithoutEquals, line: lineNumber,
                                          detail: "line has no '=': \"\(text)\""))
        }
        guard first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z") else {
            return .failure(SDPParseError(.invalidLineType, line: lineNumber,
                                          detail: "line type must be a lowercase letter: \"\(String(wireBytes: line.prefix(40)))\""))
        }
        return .success(Line(number: lineNumber, type: first, bytes: line[(line.startIndex + 2)...]))
    }
}
