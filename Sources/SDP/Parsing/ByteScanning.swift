// Small byte-level helpers shared by every line parser. SDP is ASCII-structured, so splitting on the
// UTF-8 bytes of ASCII delimiters never cuts a scalar in half, and it sidesteps Swift's grapheme rules
// (a combining mark after a space would otherwise glue the space to the next field).

enum ASCII {
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let colon: UInt8 = 0x3A
    static let slash: UInt8 = 0x2F
    static let equals: UInt8 = 0x3D
    static let semicolon: UInt8 = 0x3B
    static let comma: UInt8 = 0x2C
    static let hyphen: UInt8 = 0x2D
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39

    static func isBlank(_ byte: UInt8) -> Bool { byte == space || byte == tab }
    static func isDigit(_ byte: UInt8) -> Bool { byte >= zero && byte <= nine }
}

extension String {
    /// Builds a string from bytes already known to sit on scalar boundaries; invalid UTF-8 is repaired
    /// rather than trapping, so fuzzed input stays harmless.
    init(sdpBytes bytes: Slice<UnsafeBufferPointer<UInt8>>) {
        self = String(decoding: UnsafeBufferPointer(rebasing: bytes), as: UTF8.self)
    }

    init(sdpBytes bytes: ArraySlice<UInt8>) {
        self = bytes.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }

    init(sdpBytes bytes: [UInt8]) {
        self = String(decoding: bytes, as: UTF8.self)
    }
}

enum SDPText {
    /// Runs `body` over the string's UTF-8 bytes without copying them (native strings are contiguous).
    @inline(__always)
    static func withBytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var text = text
        return text.withUTF8(body)
    }

    /// Splits on runs of spaces and tabs. Real phones sometimes double a separator; collapsing runs keeps
    /// them parseable, and the serializer writes single spaces back.
    static func fields(_ text: String) -> [String] {
        withBytes(text) { fields($0) }
    }

    static func fields(_ bytes: ArraySlice<UInt8>) -> [String] {
        bytes.withUnsafeBufferPointer { fields($0) }
    }

    // Concrete over a buffer rather than generic: unspecialised generics dominate debug and fuzz builds.
    static func fields(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
        var result: [String] = []
        var start: Int? = nil
        for index in bytes.indices {
            if ASCII.isBlank(bytes[index]) {
                if let fieldStart = start {
                    result.append(String(sdpBytes: bytes[fieldStart..<index]))
                    start = nil
                }
            } else if start == nil {
                start = index
            }
        }
        if let fieldStart = start {
            result.append(String(sdpBytes: bytes[fieldStart..<bytes.endIndex]))
        }
        return result
    }

    /// Splits at the first occurrence of `separator`; `nil` second half means it was absent.
    static func splitOnce(_ text: String, at separator: UInt8) -> (String, String?) {
        withBytes(text) { bytes in
            guard let index = bytes.firstIndex(of: separator) else { return (text, nil) }
            return (String(sdpBytes: bytes[..<index]), String(sdpBytes: bytes[(index + 1)...]))
        }
    }

    /// Splits on every occurrence of `separator`, keeping empty pieces.
    static func split(_ text: String, on separator: UInt8) -> [String] {
        withBytes(text) { bytes in
            bytes.split(separator: separator, omittingEmptySubsequences: false).map { String(sdpBytes: $0) }
        }
    }

    /// Removes leading and trailing spaces and tabs.
    static func trimmed(_ text: String) -> String {
        withBytes(text) { bytes in
            guard let first = bytes.firstIndex(where: { !ASCII.isBlank($0) }),
                  let last = bytes.lastIndex(where: { !ASCII.isBlank($0) }) else { return "" }
            if first == 0 && last == bytes.count - 1 { return text }
            return String(sdpBytes: bytes[first...last])
        }
    }

    /// Parses a non-negative decimal number no greater than `maximum`. Huge or signed input yields nil
    /// instead of trapping, which is what keeps ports and payload types safe on hostile input.
    static func unsigned(_ bytes: ArraySlice<UInt8>, maximum: UInt64) -> UInt64? {
        bytes.withUnsafeBufferPointer { unsigned($0, maximum: maximum) }
    }

    static func unsigned(_ bytes: UnsafeBufferPointer<UInt8>, maximum: UInt64) -> UInt64? {
        guard !bytes.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard ASCII.isDigit(byte) else { return nil }
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowAdd) = shifted.addingReportingOverflow(UInt64(byte - ASCII.zero))
            guard !overflowShift, !overflowAdd, sum <= maximum else { return nil }
            value = sum
        }
        return value
    }

    static func unsigned(_ text: String, maximum: UInt64) -> UInt64? {
        withBytes(text) { unsigned($0, maximum: maximum) }
    }

    static func uint8(_ text: String, maximum: UInt8 = .max) -> UInt8? {
        unsigned(text, maximum: UInt64(maximum)).map { UInt8($0) }
    }

    static func uint16(_ text: String, maximum: UInt16 = .max) -> UInt16? {
        unsigned(text, maximum: UInt64(maximum)).map { UInt16($0) }
    }

    static func uint32(_ text: String) -> UInt32? {
        unsigned(text, maximum: UInt64(UInt32.max)).map { UInt32($0) }
    }

    /// ASCII case-insensitive equality, as SDP tokens (encoding names, hash names) are compared.
    static func equalsIgnoringCase(_ lhs: String, _ rhs: String) -> Bool {
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        return zip(lhs.utf8, rhs.utf8).allSatisfy { lowered($0) == lowered($1) }
    }

    @inline(__always)
    static func lowered(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
