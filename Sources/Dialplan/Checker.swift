/// Cross-file checks after compiling: references to contexts, route groups, user groups, trunks and
/// users; routes nothing can reach; cycles of route groups; and `$N` beyond a route's groups.
struct Checker {
    let dialplan: Dialplan
    let environment: DialplanEnvironment
    var diagnostics: [Diagnostic] = []

    init(dialplan: Dialplan, environment: DialplanEnvironment) {
        self.dialplan = dialplan
        self.environment = environment
    }

    mutating func check() -> [Diagnostic] {
        for name in dialplan.contextOrder {
            if let c = dialplan.contexts[name] { checkEntries(c.entries, owner: "context \"\(name)\"") }
        }
        for g in dialplan.routeGroups.values.sorted(by: { ($0.location.file, $0.location.line) < ($1.location.file, $1.location.line) }) {
            checkEntries(g.entries, owner: "route group \"\(g.name)\"")
        }
        for g in dialplan.userGroups.values {
            checkUsers(g.members, at: g.membersLocation, what: "user group \"\(g.name)\" lists")
        }
        checkGroupCycles()
        for t in dialplan.tests where dialplan.contexts[t.context] == nil {
            diagnostics.append(Diagnostic(t.location, "test \"\(t.name)\" uses unknown context \"\(t.context)\"\(known(dialplan.contextOrder))"))
        }
        return diagnostics
    }

    private func known(_ names: some Collection<String>) -> String {
        names.isEmpty ? "" : " (known: \(names.sorted().joined(separator: ", ")))"
    }

    private mutating func checkEntries(_ entries: [RouteEntry], owner: String) {
        var names: [String: SourceLocation] = [:]
        var blocker: Route? = nil
        for entry in entries {
            switch entry {
            case .route(let r):
                if let b = blocker {
                    diagnostics.append(Diagnostic(r.location,
                        "route \"\(r.name)\" is unreachable: route \"\(b.name)\" at \(b.location) matches every call and does not continue"))
                }
                if let first = names[r.name] {
                    diagnostics.append(Diagnostic(r.location, "\(owner) already has a route named \"\(r.name)\" at \(first)"))
                } else {
                    names[r.name] = r.location
                }
                checkRoute(r)
                if blocker == nil, r.alwaysRuns, !r.continues { blocker = r }
            case .use(let group, let location):
                if let b = blocker {
                    diagnostics.append(Diagnostic(location,
                        "<use group=\"\(group)\"> is unreachable: route \"\(b.name)\" at \(b.location) matches every call and does not continue"))
                }
                if dialplan.routeGroups[group] == nil {
                    diagnostics.append(Diagnostic(location, "\(owner) uses unknown route group \"\(group)\"\(known(dialplan.routeGroups.keys))"))
                }
            }
        }
    }

    private mutating func checkRoute(_ r: Route) {
        let groups = maxGroups(r.conditions)
        for (index, list) in [r.actions, r.elseActions ?? []].enumerated() {
            var terminal: Action? = nil
            for a in list {
                if let t = terminal {
                    diagnostics.append(Diagnostic(a.location,
                        "route \"\(r.name)\": this action never runs, the \(name(of: t)) at \(t.location) ends routing", severity: .warning))
                    terminal = nil // one warning per run of dead actions
                }
                checkAction(a, route: r, groups: index == 0 ? groups : 0)
                if a.isTerminal, terminal == nil { terminal = a }
            }
        }
    }

    private func name(of a: Action) -> String {
        switch a.kind {
        case .reject: "<reject>"
        case .hangup: "<hangup>"
        case .transfer: "<transfer>"
        default: "action"
        }
    }

    private mutating func checkAction(_ a: Action, route r: Route, groups: Int) {
        // A test that failed to compile left an empty <any>: its groups are unknown, so no $N warning.
        let brokenTests = r.conditions.contains { if case .any(let items, _) = $0 { items.isEmpty } else { false } }
        for t in templates(of: a) where !brokenTests {
            for part in t.parts {
                if case .capture(let n) = part, n > groups {
                    diagnostics.append(Diagnostic(a.location,
                        "route \"\(r.name)\" uses $\(n) but its patterns capture at most \(groups) group\(groups == 1 ? "" : "s")",
                        severity: .warning))
                }
            }
        }
        switch a.kind {
        case .transfer(let context, _):
            if dialplan.contexts[context] == nil {
                diagnostics.append(Diagnostic(a.referenceLocation ?? a.location,
                    "route \"\(r.name)\" transfers to unknown context \"\(context)\"\(known(dialplan.contextOrder))"))
            }
        case .callGroup(let group):
            if dialplan.routeGroups[group] == nil {
                diagnostics.append(Diagnostic(a.referenceLocation ?? a.location,
                    "route \"\(r.name)\" calls unknown route group \"\(group)\"\(known(dialplan.routeGroups.keys))"))
            }
        case .bridge(let spec):
            for t in spec.targets {
                switch t.kind {
                case .trunk(let name, _):
                    if let trunks = environment.trunks, !trunks.contains(name) {
                        let list = trunks.isEmpty ? " (no trunks are configured)" : known(trunks)
                        diagnostics.append(Diagnostic(t.referenceLocation, "route \"\(r.name)\" bridges to unknown trunk \"\(name)\"\(list)"))
                    }
                case .user(let user):
                    if let literal = user.literalValue {
                        checkUsers([literal], at: t.referenceLocation, what: "route \"\(r.name)\" bridges to")
                    }
                case .userGroup(let group):
                    if dialplan.userGroups[group] == nil {
                        diagnostics.append(Diagnostic(t.referenceLocation,
                            "route \"\(r.name)\" bridges to unknown user group \"\(group)\"\(known(dialplan.userGroups.keys))"))
                    }
                case .uri:
                    break
                }
            }
        default:
            break
        }
    }

    private mutating func checkUsers(_ names: [String], at location: SourceLocation, what: String) {
        guard let users = environment.users else { return }
        for name in names where !users.contains(name) {
            let list = users.isEmpty ? " (no users are configured)" : known(users)
            diagnostics.append(Diagnostic(location, "\(what) unknown user \"\(name)\"\(list)"))
        }
    }

    private func templates(of a: Action) -> [Template] {
        switch a.kind {
        case .set(_, let v), .playback(let v), .log(_, let v): return [v]
        case .header(.add(_, let v)), .header(.set(_, let v)): return [v]
        case .callerID(let n, let m): return [n, m].compactMap { $0 }
        case .reject(_, let r), .hangup(_, let r): return [r].compactMap { $0 }
        case .transfer(_, let d): return [d].compactMap { $0 }
        case .bridge(let spec):
            return spec.targets.compactMap { t in
                switch t.kind {
                case .trunk(_, let u), .user(let u), .uri(let u): u
                case .userGroup: nil
                }
            }
        default: return []
        }
    }

    /// The most numbered groups any pattern in the tests has (captures come from the last match).
    private func maxGroups(_ conditions: [Condition]) -> Int {
        var best = 0
        for c in conditions {
            switch c {
            case .match(let m):
                if case .pattern(let p) = m.test, !m.negated { best = max(best, p.groupCount) }
            case .all(let items, _), .any(let items, _):
                best = max(best, maxGroups(items))
            case .not, .time:
                break
            }
        }
        return best
    }

    /// A route group that reaches itself through `<use>` or `<call>` would loop on every call.
    private mutating func checkGroupCycles() {
        var edges: [String: [(String, SourceLocation)]] = [:]
        for (name, g) in dialplan.routeGroups {
            var out: [(String, SourceLocation)] = []
            func actions(_ list: [Action]) {
                for a in list { if case .callGroup(let target) = a.kind { out.append((target, a.referenceLocation ?? a.location)) } }
            }
            for e in g.entries {
                switch e {
                case .use(let target, let location): out.append((target, location))
                case .route(let r):
                    actions(r.actions)
                    actions(r.elseActions ?? [])
                }
            }
            edges[name] = out
        }
        var reported = Set<String>()
        for start in edges.keys.sorted() {
            // Depth-first search from each group for a path back to it.
            var stack: [(String, [String])] = [(start, [start])]
            var visited = Set<String>()
            while let (node, path) = stack.popLast() {
                for (next, location) in edges[node] ?? [] {
                    if next == start {
                        let cycle = (path + [start]).joined(separator: " → ")
                        if reported.insert(Set(path).sorted().joined(separator: ",")).inserted {
                            diagnostics.append(Diagnostic(location, "route groups call each other in a loop: \(cycle)"))
                        }
                    } else if visited.insert(next).inserted, edges[next] != nil {
                        stack.append((next, path + [next]))
                    }
                }
            }
        }
    }
}
