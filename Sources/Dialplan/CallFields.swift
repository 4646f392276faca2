/// What the dialplan knows about a new call: the fields routes match on. The gateway fills it from
/// the INVITE and the leg it arrived on.
public struct CallFields: Sendable, Equatable {
    /// Where the call came from, as far as the gateway authenticated it.
    public enum Source: Sendable, Equatable {
        /// A registered browser user.
        case user(String)
        /// A configured SIP trunk.
        case trunk(String)
        /// Anything else (an unauthenticated SIP peer).
        case other
    }

    /// The dialled user part (Request-URI user), e.g. `2001` or `bob`.
    public var destination: String
    /// The caller's number or user name (From user part, or the authenticated user).
    public var caller: String
    /// The caller's display name, empty when none.
    public var callerName: String
    public var source: Source
    /// The signalling peer's address, `192.0.2.10` or `2001:db8::1`.
    public var sourceIP: String
    /// `udp`, `tcp`, `tls`, `ws` or `wss`.
    public var transport: String
    /// The INVITE's headers in order; names compare case-insensitively.
    public var headers: [(name: String, value: String)]
    /// Variables the gateway sets before routing (visible as `${name}`).
    public var variables: [String: String]

    public init(destination: String, caller: String = "", callerName: String = "", source: Source = .other,
                sourceIP: String = "", transport: String = "udp", headers: [(name: String, value: String)] = [],
                variables: [String: String] = [:]) {
        self.destination = destination
        self.caller = caller
        self.callerName = callerName
        self.source = source
        self.sourceIP = sourceIP
        self.transport = transport
        self.headers = headers
        self.variables = variables
    }

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        for h in headers where h.name.utf8.count == name.utf8.count && Self.equalsIgnoringASCIICase(h.name, name) {
            return h.value
        }
        return nil
    }

    static func equalsIgnoringASCIICase(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8) { x, y in
            x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= 0x61 && (x | 0x20) <= 0x7A)
        }
    }

    public static func == (a: CallFields, b: CallFields) -> Bool {
        a.destination == b.destination && a.caller == b.caller && a.callerName == b.callerName
            && a.source == b.source && a.sourceIP == b.sourceIP && a.transport == b.transport
            && a.headers.elementsEqual(b.headers, by: { $0 == $1 }) && a.variables == b.variables
    }
}
