import ArgumentParser
import Dialplan
import Foundation

/// `tandem dialplan ...`: check a dialplan folder, run its test cases, and show how a call would be
/// routed, without starting the gateway.
struct DialplanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dialplan",
        abstract: "Check, test and try out the dialplan files.",
        subcommands: [Check.self, Test.self, Route.self])

    /// The names the checker compares trunk and user references with.
    struct Names: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp(
            "A YAML config to read trunk and user names from (its users[].name and trunks[].name).", valueName: "file"))
        var config: String?

        @Option(name: .customLong("trunk"), help: ArgumentHelp("A trunk name that exists (repeatable).", valueName: "name"))
        var trunks: [String] = []

        @Option(name: .customLong("user"), help: ArgumentHelp("A browser user name that exists (repeatable).", valueName: "name"))
        var users: [String] = []

        /// The environment to check against; names nobody gave are not checked.
        func environment() throws -> DialplanEnvironment {
            var trunkNames: Set<String>? = trunks.isEmpty ? nil : Set(trunks)
            var userNames: Set<String>? = users.isEmpty ? nil : Set(users)
            if let config {
                guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
                    throw ValidationError("cannot read the config \(config)")
                }
                let names = ConfigNames.read(text)
                trunkNames = (trunkNames ?? []).union(names.trunks)
                userNames = (userNames ?? []).union(names.users)
            }
            return DialplanEnvironment(trunks: trunkNames, users: userNames)
        }

        func noteUnchecked(_ env: DialplanEnvironment) {
            var missing: [String] = []
            if env.trunks == nil { missing.append("trunk") }
            if env.users == nil { missing.append("user") }
            guard !missing.isEmpty else { return }
            standardError("note: \(missing.joined(separator: " and ")) names were not checked (give --config FILE, or --trunk and --user)")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a dialplan folder or file: schema, patterns, references, unreachable routes.",
            discussion: "Errors are printed as file:line:column: message. Exit status 1 when there is any error.")

        @Argument(help: "The dialplan folder, or one file.")
        var directory = "dialplans"

        @OptionGroup var names: Names

        func run() throws {
            let env = try names.environment()
            names.noteUnchecked(env)
            let result = DialplanLoader.load(path: directory, environment: env)
            for d in result.diagnostics { print(d) }
            guard let plan = result.dialplan else {
                let n = result.errors.count
                standardError("\(directory): \(n) error\(n == 1 ? "" : "s")")
                throw ExitCode(1)
            }
            print("\(directory): \(plural(plan.files.count, "file")), \(plural(plan.contexts.count, "context")), "
                + "\(plural(plan.routeCount, "route")), \(plural(plan.tests.count, "test case")): OK")
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the <test> cases of a dialplan folder or file.",
            discussion: "Prints each case's result, and the trace of each failing one. Exit status 1 if any case fails.")

        @Argument(help: "The dialplan folder, or one file.")
        var directory = "dialplans"

        @OptionGroup var names: Names

        @Flag(name: .shortAndLong, help: "Print the trace of passing cases too.")
        var verbose = false

        func run() throws {
            let env = try names.environment()
            names.noteUnchecked(env)
            let result = DialplanLoader.load(path: directory, environment: env)
            for d in result.diagnostics { print(d) }
            guard let plan = result.dialplan else { throw ExitCode(1) }
            let outcomes = DialplanTestRunner.run(plan)
            for o in outcomes {
                print("\(o.passed ? "PASS" : "FAIL")  \(o.test.location)  \(o.test.name)")
                for f in o.failures { print("      \(f)") }
                if !o.passed || verbose {
                    print(indent(o.result.traceText(), by: 6))
                    print("      plan:")
                    print(indent(o.result.planText(), by: 8))
                }
            }
            let failed = outcomes.filter { !$0.passed }.count
            print("\(plural(outcomes.count, "test case")), \(outcomes.count - failed) passed, \(failed) failed")
            if failed > 0 { throw ExitCode(1) }
        }
    }

    struct Route: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show how a call would be routed: every test made, and the resulting plan.",
            discussion: "Example: tandem dialplan route --context from-browser --to 2001 --from alice --source-user alice")

        @Option(name: .long, help: "The dialplan folder.")
        var dir = "dialplans"

        @Option(name: .long, help: "The context routing starts in.")
        var context: String

        @Option(name: .long, help: "The destination (dialled user part).")
        var to: String

        @Option(name: .long, help: "The caller's number or user name.")
        var from = ""

        @Option(name: .long, help: "The caller's display name.")
        var fromName = ""

        @Option(name: .long, help: "The call comes from this registered browser user.")
        var sourceUser: String?

        @Option(name: .long, help: "The call comes from this trunk.")
        var sourceTrunk: String?

        @Option(name: .long, help: "The signalling peer's address.")
        var sourceIP = "127.0.0.1"

        @Option(name: .long, help: "udp, tcp, tls, ws or wss (default ws for a user, udp otherwise).")
        var transport: String?

        @Option(name: .long, help: ArgumentHelp("A SIP header on the call, Name=value (repeatable).", valueName: "K=V"))
        var header: [String] = []

        @Option(name: .long, help: ArgumentHelp("A variable set before routing, name=value (repeatable).", valueName: "K=V"))
        var `var`: [String] = []

        @Option(name: .long, help: "When the call happens, ISO 8601 with an offset (2026-03-29T03:30+02:00); default now.")
        var at: String?

        @OptionGroup var names: Names

        func validate() throws {
            if sourceUser != nil && sourceTrunk != nil {
                throw ValidationError("a call comes from --source-user or --source-trunk, not both")
            }
            if let at, Timestamp.parse(at) == nil {
                throw ValidationError("--at \(at): expected a time such as 2026-03-29T01:30:00Z or 2026-03-29T03:30+02:00")
            }
            for kv in header + `var` where !kv.contains("=") && !kv.contains(":") {
                throw ValidationError("\(kv): expected name=value")
            }
        }

        func run() throws {
            let env = try names.environment()
            let result = DialplanLoader.load(path: dir, environment: env)
            for d in result.diagnostics { standardError(d.description) }
            guard let plan = result.dialplan else { throw ExitCode(1) }
            let source: CallFields.Source = sourceUser.map { .user($0) } ?? sourceTrunk.map { .trunk($0) } ?? .other
            let call = CallFields(
                destination: to, caller: from, callerName: fromName, source: source, sourceIP: sourceIP,
                transport: transport ?? (sourceUser != nil ? "ws" : "udp"),
                headers: header.map(split), variables: Dictionary(`var`.map(split), uniquingKeysWith: { _, last in last }))
            let date = at.flatMap(Timestamp.parse) ?? Date()
            let routed = plan.evaluate(call: call, context: context, at: date)
            let when = ISO8601DateFormatter().string(from: date)
            print("call to \"\(to)\"" + (from.isEmpty ? "" : " from \"\(from)\"") + " in context \(context) at \(when)")
            print("\ntrace:")
            print(indent(routed.traceText(), by: 2))
            print("\nplan:")
            print(indent(routed.planText(), by: 2))
            let extra = routed.variables.filter { call.variables[$0.key] != $0.value }
            if !extra.isEmpty {
                print("\nvariables:")
                for (k, v) in extra.sorted(by: { $0.key < $1.key }) { print("  \(k) = \"\(v)\"") }
            }
        }

        private func split(_ kv: String) -> (String, String) {
            let sep = kv.firstIndex(of: "=") ?? kv.firstIndex(of: ":") ?? kv.endIndex
            let value = sep == kv.endIndex ? "" : String(kv[kv.index(after: sep)...])
            return (String(kv[..<sep]).trimmingCharacters(in: .whitespaces), value.trimmingCharacters(in: .whitespaces))
        }
    }
}

/// Trunk and user names from Tandem's YAML config, read just enough for the checker: the `name:`
/// keys of the `users:` and `trunks:` lists. `tandem run` reads the config fully; this keeps the
/// dialplan tools free of the gateway.
enum ConfigNames {
    static func read(_ text: String) -> (trunks: Set<String>, users: Set<String>) {
        var trunks = Set<String>()
        var users = Set<String>()
        var section = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#"), hash == line.startIndex || line[line.index(before: hash)] == " " {
                line = line[..<hash]
            }
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            if !line.hasPrefix(" ") && !line.hasPrefix("-") && !line.hasPrefix("\t") {
                section = String(line.split(separator: ":", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces)
                continue
            }
            guard section == "users" || section == "trunks" else { continue }
            var body = line.trimmingCharacters(in: .whitespaces)
            if body.hasPrefix("-") { body = String(body.dropFirst()).trimmingCharacters(in: .whitespaces) }
            var pairs: [Substring] = [Substring(body)]
            if body.hasPrefix("{") { pairs = body.dropFirst().dropLast().split(separator: ",") }
            for pair in pairs {
                let kv = pair.split(separator: ":", maxSplits: 1)
                guard kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces) == "name" else { continue }
                let value = kv[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                if section == "users" { users.insert(value) } else { trunks.insert(value) }
            }
        }
        return (trunks, users)
    }
}

private func standardError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

private func plural(_ n: Int, _ word: String) -> String {
    "\(n) \(word)\(n == 1 ? "" : "s")"
}

private func indent(_ text: String, by n: Int) -> String {
    let pad = String(repeating: " ", count: n)
    return text.split(separator: "\n", omittingEmptySubsequences: false).map { pad + $0 }.joined(separator: "\n")
}
