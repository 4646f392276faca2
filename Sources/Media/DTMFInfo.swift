import RTP

/// The bodies of SIP INFO requests that carry DTMF: `application/dtmf-relay` (`Signal=5` and
/// `Duration=160` lines, the de-facto Cisco format) and `application/dtmf` (the key alone). Used off
/// the packet path, when the gateway receives or sends an INFO.
public enum DTMFInfo {
    public static let relayContentType = "application/dtmf-relay"
    public static let dtmfContentType = "application/dtmf"
    /// Duration assumed when a body gives none.
    public static let defaultDurationMs = 160

    /// A digit and its length as an INFO body states them.
    public struct Digit: Sendable, Equatable {
        public var digit: DTMFDigit
        public var durationMs: Int

        public init(digit: DTMFDigit, durationMs: Int) {
            self.digit = digit
            self.durationMs = durationMs
        }
    }

    /// Parses a body of either content type (chosen by `contentType`, parameters and case ignored);
    /// nil when the type is neither or the body names no DTMF key.
    public static func parse(contentType: String, body: String) -> Digit? {
        let type = contentType.split(separator: ";").first.map { $0.trimmingSpaces.lowercased() } ?? ""
        switch type {
        case relayContentType: return parseRelay(body)
        case dtmfContentType: return parseDTMF(body)
        default: return nil
        }
    }

    /// `application/dtmf-relay`: `Signal=` (a key, or 10 and 11 for * and # as some phones send)
    /// and optional `Duration=` in ms, one per line, in any order, keys in any case.
    public static func parseRelay(_ body: String) -> Digit? {
        var digit: DTMFDigit?
        var duration = defaultDurationMs
        for rawLine in body.split(whereSeparator: { $0.isNewline }) {
            let parts = rawLine.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingSpaces.lowercased()
            let value = parts[1].trimmingSpaces
            switch key {
            case "signal": digit = parseKey(value)
            case "duration":
                if let d = Int(value), d > 0 { duration = min(d, 10_000) }
            default: continue
            }
        }
        return digit.map { Digit(digit: $0, durationMs: duration) }
    }

    /// `application/dtmf`: the key alone (RFC 2976's examples), or its event code.
    public static func parseDTMF(_ body: String) -> Digit? {
        parseKey(body.trimmingSpaces).map { Digit(digit: $0, durationMs: defaultDurationMs) }
    }

    private static func parseKey(_ text: Substring) -> DTMFDigit? {
        if text.count == 1, let c = text.first, let d = DTMFDigit(c) { return d }
        if let code = UInt8(text), let d = DTMFDigit(code: code) { return d }
        return nil
    }

    /// The `application/dtmf-relay` body for `digit`.
    public static func relayBody(_ digit: DTMFDigit, durationMs: Int) -> String {
        "Signal=\(digit.character)\r\nDuration=\(max(1, durationMs))\r\n"
    }

    /// The `application/dtmf` body for `digit`.
    public static func dtmfBody(_ digit: DTMFDigit) -> String {
        String(digit.character)
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: Substring {
        let s = Substring(self)
        guard let start = s.firstIndex(where: { !$0.isWhitespace }),
              let end = s.lastIndex(where: { !$0.isWhitespace }) else { return s[s.endIndex...] }
        return s[start...end]
    }
}
