/// DTLS-SRTP attributes (RFC 5763, RFC 8842), at session or media level.
extension AttributeCarrying {
    /// The first well-formed `a=fingerprint`.
    public var fingerprint: Fingerprint? {
        get { firstValue(of: Fingerprint.self) }
        set { setValue(newValue) }
    }

    /// Every `a=fingerprint`; a peer may offer one per hash function.
    public var fingerprints: [Fingerprint] { values(of: Fingerprint.self) }

    /// `a=setup`.
    public var setupRole: SetupRole? {
        get { firstValue(of: SetupRole.self) }
        set { setValue(newValue) }
    }
}

extension SessionDescription {
    /// The fingerprint for `media`: its own, else the session's.
    public func fingerprint(for media: MediaDescription) -> Fingerprint? {
        media.fingerprint ?? fingerprint
    }

    /// The setup role for `media`: its own, else the session's.
    public func setupRole(for media: MediaDescription) -> SetupRole? {
        media.setupRole ?? setupRole
    }
}
