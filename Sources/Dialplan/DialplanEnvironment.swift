/// What the dialplan may refer to outside itself: the config's trunk and user names. The checker
/// refuses a literal reference to a name not listed; dynamic ones (`user="$1"`) are the gateway's to
/// resolve per call. The gateway fills this from its config
/// (`DialplanEnvironment(trunks: Set(config.trunks.map(\.name)), users: Set(config.users.map(\.name)))`).
public struct DialplanEnvironment: Sendable, Equatable {
    /// nil when unknown: trunk references are then not checked.
    public var trunks: Set<String>?
    /// nil when unknown: user references are then not checked.
    public var users: Set<String>?

    public init(trunks: Set<String>?, users: Set<String>?) {
        self.trunks = trunks
        self.users = users
    }

    /// Checks nothing outside the dialplan itself: for tools run without the config.
    public static let unchecked = DialplanEnvironment(trunks: nil, users: nil)
}
