import Foundation

/// A `<test>` element: a call to route and what should happen to it. `tandem dialplan test` runs them.
public struct DialplanTestCase: Sendable {
    public var name: String
    public var location: SourceLocation
    public var context: String
    public var call: CallFields
    /// When the call happens; without `at`, `DialplanTestCase.defaultTime`.
    public var at: Date
    /// Route names that must all have run actions; empty means none may have.
    public var expectRoutes: [String]?
    /// The first bridge's targets as `trunk:pbx/2001 user:alice uri:sip:... group:sales`.
    public var expectBridge: String?
    /// The status the call must be rejected (or hung up) with.
    public var expectReject: Int?
    /// Step names the plan must be, in order (`answer echo`), ignoring `log` steps unless listed.
    public var expectPlan: [String]?
    /// Variables that must hold these values at the end.
    public var expectVariables: [String: String]

    /// Monday 2026-01-05 12:00 UTC: a fixed working-day noon, so tests do not depend on the clock.
    public static let defaultTime = Date(timeIntervalSince1970: 1_767_614_400)
}

/// ISO 8601 instants as tests and `--at` write them: `2026-03-29T01:30:00Z`, `2026-03-29T03:30+02:00`.
/// The offset is required: a bare local time is ambiguous around DST changes.
public enum Timestamp {
    public static func parse(_ text: String) -> Date? {
        let t = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= t.count else { return nil }
            var v = 0
            for b in t[from..<(from + count)] {
                guard b >= 0x30 && b <= 0x39 else { return nil }
                v = v * 10 + Int(b - 0x30)
            }
            return v
        }
        guard t.count >= 17, let y = number(0, 4), t[4] == UInt8(ascii: "-"), let mo = number(5, 2), t[7] == UInt8(ascii: "-"),
              let d = number(8, 2), t[10] == UInt8(ascii: "T") || t[10] == UInt8(ascii: " "),
              let h = number(11, 2), t[13] == UInt8(ascii: ":"), let mi = number(14, 2) else { return nil }
        var i = 16
        var s = 0
        if i < t.count, t[i] == UInt8(ascii: ":") {
            guard let sec = number(i + 1, 2) else { return nil }
            s = sec
            i += 3
        }
        let offset: Int
        if i < t.count, t[i] == UInt8(ascii: "Z") || t[i] == UInt8(ascii: "z") {
            offset = 0
            i += 1
        } else if i < t.count, t[i] == UInt8(ascii: "+") || t[i] == UInt8(ascii: "-") {
            guard let oh = number(i + 1, 2), i + 3 < t.count, t[i + 3] == UInt8(ascii: ":"), let om = number(i + 4, 2),
                  oh <= 14, om < 60 else { return nil }
            offset = (t[i] == UInt8(ascii: "-") ? -1 : 1) * (oh * 3600 + om * 60)
            i += 6
        } else {
            return nil
        }
        let monthLengths = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard i == t.count, (1...12).contains(mo), d >= 1, d <= monthLengths[mo - 1], h < 24, mi < 60, s < 61 else { return nil }
        // Days from civil date, after Howard Hinnant's `days_from_civil`.
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Date(timeIntervalSince1970: Double(days * 86400 + h * 3600 + mi * 60 + s - offset))
    }
}

extension Compiler {
    mutating func compileTest(_ node: XMLElementNode, context enclosing: String?) -> DialplanTestCase? {
        allow(node, ["name", "context", "to", "from", "from-name", "user", "trunk", "source-ip", "transport", "at",
                     "expect-route", "expect-bridge", "expect-reject", "expect-plan"])
        noText(node)
        var headers: [(name: String, value: String)] = []
        var variables: [String: String] = [:]
        var expectVariables: [String: String] = [:]
        for child in node.children {
            switch child.name {
            case "header":
                allow(child, ["name", "value"])
                if let n = required(child, "name") { headers.append((n, child.attribute("value") ?? "")) }
            case "var", "expect-var":
                allow(child, ["name", "value"])
                if let n = required(child, "name") {
                    if child.name == "var" { variables[n] = child.attribute("value") ?? "" } else { expectVariables[n] = child.attribute("value") ?? "" }
                }
            default:
                error(child, nil, "unknown element <\(child.name)> in <test> (expected <header>, <var>, <expect-var>)")
            }
        }
        guard let context = node.attribute("context") ?? enclosing else {
            error(node, nil, "a <test> outside a <context> needs context=\"...\"")
            return nil
        }
        if node.attribute("context") != nil, enclosing != nil {
            error(node, "context", "a <test> inside a <context> tests that context; move it out to test another")
        }
        guard let to = required(node, "to") else { return nil }
        let source: CallFields.Source
        switch (node.attribute("user"), node.attribute("trunk")) {
        case let (u?, nil): source = .user(u)
        case let (nil, t?): source = .trunk(t)
        case (nil, nil): source = .other
        case (_?, _?):
            error(node, "trunk", "a test call comes from a user or a trunk, not both")
            return nil
        }
        let transport = node.attribute("transport") ?? {
            switch source {
            case .user: "ws"
            default: "udp"
            }
        }()
        var at = DialplanTestCase.defaultTime
        if let text = node.attribute("at") {
            guard let date = Timestamp.parse(text) else {
                error(node, "at", "\"\(text)\" is not a time such as 2026-03-29T01:30:00Z or 2026-03-29T03:30+02:00")
                return nil
            }
            at = date
        }
        var expectReject: Int? = nil
        if let r = node.attribute("expect-reject") {
            guard let code = Int(r), (400...699).contains(code) else {
                error(node, "expect-reject", "expect-reject is a SIP status 400-699, not \"\(r)\"")
                return nil
            }
            expectReject = code
        }
        let words = { (s: String) in s.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) }
        let expectRoutes = node.attribute("expect-route").map(words)
        let expectPlan = node.attribute("expect-plan").map(words)
        if let plan = expectPlan {
            let known = ["answer", "echo", "tone", "playback", "bridge", "reject", "hangup", "log"]
            for step in plan where !known.contains(step) {
                error(node, "expect-plan", "unknown step \"\(step)\" in expect-plan (known: \(known.joined(separator: ", ")))")
            }
        }
        let hasExpectation = expectRoutes != nil || node.attribute("expect-bridge") != nil || expectReject != nil
            || expectPlan != nil || !expectVariables.isEmpty
        if !hasExpectation {
            error(node, nil, "<test> expects nothing: add expect-route, expect-bridge, expect-reject, expect-plan or <expect-var>")
        }
        let call = CallFields(
            destination: to, caller: node.attribute("from") ?? "", callerName: node.attribute("from-name") ?? "",
            source: source, sourceIP: node.attribute("source-ip") ?? "127.0.0.1", transport: transport,
            headers: headers, variables: variables)
        let name = node.attribute("name") ?? "\(context) to \(to)" + (node.attribute("from").map { " from \($0)" } ?? "")
        return DialplanTestCase(
            name: name, location: location(node), context: context, call: call, at: at, expectRoutes: expectRoutes,
            expectBridge: node.attribute("expect-bridge"), expectReject: expectReject, expectPlan: expectPlan,
            expectVariables: expectVariables)
    }
}
