import Foundation

/// Compiles one action element (`<bridge>`, `<set>`, `<playback>`, ...) of a route.
struct ActionCompiler: ElementReading {
    var diagnostics: [Diagnostic] = []
    let file: String

    static let actionNames = [
        "set", "unset", "add-header", "set-header", "remove-header", "caller-id", "bridge", "answer", "echo", "tone",
        "playback", "reject", "hangup", "transfer", "media", "max-duration", "log", "call",
    ]

    /// Headers the gateway builds itself on the outbound leg; editing them would break the dialog.
    static let managedHeaders: Set<String> = [
        "via", "v", "from", "f", "to", "t", "call-id", "i", "cseq", "contact", "m", "content-length", "l",
        "content-type", "c", "max-forwards", "route", "record-route",
    ]

    mutating func compile(_ node: XMLElementNode) -> Action? {
        let kind: Action.Kind?
        var reference: SourceLocation? = nil
        if node.name != "bridge" && node.name != "log" {
            noChildren(node)
            noText(node)
        }
        switch node.name {
        case "set":
            allow(node, ["var", "value"])
            kind = variableName(node).flatMap { name in
                guard let value = node.attribute("value") != nil ? template(node, "value") : nil else {
                    if node.attribute("value") == nil { error(node, nil, "<set> needs a \"value\" attribute (use <unset> to remove)") }
                    return nil
                }
                return .set(name: name, value: value)
            }
        case "unset":
            allow(node, ["var"])
            kind = variableName(node).map { .unset(name: $0) }
        case "add-header", "set-header":
            allow(node, ["name", "value"])
            kind = headerName(node).flatMap { name in
                guard let value = required(node, "value").flatMap({ _ in template(node, "value") }) else { return nil }
                return node.name == "add-header" ? .header(.add(name: name, value: value)) : .header(.set(name: name, value: value))
            }
        case "remove-header":
            allow(node, ["name"])
            kind = headerName(node).map { .header(.remove(name: $0)) }
        case "caller-id":
            allow(node, ["number", "name"])
            if node.attribute("number") == nil && node.attribute("name") == nil {
                error(node, nil, "<caller-id> needs number=\"...\", name=\"...\" or both")
                kind = nil
            } else {
                kind = .callerID(number: template(node, "number"), name: template(node, "name"))
            }
        case "bridge":
            kind = compileBridge(node).map(Action.Kind.bridge)
        case "answer":
            allow(node, [])
            kind = .answer
        case "echo":
            allow(node, [])
            kind = .echo
        case "tone":
            kind = compileTone(node).map(Action.Kind.tone)
        case "playback":
            allow(node, ["file"])
            kind = required(node, "file").flatMap { _ in template(node, "file") }.map { .playback($0) }
        case "reject":
            allow(node, ["code", "reason"])
            if let code = statusCode(node, required: true) {
                kind = .reject(code: code, reason: template(node, "reason"))
            } else {
                kind = nil
            }
        case "hangup":
            allow(node, ["code", "reason"])
            let code = statusCode(node, required: false)
            kind = node.attribute("code") != nil && code == nil ? nil : .hangup(code: code, reason: template(node, "reason"))
        case "transfer":
            allow(node, ["context", "destination"])
            reference = location(node, "context")
            if let context = required(node, "context") {
                kind = .transfer(context: context, destination: template(node, "destination"))
            } else {
                kind = nil
            }
        case "media":
            kind = compileMedia(node).map(Action.Kind.media)
        case "max-duration":
            allow(node, ["value"])
            if required(node, "value") != nil, let d = duration(node, "value") {
                kind = .maxDuration(d)
            } else {
                kind = nil
            }
        case "log":
            allow(node, ["level", "message"])
            noChildren(node)
            var level = LogLevel.info
            if let l = node.attribute("level") {
                if let parsed = LogLevel(rawValue: l) { level = parsed } else {
                    error(node, "level", "unknown log level \"\(l)\" (known: \(LogLevel.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            }
            if node.attribute("message") != nil {
                if !node.text.isEmpty { error(node, "message", "<log> has both message=\"...\" and text: keep one") }
                kind = template(node, "message").map { .log(level, $0) }
            } else if !node.text.isEmpty {
                do {
                    kind = .log(level, try Template(parsing: node.text))
                } catch {
                    self.error(node, nil, "<log> text: \(error.reason)")
                    kind = nil
                }
            } else {
                error(node, nil, "<log> needs message=\"...\" or text")
                kind = nil
            }
        case "call":
            allow(node, ["group"])
            reference = location(node, "group")
            kind = required(node, "group").map { .callGroup($0) }
        case "else":
            error(node, nil, "<else> belongs directly inside a <route>")
            return nil
        default:
            if ConditionCompiler.names.contains(node.name) {
                error(node, nil, "<\(node.name)> is a test and belongs before the route's actions")
            } else {
                error(node, nil, "unknown element <\(node.name)> (tests: \(Self.expected(ConditionCompiler.names))"
                    + "; actions: \(Self.expected(Self.actionNames)); <else>)")
            }
            return nil
        }
        guard let kind else { return nil }
        return Action(kind: kind, location: location(node), referenceLocation: reference)
    }

    private mutating func variableName(_ node: XMLElementNode) -> String? {
        guard let name = required(node, "var") else { return nil }
        guard Template.isIdentifier(name) else {
            error(node, "var", "\"\(name)\" is not a variable name (letters, digits, '_', '-', '.')")
            return nil
        }
        guard !Evaluation.builtinNames.contains(name) else {
            error(node, "var", "\"\(name)\" is a call field and cannot be set (transfer with destination=\"...\" changes the destination)")
            return nil
        }
        return name
    }

    private mutating func headerName(_ node: XMLElementNode) -> String? {
        guard let name = required(node, "name") else { return nil }
        guard Template.isToken(name) else {
            error(node, "name", "\"\(name)\" is not a SIP header name")
            return nil
        }
        guard !Self.managedHeaders.contains(name.lowercased()) else {
            error(node, "name", "the gateway builds the \(name) header itself; it cannot be edited (use <caller-id> for the From identity)")
            return nil
        }
        return name
    }

    private mutating func statusCode(_ node: XMLElementNode, required needed: Bool) -> Int? {
        guard let text = node.attribute("code") else {
            if needed { error(node, nil, "<\(node.name)> needs a \"code\" attribute (a SIP status 400-699)") }
            return nil
        }
        guard let code = Int(text), (400...699).contains(code) else {
            error(node, "code", "\"\(text)\" is not a SIP final failure status (400-699)")
            return nil
        }
        return code
    }

    private mutating func compileBridge(_ node: XMLElementNode) -> BridgeSpec? {
        allow(node, ["mode", "timeout", "failover-on"])
        noText(node)
        var mode = BridgeMode.failover
        if let m = node.attribute("mode") {
            if let parsed = BridgeMode(rawValue: m) { mode = parsed } else {
                error(node, "mode", "bridge mode must be failover or parallel, not \"\(m)\"")
            }
        }
        let timeout = duration(node, "timeout")
        var failover = FailoverPolicy.default
        if let f = node.attribute("failover-on") {
            if mode == .parallel {
                error(node, "failover-on", "failover-on applies to mode=\"failover\"; parallel targets all ring at once")
            }
            if let parsed = FailoverPolicy.parse(f) { failover = parsed } else {
                error(node, "failover-on", "\"\(f)\" is not a list of SIP codes (486), classes (5xx), ranges (500-599) or \"timeout\"")
            }
        }
        var targets: [BridgeTargetSpec] = []
        for child in node.children {
            guard child.name == "target" else {
                error(child, nil, "unknown element <\(child.name)> in <bridge> (expected <target>)")
                continue
            }
            if let t = compileTarget(child) { targets.append(t) }
        }
        if node.children.isEmpty {
            error(node, nil, "<bridge> needs at least one <target>")
            return nil
        }
        return BridgeSpec(mode: mode, timeout: timeout, failover: failover, targets: targets)
    }

    private mutating func compileTarget(_ node: XMLElementNode) -> BridgeTargetSpec? {
        allow(node, ["trunk", "user", "uri", "group", "timeout"])
        noText(node)
        noChildren(node)
        let timeout = duration(node, "timeout")
        let has = { (name: String) in node.attribute(name) != nil }
        let kinds = ["trunk", "uri", "group"].filter(has)
        if kinds.count > 1 || (kinds.count == 1 && kinds[0] != "trunk" && has("user")) {
            error(node, kinds.count > 1 ? kinds[1] : "user",
                  "a <target> is one of trunk=\"...\" (with user=\"...\"), uri=\"...\", user=\"...\" or group=\"...\"")
            return nil
        }
        if has("trunk") {
            guard let name = required(node, "trunk") else { return nil }
            let user = has("user") ? template(node, "user") : Template.destination
            guard let user else { return nil }
            return BridgeTargetSpec(kind: .trunk(name: name, user: user), timeout: timeout, location: location(node),
                                    referenceLocation: location(node, "trunk"))
        }
        if has("uri") {
            guard required(node, "uri") != nil, let uri = template(node, "uri") else { return nil }
            if case .literal(let head)? = uri.parts.first, uri.parts.count > 0,
               !(head.lowercased().hasPrefix("sip:") || head.lowercased().hasPrefix("sips:")) {
                error(node, "uri", "\"\(uri.source)\" is not a SIP URI (sip:user@host or sips:user@host)")
                return nil
            }
            return BridgeTargetSpec(kind: .uri(uri), timeout: timeout, location: location(node), referenceLocation: location(node, "uri"))
        }
        if has("group") {
            guard let group = required(node, "group") else { return nil }
            return BridgeTargetSpec(kind: .userGroup(group), timeout: timeout, location: location(node),
                                    referenceLocation: location(node, "group"))
        }
        if has("user") {
            guard required(node, "user") != nil, let user = template(node, "user") else { return nil }
            return BridgeTargetSpec(kind: .user(user), timeout: timeout, location: location(node), referenceLocation: location(node, "user"))
        }
        error(node, nil, "<target> needs trunk=\"...\", uri=\"...\", user=\"...\" or group=\"...\"")
        return nil
    }

    private mutating func compileTone(_ node: XMLElementNode) -> Tone? {
        allow(node, ["name", "frequencies", "cadence", "duration", "level"])
        var tone: Tone
        if let name = node.attribute("name") {
            guard node.attribute("frequencies") == nil else {
                error(node, "frequencies", "<tone> takes name=\"...\" or frequencies=\"...\", not both")
                return nil
            }
            guard let preset = Tone.presets[name] else {
                error(node, "name", "unknown tone \"\(name)\" (known: \(Tone.presets.keys.sorted().joined(separator: ", ")))")
                return nil
            }
            tone = preset
        } else if let text = node.attribute("frequencies") {
            let parts = text.split(whereSeparator: { $0 == "+" || $0 == "," || $0 == " " })
            let values = parts.compactMap { Double($0) }.filter { $0.isFinite && $0 >= 20 && $0 <= 20_000 }
            guard !parts.isEmpty, values.count == parts.count, values.count <= 4 else {
                error(node, "frequencies", "\"\(text)\" is not up to four frequencies in Hz (20-20000) joined by '+'")
                return nil
            }
            tone = Tone(frequencies: values)
        } else {
            error(node, nil, "<tone> needs name=\"...\" (\(Tone.presets.keys.sorted().joined(separator: ", "))) or frequencies=\"...\"")
            return nil
        }
        if let cadence = node.attribute("cadence") {
            let parts = cadence.split(separator: "/", omittingEmptySubsequences: false)
            let durations = parts.compactMap { DurationText.parse(String($0)) }
            guard parts.count == 2, durations.count == 2, durations[0] > .zero,
                  durations[0] <= .seconds(60), durations[1] <= .seconds(60) else {
                error(node, "cadence", "cadence is on/off, such as 500ms/500ms or 2s/4s, not \"\(cadence)\"")
                return nil
            }
            tone.onMilliseconds = Int(durations[0].components.seconds * 1000 + durations[0].components.attoseconds / 1_000_000_000_000_000)
            tone.offMilliseconds = Int(durations[1].components.seconds * 1000 + durations[1].components.attoseconds / 1_000_000_000_000_000)
        }
        if node.attribute("duration") != nil {
            guard let d = duration(node, "duration") else { return nil }
            tone.duration = d
        }
        if let level = node.attribute("level") {
            guard let l = Double(level), l.isFinite, l <= 0, l >= -60 else {
                error(node, "level", "level is in dBm0 from -60 to 0, not \"\(level)\"")
                return nil
            }
            tone.level = l
        }
        return tone
    }

    private mutating func compileMedia(_ node: XMLElementNode) -> MediaPolicy? {
        allow(node, ["codecs", "mode", "dtmf"])
        var policy = MediaPolicy()
        var ok = true
        if let codecs = node.attribute("codecs") {
            var list: [String] = []
            for item in codecs.split(whereSeparator: { $0 == " " || $0 == "," }) {
                guard let known = MediaPolicy.knownCodecs.first(where: { $0.lowercased() == item.lowercased() }) else {
                    error(node, "codecs", "unknown codec \"\(item)\" (known: \(MediaPolicy.knownCodecs.joined(separator: ", ")))")
                    ok = false
                    continue
                }
                if !list.contains(known) { list.append(known) }
            }
            if list.isEmpty && ok {
                error(node, "codecs", "codecs is empty")
                ok = false
            }
            policy.codecs = list
        }
        if let mode = node.attribute("mode") {
            if let m = MediaPolicy.Transcoding(rawValue: mode) { policy.transcoding = m } else {
                error(node, "mode", "media mode must be auto, transcode or pass-through, not \"\(mode)\"")
                ok = false
            }
        }
        if let dtmf = node.attribute("dtmf") {
            if let d = MediaPolicy.DTMFMode(rawValue: dtmf) { policy.dtmf = d } else {
                error(node, "dtmf", "dtmf must be rfc4733, info or inband, not \"\(dtmf)\"")
                ok = false
            }
        }
        if policy.isDefault && ok {
            error(node, nil, "<media> needs codecs=\"...\", mode=\"...\" or dtmf=\"...\"")
            return nil
        }
        return ok ? policy : nil
    }
}
