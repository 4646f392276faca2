import Dialplan
import Foundation

/// Dialplan costs: loading and routing through a 10,000-route plan (the call matches only the last
/// route, so every route is tested), the shipped plan's browser-to-browser route, and patterns made
/// to backtrack against the longest value a caller may send (256 bytes) and a 100 kB one. The goal
/// is ≥ 100,000 routes evaluated per second on one core; the adversarial cases show RE2's linear time.
func dialplanBenchmarks() throws -> [Measurement] {
    let routeCount = 10_000
    let text = largeDialplan(routes: routeCount)
    var results: [Measurement] = []

    var loaded: Dialplan?
    results.append(try measure("dialplan.load.10000-routes", iterations: 2, batches: 2) {
        loaded = try DialplanLoader.load(text: text, file: "bench.xml").get()
    })
    guard let plan = loaded else { return results }

    let worst = CallFields(destination: "end-of-plan", caller: "alice", callerName: "Alice", source: .user("alice"),
                           sourceIP: "192.0.2.10", transport: "wss", headers: [("X-Account", "acct-1")])
    let at = Date(timeIntervalSince1970: 1_767_614_400)
    var matched = 0
    let full = measure("dialplan.evaluate.10000-routes.last-matches", iterations: 30) {
        let r = plan.evaluate(call: worst, context: "bench", at: at)
        matched &+= r.matchedRoutes.count
    }
    guard matched > 0 else { throw BenchError("the 10,000-route plan matched nothing") }
    let perSecond = Double(routeCount) / (full.nanosecondsPerOp / 1e9)
    results.append(Measurement(
        name: full.name, nanosecondsPerOp: full.nanosecondsPerOp,
        note: String(format: "%.0f routes/s (goal 100000), %.0f ns/route", perSecond, full.nanosecondsPerOp / Double(routeCount)),
        allocationsPerOp: full.allocationsPerOp))

    let defaultText = """
        <dialplan><context name="from-browser">
          <route name="echo-test"><match field="destination" pattern="^9196$"/><answer/><echo/></route>
          <route name="browser-to-browser"><match field="destination" pattern="^([a-z][a-z0-9._-]*)$"/>
            <bridge timeout="30s"><target user="$1"/></bridge></route>
        </context></dialplan>
        """
    let small = try DialplanLoader.load(text: defaultText, file: "default.xml").get()
    let toBob = CallFields(destination: "bob", caller: "alice", source: .user("alice"), sourceIP: "127.0.0.1", transport: "ws")
    results.append(measure("dialplan.evaluate.browser-to-browser", iterations: 50_000) {
        matched &+= small.evaluate(call: toBob, context: "from-browser", at: at).plan.count
    })

    // On a backtracking engine each of these takes time exponential in the a's.
    let adversarial = try DialplanLoader.load(text: """
        <dialplan><context name="c">
          <route name="nested"><match field="destination" pattern="(a+)+$"/><answer/></route>
          <route name="alternation"><match field="destination" pattern="^(a|a)*b$"/><answer/></route>
          <route name="overlap"><match field="destination" pattern="(x+x+)+y"/><answer/></route>
          <route name="none"><reject code="404"/></route>
        </context></dialplan>
        """, file: "adversarial.xml").get()
    for (name, length, iterations) in [("256-bytes", 256, 20_000), ("100-kB", 100_000, 50)] {
        let evil = CallFields(destination: String(repeating: "a", count: length) + "!", caller: "x")
        results.append(measure("dialplan.evaluate.adversarial.\(name)", iterations: iterations) {
            matched &+= adversarial.evaluate(call: evil, context: "c", at: at).plan.count
        })
    }
    return results
}


/// A plan in the shapes real ones have: exact numbers, prefixes with captures, patterns without a
/// literal prefix (which reach the regex engine), and caller/header tests; the last route matches.
private func largeDialplan(routes: Int) -> String {
    var out = "<dialplan timezone=\"Europe/Berlin\"><context name=\"bench\">\n"
    for i in 0..<(routes - 1) {
        let n = String(format: "%04d", i)
        out += "<route name=\"r\(i)\">"
        switch i % 5 {
        case 0:
            out += "<match field=\"destination\" pattern=\"^\\+4930\(n)(\\d*)$\"/><bridge><target trunk=\"pbx\" user=\"$1\"/></bridge>"
        case 1:
            out += "<match field=\"destination\" pattern=\"^7\(n)$\"/><answer/><echo/>"
        case 2:
            out += "<match field=\"destination\" pattern=\"^(\\d{2})55\(n)$\"/><bridge><target uri=\"sip:$1@x.example\"/></bridge>"
        case 3:
            out += "<match field=\"caller\" pattern=\"^bob-\(n)$\"/><match header=\"X-Account\" pattern=\"^acct-(\\d+)$\"/><answer/>"
        default:
            out += "<time days=\"sat,sun\" hours=\"22:00-06:00\"/><match field=\"destination\" equals=\"9\(n)\"/><reject code=\"480\"/>"
        }
        out += "</route>\n"
    }
    out += "<route name=\"last\"><match field=\"destination\" pattern=\"^end-of-plan$\"/><bridge><target user=\"alice\"/></bridge></route>\n"
    return out + "</context></dialplan>\n"
}
