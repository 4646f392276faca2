/// One thing for the gateway to do, in order. A step that fails (a bridge whose targets all fail)
/// moves on to the next; `reject` and `hangup` end the call.
public enum PlanStep: Sendable, Equatable {
    /// Send 200 OK to the caller.
    case answer
    /// Send the caller's audio back to them.
    case echo
    case tone(Tone)
    /// Play an audio file (path relative to the gateway's sounds folder).
    case playback(String)
    case bridge(BridgeStep)
    case reject(code: Int, reason: String?)
    case hangup(code: Int?, reason: String?)
    case log(LogLevel, String)

    /// The element name, as `expect-plan` lists steps.
    public var name: String {
        switch self {
        case .answer: "answer"
        case .echo: "echo"
        case .tone: "tone"
        case .playback: "playback"
        case .bridge: "bridge"
        case .reject: "reject"
        case .hangup: "hangup"
        case .log: "log"
        }
    }
}

/// One event of an evaluation, for people reading why a call went where it went.
public struct TraceLine: Sendable {
    public enum Event: Sendable {
        case context(name: String, destination: String)
        case unknownContext(String)
        case route(name: String, location: SourceLocation)
        /// A `<match>`: the value seen (nil when the header or variable is absent) and the outcome.
        case test(FieldMatch, value: String?, passed: Bool)
        case time(TimeWindow, negated: Bool, location: SourceLocation, passed: Bool)
        /// The outcome of an `<any>`, `<all>` or `<not>`.
        case group(kind: String, location: SourceLocation, passed: Bool)
        case matched(route: String, continues: Bool)
        case elseBranch(route: String)
        case action(String, location: SourceLocation)
        case enterGroup(String, location: SourceLocation)
        case transfer(context: String, destination: String)
        case note(String)
    }

    /// Nesting, for indentation.
    public var depth: Int
    public var event: Event
}

/// What routing decided: the steps to carry out, why (the trace), and the state at the end.
public struct RoutingResult: Sendable {
    public var plan: [PlanStep]
    public var trace: [TraceLine]
    /// Variables at the end of routing (the call's own plus those routes set).
    public var variables: [String: String]
    /// Names of the routes that ran actions, in order.
    public var matchedRoutes: [String]
    /// The context routing ended in (differs from the first after a transfer).
    public var context: String
    /// The destination after any transfer rewrote it.
    public var destination: String
    /// Settings in force at the end, for plans without a bridge (echo, tone).
    public var media: MediaPolicy
    public var maxDuration: Duration?
    public var headers: [HeaderEdit]
    public var callerID: CallerID?

    /// The first bridge step, the usual question "where does this call go".
    public var firstBridge: BridgeStep? {
        for step in plan { if case .bridge(let b) = step { return b } }
        return nil
    }
}
