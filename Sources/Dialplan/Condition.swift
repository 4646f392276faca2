/// A call field a `<match>` reads.
public enum Field: Sendable, Equatable, CustomStringConvertible {
    case destination
    case caller
    case callerName
    case sourceIP
    case transport
    /// The source trunk's name, empty when the call did not come from a trunk.
    case trunk
    /// The source user's name, empty when the call did not come from a browser user.
    case user
    /// `user`, `trunk` or `other`.
    case source
    case header(String)
    case variable(String)

    /// The names `field="..."` accepts.
    static let byName: [String: Field] = [
        "destination": .destination, "caller": .caller, "caller-name": .callerName, "source-ip": .sourceIP,
        "transport": .transport, "trunk": .trunk, "user": .user, "source": .source,
    ]

    public var description: String {
        switch self {
        case .destination: "destination"
        case .caller: "caller"
        case .callerName: "caller-name"
        case .sourceIP: "source-ip"
        case .transport: "transport"
        case .trunk: "trunk"
        case .user: "user"
        case .source: "source"
        case .header(let h): "header \(h)"
        case .variable(let v): "var \(v)"
        }
    }
}

/// How a `<match>` tests its field's value.
public enum FieldTest: Sendable {
    case pattern(Pattern)
    /// Exact comparison, after expanding the template (so `equals="${caller}"` compares two fields).
    case equals(Template, ignoreCase: Bool)
    /// Address blocks for `source-ip`; any one containing the address passes.
    case cidr([CIDR])
    /// Whether the header or variable is there at all.
    case present(Bool)
}

/// One `<match>` element. A class, so routing and traces share it instead of copying its fields.
public final class FieldMatch: Sendable {
    public let field: Field
    public let test: FieldTest
    /// `not="true"`: passes when the test fails.
    public let negated: Bool
    public let location: SourceLocation

    init(field: Field, test: FieldTest, negated: Bool, location: SourceLocation) {
        self.field = field
        self.test = test
        self.negated = negated
        self.location = location
    }
}

/// A route's test: `<match>`, `<time>`, or a group of tests.
public indirect enum Condition: Sendable {
    case match(FieldMatch)
    case time(TimeWindow, negated: Bool, location: SourceLocation)
    /// `<all>`: every test passes (the route's own list of tests is an implicit `all`).
    case all([Condition], location: SourceLocation)
    /// `<any>`: at least one passes; the first that passes supplies captures.
    case any([Condition], location: SourceLocation)
    /// `<not>`: not all of them pass.
    case not([Condition], location: SourceLocation)

    public var location: SourceLocation {
        switch self {
        case .match(let m): m.location
        case .time(_, _, let l), .all(_, let l), .any(_, let l), .not(_, let l): l
        }
    }
}
