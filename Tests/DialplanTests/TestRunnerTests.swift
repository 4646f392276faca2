import Foundation
import Testing
@testable import Dialplan

/// `<test>` cases in dialplan files, and the shipped `dialplans/` folder.
@Suite struct TestRunnerTests {
    @Test func passingAndFailingCasesSayWhy() throws {
        let plan = try Support.plan("""
            <dialplan>
              <context name="c">
                <route name="echo"><match field="destination" equals="9196"/><answer/><echo/></route>
                <route name="pbx"><match field="destination" pattern="^(2\\d{3})$"/><set var="ext" value="$1"/>
                  <bridge><target trunk="pbx" user="$1"/><target uri="sip:$1@backup.example"/></bridge></route>
                <route name="busy"><reject code="486"/></route>
                <test to="9196" expect-route="echo" expect-plan="answer echo"/>
                <test name="pbx ok" to="2001" expect-route="pbx" expect-bridge="trunk:pbx/2001 uri:sip:2001@backup.example">
                  <expect-var name="ext" value="2001"/>
                </test>
                <test name="wrong" to="2001" expect-route="echo" expect-bridge="user:alice" expect-reject="404" expect-plan="answer">
                  <expect-var name="ext" value="9"/>
                </test>
              </context>
              <test context="c" to="x" at="2026-03-29T01:30:00Z" expect-reject="486"/>
              <test context="c" to="9196" expect-route=""/>
            </dialplan>
            """)
        let outcomes = DialplanTestRunner.run(plan)
        #expect(outcomes.map(\.passed) == [true, true, false, true, false])
        #expect(outcomes[2].failures == [
            #"expected route "echo" to match, got "pbx""#,
            "expected bridge to user:alice, got trunk:pbx/2001 uri:sip:2001@backup.example",
            "expected reject 404, got no reject (plan: bridge)",
            "expected plan answer, got bridge",
            #"expected ${ext} = "9", got "2001""#,
        ])
        #expect(outcomes[4].failures == [#"expected no route to match, got "echo""#])
        #expect(outcomes[0].test.name == "c to 9196")
    }

    @Test func headersVariablesAndSourcesInTests() throws {
        let plan = try Support.plan("""
            <dialplan><context name="c">
              <route name="r"><match header="X-Tenant" equals="acme"/><match var="vip" equals="1"/><match field="trunk" equals="pbx"/>
                <match field="transport" equals="udp"/><match field="source-ip" cidr="192.0.2.0/24"/><answer/></route>
              <test to="1" trunk="pbx" source-ip="192.0.2.7" expect-route="r"><header name="x-tenant" value="acme"/><var name="vip" value="1"/></test>
            </context></dialplan>
            """)
        #expect(DialplanTestRunner.run(plan).allSatisfy { $0.passed })
    }

    @Test func shippedDialplansPassTheirTestsAndCheckClean() throws {
        let dir = Support.repositoryRoot.appendingPathComponent("dialplans").path
        let result = DialplanLoader.load(directory: dir, environment: DialplanEnvironment(trunks: [], users: ["alice", "bob"]))
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let plan = try #require(result.dialplan)
        #expect(plan.contexts.keys.sorted() == ["from-browser", "from-trunk"])
        let outcomes = DialplanTestRunner.run(plan)
        #expect(outcomes.count >= 8)
        for o in outcomes {
            #expect(o.passed, "\(o.test.location) \(o.test.name): \(o.failures)")
        }
        // Every route of the shipped plan has a test case.
        var routes = Set<String>()
        for c in plan.contexts.values { for case .route(let r) in c.entries { routes.insert(r.name) } }
        for g in plan.routeGroups.values { for case .route(let r) in g.entries { routes.insert(r.name) } }
        let tested = Set(outcomes.flatMap(\.result.matchedRoutes))
        #expect(routes.subtracting(tested).isEmpty, "routes without a test: \(routes.subtracting(tested).sorted())")
    }
}
