import Foundation

/// Compiles one test of a route's condition (`<match>`, `<time>`, `<any>`, `<all>`, `<not>`).
struct ConditionCompiler: ElementReading {
    var diagnostics: [Diagnostic] = []
    let file: String
    /// The file's default timezone for `<time>`.
    let timeZone: TimeZone

    static let names = ["match", "time", "any", "all", "not"]

    mutating func compile(_ node: XMLElementNode) -> Condition? {
        switch node.name {
        case "match": return compileMatch(node).map(Condition.match)
        case "time": return compileTime(node)
        case "any", "all", "not":
            allow(node, [])
            noText(node)
            var items: [Condition] = []
            for child in node.children {
                guard Self.names.contains(child.name) else {
                    error(child, nil, "<\(child.name)> inside <\(node.name)>: only tests (\(Self.expected(Self.names))) go here")
                    continue
                }
                if let c = compile(child) { items.append(c) }
            }
            if node.children.isEmpty {
                error(node, nil, "<\(node.name)> holds no tests")
                return nil
            }
            let loc = location(node)
            switch node.name {
            case "any": return .any(items, location: loc)
            case "all": return .all(items, location: loc)
            default: return .not(items, location: loc)
            }
        default:
            return nil
        }
    }

    mutating func compileMatch(_ node: XMLElementNode) -> FieldMatch? {
        allow(node, ["field", "header", "var", "pattern", "equals", "cidr", "present", "not", "ignore-case"])
        noText(node)
        noChildren(node)
        let negated = bool(node, "not")
        let ignoreCase = bool(node, "ignore-case")
        let selectors = ["field", "header", "var"].filter { node.attribute($0) != nil }
        guard selectors.count == 1, let selector = selectors.first, let name = node.attribute(selector) else {
            error(node, selectors.count > 1 ? selectors[1] : nil,
                  "<match> needs exactly one of field=\"...\", header=\"...\" or var=\"...\"")
            return nil
        }
        let field: Field
        switch selector {
        case "field":
            guard let f = Field.byName[name] else {
                let known = Field.byName.keys.sorted().joined(separator: ", ")
                error(node, "field", "unknown field \"\(name)\" (known: \(known); use header=\"...\" or var=\"...\" for others)")
                return nil
            }
            field = f
        case "header":
            guard Template.isToken(name) else {
                error(node, "header", "\"\(name)\" is not a SIP header name")
                return nil
            }
            field = .header(name)
        default:
            guard Template.isIdentifier(name) else {
                error(node, "var", "\"\(name)\" is not a variable name (letters, digits, '_', '-', '.')")
                return nil
            }
            field = .variable(name)
        }
        let tests = ["pattern", "equals", "cidr", "present"].filter { node.attribute($0) != nil }
        guard tests.count == 1, let kind = tests.first, let text = node.attribute(kind) else {
            error(node, tests.count > 1 ? tests[1] : nil,
                  "<match> needs exactly one of pattern=\"...\", equals=\"...\", cidr=\"...\" or present=\"...\"")
            return nil
        }
        let test: FieldTest
        switch kind {
        case "pattern":
            do {
                test = .pattern(try Pattern(text, ignoreCase: ignoreCase))
            } catch {
                self.error(node, "pattern", "invalid pattern \"\(text)\": \(error.reason)")
                return nil
            }
        case "equals":
            guard let t = template(node, "equals") else { return nil }
            test = .equals(t, ignoreCase: ignoreCase)
        case "cidr":
            guard field == .sourceIP else {
                error(node, "cidr", "cidr=\"...\" tests addresses: use it with field=\"source-ip\"")
                return nil
            }
            var blocks: [CIDR] = []
            for item in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" || $0 == "\t" }) {
                guard let block = CIDR(String(item)) else {
                    error(node, "cidr", "\"\(item)\" is not an address or address block such as 10.0.0.0/8 or 2001:db8::/32")
                    return nil
                }
                blocks.append(block)
            }
            guard !blocks.isEmpty else {
                error(node, "cidr", "cidr is empty")
                return nil
            }
            test = .cidr(blocks)
        default:
            switch text.lowercased() {
            case "true", "yes", "1": test = .present(true)
            case "false", "no", "0": test = .present(false)
            default:
                error(node, "present", "\"present\" must be true or false, not \"\(text)\"")
                return nil
            }
        }
        if ignoreCase, case .cidr = test { warning(node, "ignore-case", "ignore-case has no effect on cidr") }
        return FieldMatch(field: field, test: test, negated: negated, location: location(node))
    }

    mutating func compileTime(_ node: XMLElementNode) -> Condition? {
        allow(node, ["days", "hours", "dates", "timezone", "not"])
        noText(node)
        noChildren(node)
        let negated = bool(node, "not")
        var zone = timeZone
        var ok = true
        if let tz = node.attribute("timezone") {
            if let z = TimeZone(identifier: tz) { zone = z } else {
                error(node, "timezone", "unknown timezone \"\(tz)\" (use an IANA name such as Europe/Berlin)")
                ok = false
            }
        }
        var window = TimeWindow(days: nil, hours: [], dates: [], timeZone: zone, source: "")
        var parts: [String] = []
        if let days = node.attribute("days") {
            if let mask = TimeWindow.parseDays(days) { window.days = mask } else {
                error(node, "days", "\"\(days)\" is not a list of days such as mon-fri,sun")
                ok = false
            }
            parts.append("days \(days)")
        }
        if let hours = node.attribute("hours") {
            if let ranges = TimeWindow.parseHours(hours) { window.hours = ranges } else {
                error(node, "hours", "\"\(hours)\" is not a list of hour ranges such as 09:00-17:00,22:00-06:00")
                ok = false
            }
            parts.append("hours \(hours)")
        }
        if let dates = node.attribute("dates") {
            if let ranges = TimeWindow.parseDates(dates) { window.dates = ranges } else {
                error(node, "dates", "\"\(dates)\" is not a list of dates such as 2026-12-24..2026-12-26 or 12-25")
                ok = false
            }
            parts.append("dates \(dates)")
        }
        if parts.isEmpty {
            error(node, nil, "<time> needs at least one of days, hours or dates")
            return nil
        }
        guard ok else { return nil }
        window.source = parts.joined(separator: " ") + " (\(zone.identifier))"
        return .time(window, negated: negated, location: location(node))
    }
}
