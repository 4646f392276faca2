/// Runs a dialplan's `<test>` cases and says, for each, whether routing did what it expected.
public enum DialplanTestRunner {
    /// One case's outcome.
    public struct Outcome: Sendable {
        public var test: DialplanTestCase
        /// Why it failed; empty when it passed.
        public var failures: [String]
        public var result: RoutingResult
        public var passed: Bool { failures.isEmpty }
    }

    public static func run(_ dialplan: Dialplan) -> [Outcome] {
        dialplan.tests.map { run($0, in: dialplan) }
    }

    public static func run(_ test: DialplanTestCase, in dialplan: Dialplan) -> Outcome {
        let result = dialplan.evaluate(call: test.call, context: test.context, at: test.at)
        var failures: [String] = []
        if let routes = test.expectRoutes {
            if routes.isEmpty {
                if !result.matchedRoutes.isEmpty {
                    failures.append("expected no route to match, got \(list(result.matchedRoutes))")
                }
            } else {
                for r in routes where !result.matchedRoutes.contains(r) {
                    failures.append("expected route \"\(r)\" to match, got \(list(result.matchedRoutes))")
                }
            }
        }
        if let expected = test.expectBridge {
            let want = expected.split(separator: " ").joined(separator: " ")
            if let bridge = result.firstBridge {
                let got = bridge.legs.map(\.target.description).joined(separator: " ")
                if got != want { failures.append("expected bridge to \(want), got \(got)") }
            } else {
                failures.append("expected bridge to \(want), got no bridge (plan: \(planNames(result)))")
            }
        }
        if let code = test.expectReject {
            let got = result.plan.compactMap { step -> Int? in
                switch step {
                case .reject(let c, _): c
                case .hangup(let c, _): c ?? 480
                default: nil
                }
            }.last
            if got != code {
                failures.append("expected reject \(code), got " + (got.map { "reject \($0)" } ?? "no reject (plan: \(planNames(result)))"))
            }
        }
        if let plan = test.expectPlan {
            let got = result.plan.map(\.name).filter { $0 != "log" || plan.contains("log") }
            if got != plan { failures.append("expected plan \(plan.joined(separator: " ")), got \(got.joined(separator: " "))") }
        }
        for (name, value) in test.expectVariables.sorted(by: { $0.key < $1.key }) {
            let got = result.variables[name]
            if got != value {
                failures.append("expected ${\(name)} = \"\(value)\", got " + (got.map { "\"\($0)\"" } ?? "unset"))
            }
        }
        return Outcome(test: test, failures: failures, result: result)
    }

    private static func list(_ routes: [String]) -> String {
        routes.isEmpty ? "none" : routes.map { "\"\($0)\"" }.joined(separator: ", ")
    }

    private static func planNames(_ r: RoutingResult) -> String {
        r.plan.map(\.name).joined(separator: " ")
    }
}
