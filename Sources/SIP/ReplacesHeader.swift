import ByteText

/// `Replaces: 98732@sip.example.com;to-tag=r33th4x0r;from-tag=ff87ff` (RFC 3891 §6.1): the dialog a
/// new INVITE is to take the place of, named by its Call-ID and tags; `early-only` refuses to
/// replace a dialog that has already been answered.
public struct Replaces: Sendable, Equatable, CustomStringConvertible {
    public var callID: String
    public var toTag: String
    public var fromTag: String
    public var earlyOnly: Bool
    public var parameters: SIPParameters

    public init(callID: String, toTag: String, fromTag: String, earlyOnly: Bool = false) {
        self.callID = callID
        self.toTag = toTag
        self.fromTag = fromTag
        self.earlyOnly = earlyOnly
        parameters = SIPParameters()
    }

    public init(_ text: String) throws(SIPParseError) {
        let header = HeaderName.replaces
        let parsed = try ParameterizedValue.parse(text, header, value: Self.isCallIDByte)
        callID = parsed.value
        var rest = parsed.parameters
        guard let toTag = rest["to-tag"], let fromTag = rest["from-tag"] else {
            throw SIPParseError(.invalidHeaderValue, "Replaces needs to-tag and from-tag", header: header.name)
        }
        self.toTag = toTag
        self.fromTag = fromTag
        earlyOnly = rest.contains("early-only")
        for name in ["to-tag", "from-tag", "early-only"] { rest.remove(name) }
        parameters = rest
    }

    public var description: String {
        var text = callID + ";to-tag=" + toTag + ";from-tag=" + fromTag
        if earlyOnly { text += ";early-only" }
        return text + parameters.serialized
    }

    /// `word ["@" word]` of RFC 3261 §25.1 (the Call-ID grammar): everything printable but `;`,
    /// `,`, `=`, `&` and whitespace, which the parameters and lists around it need.
    static func isCallIDByte(_ b: UInt8) -> Bool {
        if ASCII.isAlphanumeric(b) { return true }
        switch b {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "%"), UInt8(ascii: "*"),
             UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "`"), UInt8(ascii: "'"), UInt8(ascii: "~"),
             UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ":"),
             UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "/"), UInt8(ascii: "["), UInt8(ascii: "]"),
             UInt8(ascii: "?"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "@"):
            return true
        default:
            return false
        }
    }
}

extension SIPHeaders {
    public func replaces() throws(SIPParseError) -> Replaces? { try parsed(.replaces, Replaces.init) }

    public mutating func setReplaces(_ value: Replaces) { set(.replaces, value.description) }
}
