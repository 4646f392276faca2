import Dialplan
import Foundation

/// Loads the input as a dialplan folder's only file (it may include itself and a fixed second file),
/// checks it against known names, runs its tests, routes a few calls through every context, and
/// formats every trace and plan. Any trap is a finding: no input file may crash the gateway.
enum DialplanHarness {
    static func run(_ bytes: [UInt8]) {
        let fs = InMemoryFileSystem(bytes: [
            "f/a.xml": bytes,
            "f/lib/b.xml": Array(#"<dialplan><route-group name="g"><route name="r"><echo/></route></route-group></dialplan>"#.utf8),
        ])
        let environment = DialplanEnvironment(trunks: ["pbx"], users: ["alice"])
        let result = DialplanLoader.load(directory: "f", environment: environment, fileSystem: fs)
        var sink = 0
        for d in result.diagnostics {
            sink &+= d.description.utf8.count
            precondition(d.location.file.hasPrefix("f/"), "diagnostic without its file: \(d)")
        }
        guard let plan = result.dialplan else {
            precondition(!result.errors.isEmpty, "no plan and no error")
            return
        }
        for outcome in DialplanTestRunner.run(plan) {
            sink &+= outcome.failures.count &+ outcome.result.traceText().utf8.count
        }
        let calls = [
            CallFields(destination: "9196", caller: "alice", source: .user("alice"), sourceIP: "127.0.0.1", transport: "ws"),
            CallFields(destination: "2001", caller: "+4930123", callerName: "Bob", source: .trunk("pbx"), sourceIP: "2001:db8::1",
                       headers: [("X-Test", "1")], variables: ["v": "x"]),
            CallFields(destination: "", caller: "", sourceIP: "not an address"),
        ]
        let times = [Date(timeIntervalSince1970: 1_774_747_800), Date(timeIntervalSince1970: 1_792_891_800)]
        for name in plan.contextOrder {
            for call in calls {
                for at in times {
                    let r = plan.evaluate(call: call, context: name, at: at)
                    precondition(!r.plan.isEmpty, "evaluation returned an empty plan")
                    sink &+= r.traceText().utf8.count &+ r.planText().utf8.count
                }
            }
        }
        if sink == 42 { print("") }
    }
}
