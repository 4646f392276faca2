import ByteText

// SDP's field steps over the bytes of a line (ByteText has the byte classes and numbers SIP shares).

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
                    result.append(String(wireBytes: bytes[fieldStart..<index]))
                    start = nil
                }
            } else if start == nil {
                start = index
            }
        }
        if let fieldStart = start {
            result.append(String(wireBytes: bytes[fieldStart..<bytes.endIndex]))
        }
        return result
    }

    /// Splits at the first occurrence of `separator`; `nil` second half means it was absent.
    static func splitOnce(_ text: String, at separator: UInt8) -> (String, String?) {
        withBytes(text) { bytes in
            guard let index = bytes.firstIndex(of: separator) else { return (text, nil) }
            return (String(wireBytes: bytes[..<index]), String(wireBytes: bytes[(index + 1)...]))
        }
    }

    /// Splits on every occurrence of `separator`, keeping empty pieces.
    static func split(_ text: String, on separator: UInt8) -> [String] {
        withBytes(text) { bytes in
            bytes.split(separator: separator, omittingEmptySubsequences: false).map { String(wireBytes: $0) }
        }
    }

    /// Removes leading and trailing spaces and tabs.
    static func trimmed(_ text: String) -> String {
        withBytes(text) { bytes in
            guard let first = bytes.firstIndex(where: { !ASCII.isBlank($0) }),
                  let last = bytes.lastIndex(where: { !ASCII.isBlank($0) }) else { return "" }
            if first == 0 && last == bytes.count - 1 { return text }
            return String(wireBytes: bytes[first...last])
        }
    }

    static func uint8(_ text: String, maximum: UInt8 = .max) -> UInt8? {
        BoundedNumber.parse(text, maximum: UInt64(maximum)).map { UInt8($0) }
    }

    static func uint16(_ text: String, maximum: UInt16 = .max) -> UInt16? {
        BoundedNumber.parse(text, maximum: UInt64(maximum)).map { UInt16($0) }
    }

    static func uint32(_ text: String) -> UInt32? {
        BoundedNumber.parse(text, maximum: UInt64(UInt32.max)).map { UInt32($0) }
    }
}
