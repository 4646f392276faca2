/// A change to the outbound leg's SIP headers, expanded.
public enum HeaderEdit: Sendable, Equatable, CustomStringConvertible {
    /// Append a header, keeping any of the same name.
    case add(name: String, value: String)
    /// Replace every header of that name with this one.
    case set(name: String, value: String)
    case remove(name: String)

    public var description: String {
        switch self {
        case .add(let n, let v): "add \(n): \(v)"
        case .set(let n, let v): "set \(n): \(v)"
        case .remove(let n): "remove \(n)"
        }
    }
}

/// The caller identity to present on the outbound leg.
public struct CallerID: Sendable, Equatable, CustomStringConvertible {
    public var number: String?
    public var name: String?

    public init(number: String? = nil, name: String? = nil) {
        self.number = number
        self.name = name
    }

    public var description: String {
        switch (number, name) {
        case let (n?, m?): "\"\(m)\" <\(n)>"
        case let (n?, nil): n
        case let (nil, m?): "\"\(m)\""
        case (nil, nil): "unchanged"
        }
    }
}

/// Severity of a `<log>` line, mapped by the gateway onto its logger.
public enum LogLevel: String, Sendable, Equatable, CaseIterable {
    case debug, info, notice, warning, error
}

/// One action element inside a route (or its `<else>`), as written.
public struct Action: Sendable {
    /// What the action does.
    public enum Kind: Sendable {
        case set(name: String, value: Template)
        case unset(name: String)
        case header(HeaderSpec)
        case callerID(number: Template?, name: Template?)
        case bridge(BridgeSpec)
        case answer
        case echo
        case tone(Tone)
        case playback(Template)
        /// Refuse the call with a final response.
        case reject(code: Int, reason: Template?)
        /// End the call: BYE if answered, otherwise the final response given (default 480).
        case hangup(code: Int?, reason: Template?)
        /// Continue routing in another context, optionally with a new destination.
        case transfer(context: String, destination: Template?)
        case media(MediaPolicy)
        case maxDuration(Duration)
        case log(LogLevel, Template)
        /// Run a `<route-group>`'s routes here, then carry on with this route's actions.
        case callGroup(String)
    }

    /// `<add-header>`, `<set-header>` or `<remove-header>` as written.
    public enum HeaderSpec: Sendable {
        case add(name: String, value: Template)
        case set(name: String, value: Template)
        case remove(name: String)
    }

    public var kind: Kind
    public var location: SourceLocation
    /// Where the attribute that names another thing (context, group) is, for reference errors.
    public var referenceLocation: SourceLocation?

    /// Whether nothing after this action can run.
    var isTerminal: Bool {
        switch kind {
        case .reject, .hangup, .transfer: true
        default: false
        }
    }
}
