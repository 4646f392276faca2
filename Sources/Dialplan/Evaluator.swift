import ByteText
import Foundation

/// One routing run. A value type with everything it touches, so evaluation is pure and a dialplan
/// can route any number of calls at once on any threads.
struct Evaluation {
    /// How deep transfers and route groups may nest before routing is treated as a loop.
    static let maxJumps = 16

    let dialplan: Dialplan
    var call: CallFields
    let startContext: String
    let at: Date
    var variables: [String: String]
    var plan: [PlanStep] = []
    var trace: [TraceLine] = []
    var headers: [HeaderEdit] = []
    var callerID: CallerID?
    var media = MediaPolicy()
    var maxDuration: Duration?
    var matchedRoutes: [String] = []
    var context: String
    var route = ""
    var depth = 0
    var jumps = 0
    private var localTimes: [(zone: TimeZone, time: LocalTime)] = []
    private var parsedSourceIP: (text: String, address: IPAddress?)?

    init(dialplan: Dialplan, call: CallFields, context: String, at: Date) {
        self.dialplan = dialplan
        self.call = call
        self.startContext = context
        self.context = context
        self.at = at
        self.variables = call.variables
        trace.reserveCapacity(64)
    }

    /// What a route or group tells its caller.
    enum Flow {
        /// Nothing stopped routing: try the next route.
        case next
        /// A route ran and did not say continue: stop this context (or group).
        case stop
        /// The call is decided (reject, hangup, transfer done): stop everything.
        case end
    }

    mutating func run() -> RoutingResult {
        _ = runContext(startContext)
        if !plan.contains(where: { if case .log = $0 { false } else { true } }) {
            note(matchedRoutes.isEmpty ? "no route matched: reject 404" : "no route handled the call: reject 404")
            plan.append(.reject(code: 404, reason: "Not Found"))
        }
        return RoutingResult(
            plan: plan, trace: trace, variables: variables, matchedRoutes: matchedRoutes, context: context,
            destination: call.destination, media: media, maxDuration: maxDuration, headers: headers, callerID: callerID)
    }

    private mutating func record(_ event: TraceLine.Event) {
        trace.append(TraceLine(depth: depth, event: event))
    }

    private mutating func note(_ text: String) {
        record(.note(text))
    }

    mutating func runContext(_ name: String) -> Flow {
        guard let ctx = dialplan.contexts[name] else {
            record(.unknownContext(name))
            plan.append(.reject(code: 404, reason: "Not Found"))
            return .end
        }
        context = name
        record(.context(name: name, destination: call.destination))
        depth += 1
        defer { depth -= 1 }
        return runEntries(ctx.entries)
    }

    private mutating func runEntries(_ entries: [RouteEntry]) -> Flow {
        for entry in entries {
            let flow: Flow
            switch entry {
            case .route(let r):
                flow = runRoute(r)
            case .use(let name, let location):
                flow = runGroup(name, location: location)
            }
            if case .next = flow { continue }
            return flow
        }
        return .next
    }

    private mutating func runGroup(_ name: String, location: SourceLocation) -> Flow {
        guard let group = dialplan.routeGroups[name] else {
            note("route group \"\(name)\" does not exist")
            return .next
        }
        guard jumps < Self.maxJumps else { return loop() }
        jumps += 1
        record(.enterGroup(name, location: location))
        depth += 1
        let flow = runEntries(group.entries)
        depth -= 1
        jumps -= 1
        return flow
    }

    private mutating func loop() -> Flow {
        note("routing nested more than \(Self.maxJumps) transfers or groups deep: reject 482")
        plan.append(.reject(code: 482, reason: "Loop Detected"))
        return .end
    }

    private mutating func runRoute(_ r: Route) -> Flow {
        record(.route(name: r.name, location: r.location))
        depth += 1
        defer { depth -= 1 }
        var captures = Captures()
        var passed = true
        for c in r.conditions where !test(c, &captures) {
            passed = false
            break
        }
        let actions: [Action]
        if passed {
            record(.matched(route: r.name, continues: r.continues))
            actions = r.actions
        } else if let elseActions = r.elseActions {
            record(.elseBranch(route: r.name))
            actions = elseActions
            captures = Captures()
        } else {
            return .next
        }
        matchedRoutes.append(r.name)
        let outer = route
        route = r.name
        defer { route = outer }
        if case .end = runActions(actions, captures) { return .end }
        return r.continues ? .next : .stop
    }

    // MARK: tests

    private mutating func test(_ c: Condition, _ captures: inout Captures) -> Bool {
        switch c {
        case .match(let m):
            let value = self.value(of: m.field)
            var scratch = captures
            var ok = check(m.test, value: value, field: m.field, &scratch)
            if m.negated {
                ok.toggle()
            } else if ok {
                captures = scratch
            }
            record(.test(m, value: value, passed: ok))
            return ok
        case .time(let window, let negated, let location):
            let ok = timeContains(window) != negated
            record(.time(window, negated: negated, location: location, passed: ok))
            return ok
        case .all(let items, let location):
            depth += 1
            var scratch = captures
            let ok = items.allSatisfy { test($0, &scratch) }
            depth -= 1
            if ok { captures = scratch }
            record(.group(kind: "all", location: location, passed: ok))
            return ok
        case .any(let items, let location):
            depth += 1
            var ok = false
            for item in items {
                var scratch = captures
                if test(item, &scratch) {
                    captures = scratch
                    ok = true
                    break
                }
            }
            depth -= 1
            record(.group(kind: "any", location: location, passed: ok))
            return ok
        case .not(let items, let location):
            depth += 1
            var scratch = captures
            let ok = !items.allSatisfy { test($0, &scratch) }
            depth -= 1
            record(.group(kind: "not", location: location, passed: ok))
            return ok
        }
    }

    private mutating func check(_ t: FieldTest, value: String?, field: Field, _ captures: inout Captures) -> Bool {
        switch t {
        case .pattern(let p):
            guard let value else { return false }
            return p.match(value, into: &captures)
        case .equals(let template, let ignoreCase):
            guard let value else { return false }
            let expected = expand(template, captures)
            return ignoreCase ? value.lowercased() == expected.lowercased() : value == expected
        case .cidr(let blocks):
            guard let value, let address = address(value) else { return false }
            return blocks.contains { $0.contains(address) }
        case .present(let wanted):
            switch field {
            case .header, .variable: return (value != nil) == wanted
            default: return !(value ?? "").isEmpty == wanted
            }
        }
    }

    private mutating func address(_ text: String) -> IPAddress? {
        if let cached = parsedSourceIP, cached.text == text { return cached.address }
        let a = IPAddress(text)
        parsedSourceIP = (text, a)
        return a
    }

    private mutating func timeContains(_ w: TimeWindow) -> Bool {
        if let cached = localTimes.first(where: { $0.zone == w.timeZone }) { return w.contains(cached.time) }
        let t = LocalTime(at, in: w.timeZone)
        localTimes.append((w.timeZone, t))
        return w.contains(t)
    }

    func value(of field: Field) -> String? {
        switch field {
        case .destination: call.destination
        case .caller: call.caller
        case .callerName: call.callerName
        case .sourceIP: call.sourceIP
        case .transport: call.transport
        case .trunk: if case .trunk(let t) = call.source { t } else { "" }
        case .user: if case .user(let u) = call.source { u } else { "" }
        case .source:
            switch call.source {
            case .user: "user"
            case .trunk: "trunk"
            case .other: "other"
            }
        case .header(let name): call.header(name)
        case .variable(let name): variables[name]
        }
    }

    /// Names `${...}` resolves to after captures and variables: the call's fields.
    static let builtinNames: Set<String> = [
        "destination", "caller", "caller_name", "source_ip", "transport", "trunk", "user", "source", "context", "route",
    ]

    func builtin(_ name: String) -> String? {
        switch name {
        case "destination": call.destination
        case "caller": call.caller
        case "caller_name": call.callerName
        case "source_ip": call.sourceIP
        case "transport": call.transport
        case "trunk": value(of: .trunk)
        case "user": value(of: .user)
        case "source": value(of: .source)
        case "context": context
        case "route": route
        default: nil
        }
    }

    func expand(_ t: Template, _ captures: Captures) -> String {
        if t.parts.count == 1, case .literal(let s) = t.parts[0] { return s }
        var out = ""
        for part in t.parts {
            switch part {
            case .literal(let s): out += s
            case .capture(let i): if i < captures.numbered.count { out += captures.numbered[i] }
            case .name(let n): out += captures.value(named: n) ?? variables[n] ?? builtin(n) ?? ""
            case .header(let h): out += call.header(h) ?? ""
            }
        }
        return out
    }

    // MARK: actions

    private mutating func runActions(_ actions: [Action], _ captures: Captures) -> Flow {
        for a in actions {
            switch a.kind {
            case .set(let name, let value):
                let v = expand(value, captures)
                variables[name] = v
                record(.action("set \(name) = \"\(v)\"", location: a.location))
            case .unset(let name):
                variables[name] = nil
                record(.action("unset \(name)", location: a.location))
            case .header(let spec):
                let edit: HeaderEdit
                switch spec {
                case .add(let n, let v): edit = .add(name: n, value: expand(v, captures))
                case .set(let n, let v): edit = .set(name: n, value: expand(v, captures))
                case .remove(let n): edit = .remove(name: n)
                }
                headers.append(edit)
                record(.action("header \(edit)", location: a.location))
            case .callerID(let number, let name):
                var id = callerID ?? CallerID()
                if let number { id.number = expand(number, captures) }
                if let name { id.name = expand(name, captures) }
                callerID = id
                record(.action("caller-id \(id)", location: a.location))
            case .bridge(let spec):
                let step = resolve(spec, captures)
                plan.append(.bridge(step))
                record(.action("bridge " + step.legs.map(\.target.description).joined(separator: " "), location: a.location))
            case .answer:
                plan.append(.answer)
                record(.action("answer", location: a.location))
            case .echo:
                plan.append(.echo)
                record(.action("echo", location: a.location))
            case .tone(let tone):
                plan.append(.tone(tone))
                record(.action("tone \(tone)", location: a.location))
            case .playback(let file):
                let f = expand(file, captures)
                plan.append(.playback(f))
                record(.action("playback \(f)", location: a.location))
            case .reject(let code, let reason):
                let r = reason.map { expand($0, captures) }
                plan.append(.reject(code: code, reason: r))
                record(.action("reject \(code)" + (r.map { " \($0)" } ?? ""), location: a.location))
                return .end
            case .hangup(let code, let reason):
                let r = reason.map { expand($0, captures) }
                plan.append(.hangup(code: code, reason: r))
                record(.action("hangup" + (code.map { " \($0)" } ?? "") + (r.map { " \($0)" } ?? ""), location: a.location))
                return .end
            case .transfer(let target, let destination):
                if let destination { call.destination = expand(destination, captures) }
                record(.transfer(context: target, destination: call.destination))
                guard jumps < Self.maxJumps else { return loop() }
                jumps += 1
                depth += 1
                // Whatever the other context decides is the call's outcome; nothing here runs after it.
                _ = runContext(target)
                depth -= 1
                return .end
            case .media(let policy):
                media = media.merged(with: policy)
                record(.action("media \(media)", location: a.location))
            case .maxDuration(let d):
                maxDuration = d
                record(.action("max-duration \(DurationText.format(d))", location: a.location))
            case .log(let level, let message):
                let m = expand(message, captures)
                plan.append(.log(level, m))
                record(.action("log \(level.rawValue): \(m)", location: a.location))
            case .callGroup(let name):
                if case .end = runGroup(name, location: a.location) { return .end }
            }
        }
        return .next
    }

    private func resolve(_ spec: BridgeSpec, _ captures: Captures) -> BridgeStep {
        let legs = spec.targets.map { t -> BridgeLeg in
            let target: BridgeTarget
            switch t.kind {
            case .trunk(let name, let user): target = .trunk(name: name, user: expand(user, captures))
            case .uri(let uri): target = .uri(expand(uri, captures))
            case .user(let user): target = .user(expand(user, captures))
            case .userGroup(let name): target = .users(group: name, members: dialplan.userGroups[name]?.members ?? [])
            }
            return BridgeLeg(target: target, timeout: t.timeout)
        }
        return BridgeStep(
            mode: spec.mode, legs: legs, timeout: spec.timeout, failover: spec.failover, headers: headers,
            callerID: callerID, media: media, maxDuration: maxDuration)
    }
}
