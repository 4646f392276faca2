/// ICE attributes (RFC 8839). Credentials may sit at session or media level; use
/// `SessionDescription.iceUsernameFragment(for:)` to get the one that applies.
extension AttributeCarrying {
    /// `a=ice-ufrag`.
    public var iceUsernameFragment: String? {
        get { stringValue("ice-ufrag") }
        set { setStringValue("ice-ufrag", newValue) }
    }

    /// `a=ice-pwd`.
    public var icePassword: String? {
        get { stringValue("ice-pwd") }
        set { setStringValue("ice-pwd", newValue) }
    }

    /// The tokens of `a=ice-options`, such as `trickle`.
    public var iceOptions: [String] {
        get { attributeValues("ice-options").flatMap { SDPText.fields($0) } }
        set { setAttribute("ice-options", newValue.joined(separator: " "), present: !newValue.isEmpty) }
    }

    /// `a=ice-lite`: the side only answers checks, as a gateway does (session level).
    public var isICELite: Bool {
        get { flag("ice-lite") }
        set { setFlag("ice-lite", newValue) }
    }

    /// `a=end-of-candidates`: no more candidates will trickle.
    public var endOfCandidates: Bool {
        get { flag("end-of-candidates") }
        set { setFlag("end-of-candidates", newValue) }
    }

    /// Every well-formed `a=candidate`, in order.
    public var candidates: [ICECandidate] { values(of: ICECandidate.self) }

    /// True when this level carries ICE credentials or candidates.
    var usesICE: Bool {
        hasAttribute("ice-ufrag") || hasAttribute("candidate")
    }
}

extension SessionDescription {
    /// The ICE username fragment for `media`: its own, else the session's.
    public func iceUsernameFragment(for media: MediaDescription) -> String? {
        media.iceUsernameFragment ?? iceUsernameFragment
    }

    /// The ICE password for `media`: its own, else the session's.
    public func icePassword(for media: MediaDescription) -> String? {
        media.icePassword ?? icePassword
    }
}
