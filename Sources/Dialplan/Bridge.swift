/// How a `<bridge>` uses its targets.
public enum BridgeMode: String, Sendable, Equatable {
    /// One after another, moving on when a target fails with a listed code or times out.
    case failover
    /// All at once; the first to answer wins and the others are cancelled.
    case parallel
}

/// Which failures move a failover bridge to its next target: SIP codes and code ranges, and
/// whether a target's timeout counts.
public struct FailoverPolicy: Sendable, Equatable, CustomStringConvertible {
    public var codes: [ClosedRange<Int>]
    public var onTimeout: Bool

    public init(codes: [ClosedRange<Int>], onTimeout: Bool) {
        self.codes = codes
        self.onTimeout = onTimeout
    }

    /// `timeout 408 480 500 502 503 504`: the peer is unreachable or overloaded, but busy (486),
    /// declined (603) and not-found (404) are the callee's answer and end the bridge.
    public static let `default` = FailoverPolicy(
        codes: [408...408, 480...480, 500...500, 502...504], onTimeout: true)

    /// Whether a final response `code` (or a timeout, when nil) moves on to the next target.
    public func retries(on code: Int?) -> Bool {
        guard let code else { return onTimeout }
        return codes.contains { $0.contains(code) }
    }

    /// Parses `timeout 486 5xx 600-603`.
    static func parse(_ text: String) -> FailoverPolicy? {
        var codes: [ClosedRange<Int>] = []
        var timeout = false
        for word in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" || $0 == "\n" }) {
            if word == "timeout" {
                timeout = true
            } else if word.count == 3, word.hasSuffix("xx"), let d = word.first?.wholeNumberValue, (3...6).contains(d) {
                codes.append(d * 100...d * 100 + 99)
            } else if let dash = word.firstIndex(of: "-"), let a = Int(word[..<dash]), let b = Int(word[word.index(after: dash)...]),
                      (300...699).contains(a), (300...699).contains(b), a <= b {
                codes.append(a...b)
            } else if let c = Int(word), (300...699).contains(c) {
                codes.append(c...c)
            } else {
                return nil
            }
        }
        return FailoverPolicy(codes: codes, onTimeout: timeout)
    }

    public var description: String {
        var words = codes.map { $0.count == 1 ? "\($0.lowerBound)" : ($0.count == 100 && $0.lowerBound % 100 == 0 ? "\($0.lowerBound / 100)xx" : "\($0.lowerBound)-\($0.upperBound)") }
        if onTimeout { words.insert("timeout", at: 0) }
        return words.isEmpty ? "nothing" : words.joined(separator: " ")
    }
}

/// A `<target>` as written: which kind, with templates still to expand.
public struct BridgeTargetSpec: Sendable {
    public enum Kind: Sendable {
        /// A configured trunk, with the user part to call there (default `${destination}`).
        case trunk(name: String, user: Template)
        /// Any SIP URI.
        case uri(Template)
        /// A registered browser user.
        case user(Template)
        /// A `<user-group>`: its members ring together as one target.
        case userGroup(String)
    }

    public var kind: Kind
    /// Overrides the bridge's timeout for this target.
    public var timeout: Duration?
    public var location: SourceLocation
    /// Where the attribute naming the trunk, user or group is, for reference errors.
    public var referenceLocation: SourceLocation
}

/// A target after expansion: what the gateway dials.
public enum BridgeTarget: Sendable, Equatable, CustomStringConvertible {
    case trunk(name: String, user: String)
    case uri(String)
    case user(String)
    /// A group of browser users, rung in parallel as one target.
    case users(group: String, members: [String])

    /// `trunk:pbx/2001`, `uri:sip:x@y`, `user:alice`, `group:sales`: the form `expect-bridge` uses.
    public var description: String {
        switch self {
        case .trunk(let name, let user): "trunk:\(name)/\(user)"
        case .uri(let uri): "uri:\(uri)"
        case .user(let user): "user:\(user)"
        case .users(let group, _): "group:\(group)"
        }
    }
}

/// A `<bridge>` as written.
public struct BridgeSpec: Sendable {
    public var mode: BridgeMode
    /// Ring time per target (failover) or for all (parallel); nil is the gateway's default.
    public var timeout: Duration?
    public var failover: FailoverPolicy
    public var targets: [BridgeTargetSpec]
}

/// One target of a bridge step, with the time it may ring.
public struct BridgeLeg: Sendable, Equatable {
    public var target: BridgeTarget
    public var timeout: Duration?

    public init(target: BridgeTarget, timeout: Duration?) {
        self.target = target
        self.timeout = timeout
    }
}

/// The outbound call to place: targets and how to use them, plus everything set on the way
/// (headers, caller ID, media policy, call limit), captured when the bridge was reached.
public struct BridgeStep: Sendable, Equatable {
    public var mode: BridgeMode
    public var legs: [BridgeLeg]
    public var timeout: Duration?
    public var failover: FailoverPolicy
    /// Header edits for the outbound INVITE, in order.
    public var headers: [HeaderEdit]
    /// Caller ID to present, nil to pass the caller's through.
    public var callerID: CallerID?
    public var media: MediaPolicy
    public var maxDuration: Duration?
}
