import ByteText

/// `Event: refer;id=93809824` (RFC 6665 §8.2.1): the event package a SUBSCRIBE or NOTIFY is about,
/// and the `id` that tells apart several subscriptions of one dialog (each REFER makes one).
public struct EventHeader: Sendable, Equatable, CustomStringConvertible {
    /// The package name, lowercased: package names compare without regard to case.
    public var package: String
    public var id: String?
    public var parameters: SIPParameters

    public init(package: String, id: String? = nil) {
        self.package = package.lowercased()
        self.id = id
        parameters = SIPParameters()
    }

    public init(_ text: String) throws(SIPParseError) {
        let parsed = try ParameterizedValue.parse(text, .event, value: ByteClass.isToken)
        package = parsed.value.lowercased()
        var rest = parsed.parameters
        id = rest["id"]
        rest.remove("id")
        parameters = rest
    }

    public var description: String {
        var text = package
        if let id { text += ";id=" + id }
        return text + parameters.serialized
    }
}

/// `Subscription-State: active;expires=60` or `terminated;reason=noresource` (RFC 6665 §8.2.3).
public struct SubscriptionState: Sendable, Equatable, CustomStringConvertible {
    public enum State: Sendable, Equatable {
        case active, pending, terminated
        /// A state this version of SIP does not define; RFC 6665 says to treat it as pending.
        case other(String)

        init(token: String) {
            switch token.lowercased() {
            case "active": self = .active
            case "pending": self = .pending
            case "terminated": self = .terminated
            default: self = .other(token)
            }
        }

        var token: String {
            switch self {
            case .active: "active"
            case .pending: "pending"
            case .terminated: "terminated"
            case .other(let token): token
            }
        }
    }

    public var state: State
    public var expires: Int?
    /// Why a subscription ended (`noresource`, `timeout`, `rejected`, ...), as written.
    public var reason: String?
    public var parameters: SIPParameters

    public init(_ state: State, expires: Int? = nil, reason: String? = nil) {
        self.state = state
        self.expires = expires
        self.reason = reason
        parameters = SIPParameters()
    }

    public init(_ text: String) throws(SIPParseError) {
        let header = HeaderName.subscriptionState
        let parsed = try ParameterizedValue.parse(text, header, value: ByteClass.isToken)
        state = State(token: parsed.value)
        var rest = parsed.parameters
        if let value = rest["expires"] {
            guard let seconds = BoundedNumber.parse(value, maximum: UInt64(UInt32.max)) else {
                throw SIPParseError(.invalidNumber, "Subscription-State expires is not a number", header: header.name)
            }
            expires = Int(seconds)
            rest.remove("expires")
        } else {
            expires = nil
        }
        reason = rest["reason"]?.lowercased()
        rest.remove("reason")
        parameters = rest
    }

    public var description: String {
        var text = state.token
        if let reason { text += ";reason=" + reason }
        if let expires { text += ";expires=" + String(expires) }
        return text + parameters.serialized
    }
}

extension SIPHeaders {
    public func event() throws(SIPParseError) -> EventHeader? { try parsed(.event, EventHeader.init) }

    public mutating func setEvent(_ value: EventHeader) { set(.event, value.description) }

    public func subscriptionState() throws(SIPParseError) -> SubscriptionState? {
        try parsed(.subscriptionState, SubscriptionState.init)
    }

    public mutating func setSubscriptionState(_ value: SubscriptionState) { set(.subscriptionState, value.description) }
}
