import Foundation
import SIP
import Yams

/// A config file Tandem refuses, named by file, line and key so the operator can go straight to it.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let key: String
    public let reason: String
    public var description: String { "\(file):\(line): \(key): \(reason)" }
}

/// Reads the YAML config into `GatewayConfig`. Every key is checked: unknown keys and wrong types
/// are refused rather than ignored, since a typo silently falling back to a default is how
/// telephony outages start.
public enum ConfigLoader {
    public static func load(file: String) throws -> GatewayConfig {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigError(file: file, line: 0, key: "-", reason: "cannot read: \(error.localizedDescription)")
        }
        return try parse(text, file: file)
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> GatewayConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
                throw ConfigError(file: file, line: mark.line, key: "-", reason: "YAML syntax: \(problem) at column \(mark.column)")
            case let .duplicatedKeysInMapping(duplicates, context):
                throw ConfigError(file: file, line: context.mark.line, key: duplicates.joined(separator: ","), reason: "duplicate key")
            default:
                throw ConfigError(file: file, line: 0, key: "-", reason: "YAML: \(error)")
            }
        } catch {
            throw ConfigError(file: file, line: 0, key: "-", reason: "YAML syntax: \(error)")
        }
        var config = GatewayConfig()
        guard let root else { return config }
        let r = Reader(file: file)
        try r.mapping(root, path: "") { key, value, path throws(ConfigError) in
            switch key {
            case "listen":
                try r.mapping(value, path: path) { key, value, path throws(ConfigError) in
                    let address = try r.listenAddress(value, path: path)
                    switch key {
                    case "sip_udp": config.listen.sipUDP = address
                    case "sip_tcp": config.listen.sipTCP = address
                    case "sip_tls": config.listen.sipTLS = address
                    case "http": config.listen.http = address
                    case "https": config.listen.https = address
                    default: throw r.unknown(value, path)
                    }
                }
            case "websocket":
                try r.mapping(value, path: path) { key, value, path throws(ConfigError) in
                    switch key {
                    case "allowed_origins": config.allowedOrigins = try r.strings(value, path: path)
                    default: throw r.unknown(value, path)
                    }
                }
            case "sip":
                try r.mapping(value, path: path) { key, value, path throws(ConfigError) in
                    switch key {
                    case "force_rport": config.sip.forceRport = try r.bool(value, path: path)
                    case "first_message_timeout": config.sip.firstMessageTimeoutSeconds = try r.positiveSeconds(value, path: path)
                    case "message_timeout": config.sip.messageTimeoutSeconds = try r.positiveSeconds(value, path: path)
                    case "flow_timer": config.sip.flowTimerSeconds = try r.positiveSeconds(value, path: path)
                    case "max_connections":
                        guard let n = try r.count(value, path: path), n > 0 else { throw r.error(value, path, "expected a positive count") }
                        config.sip.maxConnections = n
                    default: throw r.unknown(value, path)
                    }
                }
            case "media":
                try r.mapping(value, path: path) { key, value, path throws(ConfigError) in
                    switch key {
                    case "rtp_ports": config.media.portRange = try r.portRange(value, path: path)
                    case "local_addresses": config.media.localAddresses = try r.strings(value, path: path)
                    case "public_address": config.media.publicAddress = try r.optionalString(value, path: path)
                    case "rtp_timeout": config.media.rtpTimeoutSeconds = try r.seconds(value, path: path)
                    case "consent_timeout": config.media.consentTimeoutSeconds = try r.positiveSeconds(value, path: path)
                    case "stun_server":
                        let text = try r.optionalString(value, path: path)
                        guard text == nil || text.flatMap(ListenAddress.init(parsing:)) != nil else {
                            throw r.error(value, path, "expected host:port, got '\(text ?? "")'")
                        }
                        config.media.stunServer = text
                    default: throw r.unknown(value, path)
                    }
                }
            case "web_phone":
                try r.mapping(value, path: path) { key, value, path throws(ConfigError) in
                    switch key {
                    case "enabled": config.webPhone.enabled = try r.bool(value, path: path)
                    case "path":
                        let text = try r.string(value, path: path)
                        guard text.hasPrefix("/") else { throw r.error(value, path, "expected a URL path starting with /") }
                        config.webPhone.path = text
                    case "directory": config.webPhone.directory = try r.string(value, path: path)
                    default: throw r.unknown(value, path)
                    }
                }
            case "realm": config.realm = try r.string(value, path: path)
            case "digest_algorithms":
                config.digestAlgorithms = try r.sequence(value, path: path) { item, path throws(ConfigError) in
                    let name = try r.string(item, path: path)
                    guard let algorithm = DigestAlgorithm(token: name), !algorithm.isSession else {
                        throw r.error(item, path, "expected MD5 or SHA-256")
                    }
                    return algorithm
                }
                guard !config.digestAlgorithms.isEmpty else { throw r.error(value, path, "name at least one of MD5, SHA-256") }
            case "token_secret": config.tokenSecret = try r.optionalString(value, path: path)
            case "dialplans": config.dialplanDirectory = try r.string(value, path: path)
            case "certs": config.certificateDirectory = try r.string(value, path: path)
            case "cdr": config.cdrPath = try r.optionalString(value, path: path)
            case "sounds": config.soundsDirectory = try r.string(value, path: path)
            case "log_level":
                let level = try r.string(value, path: path)
                guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(level) else {
                    throw r.error(value, path, "expected one of trace, debug, info, notice, warning, error, critical")
                }
                config.logLevel = level
            case "users":
                config.users = try r.sequence(value, path: path) { item, path throws(ConfigError) in
                    var name: String?, ha1: String?, ha1SHA256: String?, password: String?, context = "from-browser"
                    var dtmf: GatewayConfig.Trunk.DTMFMode?
                    try r.mapping(item, path: path) { key, value, path throws(ConfigError) in
                        switch key {
                        case "name": name = try r.string(value, path: path)
                        case "ha1": ha1 = try r.string(value, path: path)
                        case "ha1_sha256": ha1SHA256 = try r.string(value, path: path)
                        case "password": password = try r.string(value, path: path)
                        case "context": context = try r.string(value, path: path)
                        case "dtmf": dtmf = try r.choice(value, path: path)
                        default: throw r.unknown(value, path)
                        }
                    }
                    guard let name else { throw r.error(item, path + ".name", "missing") }
                    guard (ha1 == nil && ha1SHA256 == nil) != (password == nil) else {
                        throw r.error(item, path, "give a password, or ha1 and/or ha1_sha256, not both")
                    }
                    if let ha1, ha1.count != 32 || !ha1.allSatisfy(\.isHexDigit) {
                        throw r.error(item, path + ".ha1", "expected 32 hex digits (MD5 of user:realm:password)")
                    }
                    if let ha1SHA256, ha1SHA256.count != 64 || !ha1SHA256.allSatisfy(\.isHexDigit) {
                        throw r.error(item, path + ".ha1_sha256", "expected 64 hex digits (SHA-256 of user:realm:password)")
                    }
                    return GatewayConfig.User(name: name, ha1: ha1?.lowercased(), ha1SHA256: ha1SHA256?.lowercased(), password: password,
                                              context: context, dtmf: dtmf)
                }
            case "limits":
                try r.mapping(value, path: path) { key, value, path throws(ConfigError) in
                    switch key {
                    case "max_calls": config.limits.maxCalls = try r.count(value, path: path)
                    case "max_transcoded_calls": config.limits.maxTranscodedCalls = try r.count(value, path: path)
                    case "max_calls_per_user": config.limits.maxCallsPerUser = try r.count(value, path: path)
                    case "max_calls_per_trunk": config.limits.maxCallsPerTrunk = try r.count(value, path: path)
                    case "invite_rate": config.limits.inviteRate = try r.rate(value, path: path)
                    case "invite_burst": config.limits.inviteBurst = Double(try r.count(value, path: path) ?? 1)
                    case "register_rate": config.limits.registerRate = try r.rate(value, path: path)
                    case "register_burst": config.limits.registerBurst = Double(try r.count(value, path: path) ?? 1)
                    case "over_rate": config.limits.overRate = try r.choice(value, path: path)
                    case "auth_failures":
                        guard let n = try r.count(value, path: path) else { throw r.error(value, path, "expected a whole number, 1 or more") }
                        config.limits.authFailures = n
                    case "auth_failure_window": config.limits.authFailureWindowSeconds = try r.positiveSeconds(value, path: path)
                    case "max_media_load":
                        guard case .scalar(let s) = value, let share = Double(s.string), share > 0, share <= 1 else {
                            throw r.error(value, path, "expected a share of time above 0 and at most 1, such as 0.85")
                        }
                        config.limits.maxMediaLoad = share
                    default: throw r.unknown(value, path)
                    }
                }
            case "admin":
                try r.mapping(value, path: path) { key, value, path throws(ConfigError) in
                    switch key {
                    case "token":
                        let token = try r.optionalString(value, path: path)
                        if let token, token.count < 16 { throw r.error(value, path, "use at least 16 characters") }
                        config.admin.token = token
                    case "drain_timeout": config.admin.drainTimeoutSeconds = try r.seconds(value, path: path)
                    default: throw r.unknown(value, path)
                    }
                }
            case "turn":
                try r.mapping(value, path: path) { key, value, path throws(ConfigError) in
                    switch key {
                    case "servers":
                        config.turn.servers = try r.strings(value, path: path)
                        if let bad = config.turn.servers.first(where: { !["turn:", "turns:"].contains(where: $0.lowercased().hasPrefix) }) {
                            throw r.error(value, path, "expected turn: or turns: URLs, got '\(bad)'")
                        }
                    case "secret": config.turn.secret = try r.optionalString(value, path: path)
                    case "ttl": config.turn.ttlSeconds = try r.positiveSeconds(value, path: path)
                    default: throw r.unknown(value, path)
                    }
                }
                if !config.turn.servers.isEmpty, config.turn.secret == nil { throw r.error(value, path + ".secret", "TURN servers need the secret they share with Tandem") }
            case "http_api":
                try r.mapping(value, path: path) { key, value, path throws(ConfigError) in
                    switch key {
                    case "allowed_origins": config.httpAPI.allowedOrigins = try r.strings(value, path: path)
                    case "ice_servers":
                        config.httpAPI.iceServers = try r.sequence(value, path: path) { item, path throws(ConfigError) in
                            try iceServer(item, path: path, reader: r)
                        }
                    default: throw r.unknown(value, path)
                    }
                }
            case "log_format": config.logFormat = try r.choice(value, path: path)
            case "trunks":
                config.trunks = try r.sequence(value, path: path) { item, path throws(ConfigError) in
                    try trunk(item, path: path, reader: r)
                }
            default: throw r.unknown(value, path)
            }
        }
        return config
    }

    private static func iceServer(_ node: Node, path: String, reader r: Reader) throws(ConfigError) -> GatewayConfig.HTTPAPI.ICEServer {
        var server = GatewayConfig.HTTPAPI.ICEServer(url: "")
        try r.mapping(node, path: path) { key, value, path throws(ConfigError) in
            switch key {
            case "url":
                server.url = try r.string(value, path: path)
                guard ["stun:", "stuns:", "turn:", "turns:"].contains(where: server.url.lowercased().hasPrefix) else {
                    throw r.error(value, path, "expected a stun:, stuns:, turn: or turns: URL, got '\(server.url)'")
                }
            case "username": server.username = try r.string(value, path: path)
            case "credential": server.credential = try r.string(value, path: path)
            default: throw r.unknown(value, path)
            }
        }
        guard !server.url.isEmpty else { throw r.error(node, path + ".url", "missing") }
        return server
    }

    private static func trunk(_ node: Node, path: String, reader r: Reader) throws(ConfigError) -> GatewayConfig.Trunk {
        var name: String?, address: String?
        var trunk = GatewayConfig.Trunk(name: "", address: "")
        try r.mapping(node, path: path) { key, value, path throws(ConfigError) in
            switch key {
            case "name": name = try r.string(value, path: path)
            case "address": address = try r.string(value, path: path)
            case "transport": trunk.transport = try r.choice(value, path: path)
            case "username": trunk.username = try r.string(value, path: path)
            case "password": trunk.password = try r.string(value, path: path)
            case "register": trunk.register = try r.bool(value, path: path)
            case "codecs": trunk.codecs = try r.strings(value, path: path)
            case "dtmf": trunk.dtmf = try r.choice(value, path: path)
            case "caller_id":
                let number = try r.string(value, path: path)
                guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "+" }) else {
                    throw r.error(value, path, "expected a number such as +4930123456, got '\(number)'")
                }
                trunk.callerIDNumber = number
            case "caller_name": trunk.callerIDName = try r.string(value, path: path)
            case "assert_identity": trunk.assertIdentity = try r.bool(value, path: path)
            case "max_calls": trunk.maxCalls = try r.count(value, path: path)
            case "options_interval": trunk.optionsIntervalSeconds = try r.seconds(value, path: path)
            default: throw r.unknown(value, path)
            }
        }
        guard let name else { throw r.error(node, path + ".name", "missing") }
        guard let address else { throw r.error(node, path + ".address", "missing") }
        trunk.name = name
        trunk.address = address
        return trunk
    }
}

/// Typed reads of YAML nodes that fail with the node's line and dotted key path.
private struct Reader {
    let file: String

    func error(_ node: Node, _ path: String, _ reason: String) -> ConfigError {
        ConfigError(file: file, line: node.mark?.line ?? 0, key: path, reason: reason)
    }

    func unknown(_ node: Node, _ path: String) -> ConfigError {
        error(node, path, "unknown key")
    }

    func mapping(_ node: Node, path: String, _ each: (String, Node, String) throws(ConfigError) -> Void) throws(ConfigError) {
        guard case .mapping(let map) = node else { throw error(node, path.isEmpty ? "-" : path, "expected a mapping") }
        for (k, v) in map {
            guard case .scalar(let s) = k else { throw error(k, path, "keys must be plain words") }
            let child = path.isEmpty ? s.string : "\(path).\(s.string)"
            // Report an unknown key on the key's own line, not its value's.
            do {
                try each(s.string, v, child)
            } catch {
                guard error.reason == "unknown key", error.key == child else { throw error }
                throw ConfigError(file: file, line: k.mark?.line ?? error.line, key: error.key, reason: error.reason)
            }
        }
    }

    func sequence<T>(_ node: Node, path: String, _ each: (Node, String) throws(ConfigError) -> T) throws(ConfigError) -> [T] {
        if isNull(node) { return [] }
        guard case .sequence(let seq) = node else { throw error(node, path, "expected a list") }
        var out: [T] = []
        for (i, item) in seq.enumerated() { out.append(try each(item, "\(path)[\(i)]")) }
        return out
    }

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    func string(_ node: Node, path: String) throws(ConfigError) -> String {
        guard case .scalar(let s) = node, !isNull(node) else { throw error(node, path, "expected a string") }
        return s.string
    }

    func optionalString(_ node: Node, path: String) throws(ConfigError) -> String? {
        isNull(node) ? nil : try string(node, path: path)
    }

    func strings(_ node: Node, path: String) throws(ConfigError) -> [String] {
        try sequence(node, path: path) { item, path throws(ConfigError) in try string(item, path: path) }
    }

    /// A whole number of seconds, 0 or more.
    func seconds(_ node: Node, path: String) throws(ConfigError) -> Int {
        guard case .scalar(let s) = node, s.style == .plain, let n = Int(s.string), n >= 0 else {
            throw error(node, path, "expected a whole number of seconds")
        }
        return n
    }

    /// A whole number of seconds, 1 or more.
    func positiveSeconds(_ node: Node, path: String) throws(ConfigError) -> Int {
        let seconds = try self.seconds(node, path: path)
        guard seconds > 0 else { throw error(node, path, "must be at least 1 second") }
        return seconds
    }

    /// Requests a second, above 0, or null for no limit.
    func rate(_ node: Node, path: String) throws(ConfigError) -> Double? {
        if isNull(node) { return nil }
        guard case .scalar(let s) = node, s.style == .plain, let n = Double(s.string), n > 0 else {
            throw error(node, path, "expected requests a second above 0, such as 20 or 0.5, or null for no limit")
        }
        return n
    }

    /// A count of 1 or more, or null for no limit.
    func count(_ node: Node, path: String) throws(ConfigError) -> Int? {
        if isNull(node) { return nil }
        guard case .scalar(let s) = node, s.style == .plain, let n = Int(s.string), n >= 1 else {
            throw error(node, path, "expected a whole number, 1 or more, or null for no limit")
        }
        return n
    }

    func bool(_ node: Node, path: String) throws(ConfigError) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain else { throw error(node, path, "expected true or false") }
        switch s.string {
        case "true", "True", "TRUE", "yes", "on": return true
        case "false", "False", "FALSE", "no", "off": return false
        default: throw error(node, path, "expected true or false, got '\(s.string)'")
        }
    }

    func choice<T: RawRepresentable & CaseIterable>(_ node: Node, path: String) throws(ConfigError) -> T where T.RawValue == String {
        let text = try string(node, path: path)
        guard let v = T(rawValue: text.lowercased()) else {
            throw error(node, path, "expected one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
        }
        return v
    }

    /// `host:port`, or null/off to disable the listener.
    func listenAddress(_ node: Node, path: String) throws(ConfigError) -> ListenAddress? {
        if isNull(node) { return nil }
        if case .scalar(let s) = node, s.style == .plain, s.string == "off" || s.string == "false" { return nil }
        let text = try string(node, path: path)
        guard let a = ListenAddress(parsing: text) else {
            throw error(node, path, "expected host:port or [ipv6]:port (or off), got '\(text)'")
        }
        return a
    }

    /// `20000-29999`: an even first port, since RTCP traditionally takes the odd one above.
    func portRange(_ node: Node, path: String) throws(ConfigError) -> ClosedRange<Int> {
        let text = try string(node, path: path)
        let parts = text.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let lo = parts[0], let hi = parts[1], 1024 <= lo, lo < hi, hi <= 65535 else {
            throw error(node, path, "expected FIRST-LAST within 1024-65535, got '\(text)'")
        }
        return lo...hi
    }
}
