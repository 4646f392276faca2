/// Text for people: the trace and plan `tandem dialplan route` prints, and test failure details.
extension RoutingResult {
    /// One line per trace event, indented by nesting.
    public func traceText() -> String {
        trace.map { line in String(repeating: "  ", count: line.depth) + line.text }.joined(separator: "\n")
    }

    /// The plan as numbered steps, with what each bridge carries.
    public func planText() -> String {
        var out: [String] = []
        for (i, step) in plan.enumerated() {
            let n = "\(i + 1). "
            let pad = String(repeating: " ", count: n.count)
            switch step {
            case .bridge(let b):
                var head = "bridge, \(b.mode.rawValue)"
                if let t = b.timeout { head += ", ring \(DurationText.format(t))" + (b.mode == .failover ? " each" : "") }
                if b.mode == .failover && b.legs.count > 1 { head += "; next target on \(b.failover)" }
                out.append(n + head)
                for (k, leg) in b.legs.enumerated() {
                    var line = "\(k + 1)) " + leg.target.text
                    if let t = leg.timeout { line += " (ring \(DurationText.format(t)))" }
                    out.append(pad + line)
                }
                if !b.headers.isEmpty { out.append(pad + "headers: " + b.headers.map(\.description).joined(separator: "; ")) }
                if let id = b.callerID { out.append(pad + "caller id: \(id)") }
                if !b.media.isDefault { out.append(pad + "media: \(b.media)") }
                if let d = b.maxDuration { out.append(pad + "max duration: \(DurationText.format(d))") }
            default:
                out.append(n + step.text)
            }
        }
        if plan.contains(where: { if case .bridge = $0 { false } else { true } }) && !plan.contains(where: { if case .bridge = $0 { true } else { false } }) {
            if !media.isDefault { out.append("media: \(media)") }
            if let d = maxDuration { out.append("max duration: \(DurationText.format(d))") }
        }
        return out.joined(separator: "\n")
    }
}

extension PlanStep {
    /// The step on one line (bridges say more in `planText`).
    public var text: String {
        switch self {
        case .answer: "answer"
        case .echo: "echo"
        case .tone(let t): "tone \(t)"
        case .playback(let f): "playback \(f)"
        case .bridge(let b): "bridge " + b.legs.map(\.target.description).joined(separator: " ")
        case .reject(let code, let reason): "reject \(code)" + (reason.map { " \($0)" } ?? "")
        case .hangup(let code, let reason): "hangup" + (code.map { " \($0)" } ?? "") + (reason.map { " \($0)" } ?? "")
        case .log(let level, let message): "log \(level.rawValue): \(message)"
        }
    }
}

extension BridgeTarget {
    /// Plainer than `description`, for plans.
    var text: String {
        switch self {
        case .trunk(let name, let user): "trunk \(name), user \(user)"
        case .uri(let uri): "uri \(uri)"
        case .user(let user): "browser user \(user)"
        case .users(let group, let members): "user group \(group) (\(members.joined(separator: ", ")), rung together)"
        }
    }
}

extension TraceLine {
    /// The event on one line.
    public var text: String {
        switch event {
        case .context(let name, let destination): return "context \(name), destination \"\(destination)\""
        case .unknownContext(let name): return "context \(name) does not exist: reject 404"
        case .route(let name, let location): return "route \(name)  (\(location))"
        case .test(let m, let value, let passed):
            let shown = value.map { "\"\($0)\"" } ?? "(absent)"
            let verdict = passed ? "PASS" : "FAIL"
            return "\(verdict)  \(m.negated ? "not " : "")\(m.field) \(shown) \(m.test.text)"
        case .time(let w, let negated, _, let passed):
            return "\(passed ? "PASS" : "FAIL")  \(negated ? "not " : "")time \(w.source)"
        case .group(let kind, _, let passed): return "\(passed ? "PASS" : "FAIL")  <\(kind)>"
        case .matched(_, let continues): return continues ? "matched, continuing" : "matched, stop"
        case .elseBranch: return "tests failed: running <else>"
        case .action(let text, _): return "→ \(text)"
        case .enterGroup(let name, _): return "route group \(name)"
        case .transfer(let context, let destination): return "→ transfer to context \(context), destination \"\(destination)\""
        case .note(let text): return text
        }
    }
}

extension FieldTest {
    var text: String {
        switch self {
        case .pattern(let p): "~ \(p)"
        case .equals(let t, let ignoreCase): "= \"\(t.source)\"" + (ignoreCase ? " (ignoring case)" : "")
        case .cidr(let blocks): "in " + blocks.map(\.source).joined(separator: " ")
        case .present(let wanted): wanted ? "is present" : "is absent"
        }
    }
}
