import Foundation

/// Turns parsed XML into the typed model, collecting every error with its location instead of
/// stopping at the first, so `tandem dialplan check` shows them all.
struct Compiler: ElementReading {
    var diagnostics: [Diagnostic] = []
    var files: [String] = []
    var contexts: [String: Context] = [:]
    var contextOrder: [String] = []
    var routeGroups: [String: RouteGroup] = [:]
    var userGroups: [String: UserGroup] = [:]
    var tests: [DialplanTestCase] = []
    /// The file being compiled, and its default timezone for `<time>`.
    var file = ""
    var timeZone = TimeZone(identifier: "UTC") ?? TimeZone.current

    struct Include {
        var path: String
        var location: SourceLocation
    }

    mutating func compileAction(_ node: XMLElementNode) -> Action? {
        var compiler = ActionCompiler(file: file)
        defer { diagnostics += compiler.diagnostics }
        return compiler.compile(node)
    }

    mutating func compileCondition(_ node: XMLElementNode) -> Condition? {
        var compiler = ConditionCompiler(file: file, timeZone: timeZone)
        defer { diagnostics += compiler.diagnostics }
        return compiler.compile(node)
    }

    func finish() -> Dialplan {
        Dialplan(contexts: contexts, routeGroups: routeGroups, userGroups: userGroups, tests: tests, files: files,
                 contextOrder: contextOrder)
    }

    // MARK: files

    /// Compiles one file's `<dialplan>` and returns the includes it asks for.
    mutating func compileFile(_ root: XMLElementNode, file: String) -> [Include] {
        self.file = file
        timeZone = TimeZone(identifier: "UTC") ?? TimeZone.current
        guard root.name == "dialplan" else {
            error(root, nil, "the root element must be <dialplan>, not <\(root.name)>")
            return []
        }
        allow(root, ["timezone"])
        noText(root)
        if let tz = root.attribute("timezone") {
            if let zone = TimeZone(identifier: tz) { timeZone = zone } else {
                error(root, "timezone", "unknown timezone \"\(tz)\" (use an IANA name such as Europe/Berlin)")
            }
        }
        var includes: [Include] = []
        for child in root.children {
            switch child.name {
            case "context": compileContext(child)
            case "route-group": compileRouteGroup(child)
            case "user-group": compileUserGroup(child)
            case "test": if let t = compileTest(child, context: nil) { tests.append(t) }
            case "include":
                allow(child, ["file"])
                noText(child)
                noChildren(child)
                if let path = required(child, "file") {
                    includes.append(Include(path: path, location: location(child, "file")))
                }
            default:
                error(child, nil, "unknown element <\(child.name)> in <dialplan> (expected "
                    + Self.expected(["context", "route-group", "user-group", "include", "test"]) + ")")
            }
        }
        return includes
    }

    mutating func compileContext(_ node: XMLElementNode) {
        allow(node, ["name"])
        noText(node)
        guard let name = required(node, "name") else { return }
        var entries: [RouteEntry] = []
        for child in node.children {
            switch child.name {
            case "test":
                if let t = compileTest(child, context: name) { tests.append(t) }
            default:
                if let e = compileEntry(child, in: "context") { entries.append(e) }
            }
        }
        if let existing = contexts[name] {
            error(node, "name", "context \"\(name)\" is already defined at \(existing.location)")
            return
        }
        contexts[name] = Context(name: name, location: location(node), entries: entries)
        contextOrder.append(name)
    }

    mutating func compileRouteGroup(_ node: XMLElementNode) {
        allow(node, ["name"])
        noText(node)
        guard let name = required(node, "name") else { return }
        var entries: [RouteEntry] = []
        for child in node.children {
            if let e = compileEntry(child, in: "route-group") { entries.append(e) }
        }
        if let existing = routeGroups[name] {
            error(node, "name", "route group \"\(name)\" is already defined at \(existing.location)")
            return
        }
        routeGroups[name] = RouteGroup(name: name, location: location(node), entries: entries)
    }

    mutating func compileUserGroup(_ node: XMLElementNode) {
        allow(node, ["name", "members"])
        noText(node)
        noChildren(node)
        guard let name = required(node, "name"), let members = required(node, "members") else { return }
        let list = members.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" || $0 == "\t" }).map(String.init)
        if let existing = userGroups[name] {
            error(node, "name", "user group \"\(name)\" is already defined at \(existing.location)")
            return
        }
        userGroups[name] = UserGroup(name: name, members: list, location: location(node), membersLocation: location(node, "members"))
    }

    mutating func compileEntry(_ node: XMLElementNode, in parent: String) -> RouteEntry? {
        switch node.name {
        case "route":
            return compileRoute(node).map(RouteEntry.route)
        case "use":
            allow(node, ["group"])
            noText(node)
            noChildren(node)
            guard let group = required(node, "group") else { return nil }
            return .use(group: group, location: location(node, "group"))
        default:
            let allowed = parent == "context" ? ["route", "use", "test"] : ["route", "use"]
            error(node, nil, "unknown element <\(node.name)> in <\(parent)> (expected \(Self.expected(allowed)))")
            return nil
        }
    }

    mutating func compileRoute(_ node: XMLElementNode) -> Route? {
        allow(node, ["name", "continue"])
        noText(node)
        let name = required(node, "name")
        let continues = bool(node, "continue")
        var conditions: [Condition] = []
        var actions: [Action] = []
        var elseActions: [Action]? = nil
        var seenAction = false
        for child in node.children {
            if ConditionCompiler.names.contains(child.name) {
                if seenAction || elseActions != nil {
                    error(child, nil, "<\(child.name)> must come before the route's actions: tests run first")
                }
                if let c = compileCondition(child) {
                    conditions.append(c)
                } else {
                    // A test that did not compile still makes the route conditional: an empty
                    // <any> never passes, so no knock-on "unreachable" error follows.
                    conditions.append(.any([], location: location(child)))
                }
            } else if child.name == "else" {
                allow(child, [])
                noText(child)
                if elseActions != nil {
                    error(child, nil, "a route has at most one <else>")
                }
                var list: [Action] = []
                for grandchild in child.children {
                    if let a = compileAction(grandchild) { list.append(a) }
                }
                if conditions.isEmpty {
                    error(child, nil, "<else> in a route without tests would never run")
                }
                elseActions = list
            } else {
                if elseActions != nil {
                    error(child, nil, "<\(child.name)> after <else>: put the route's actions before <else>")
                }
                seenAction = true
                if let a = compileAction(child) { actions.append(a) }
            }
        }
        guard let name else { return nil }
        return Route(name: name, location: location(node), conditions: conditions, actions: actions,
                     elseActions: elseActions, continues: continues)
    }
}
