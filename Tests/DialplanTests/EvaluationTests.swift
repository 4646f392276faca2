import Foundation
import Testing
@testable import Dialplan

/// Routing decisions: which route matches, captures, fields, groups, continue and else.
@Suite struct EvaluationTests {
    let plan: Dialplan

    init() throws {
        plan = try Support.plan(Support.context("""
            <route name="echo"><match field="destination" pattern="^9196$"/><answer/><echo/></route>
            <route name="ext"><match field="destination" pattern="^(2\\d{3})$"/>
              <bridge timeout="30s"><target trunk="pbx" user="$1"/></bridge></route>
            <route name="intl"><match field="destination" pattern="^00(?'country'[1-9]\\d?)(?'rest'\\d+)$"/>
              <set var="cc" value="${country}"/><bridge><target uri="sip:+${country}${rest}@carrier.example"/></bridge></route>
            <route name="user"><match field="destination" pattern="^([a-z]+)$"/><bridge><target user="$1"/></bridge></route>
            """))
    }

    @Test func firstMatchingRouteWins() {
        let r = Support.route(plan, CallFields(destination: "9196"))
        #expect(r.matchedRoutes == ["echo"])
        #expect(r.plan == [.answer, .echo])
    }

    @Test func numberedCaptureExpandsInTarget() throws {
        let r = Support.route(plan, CallFields(destination: "2001"))
        #expect(r.matchedRoutes == ["ext"])
        let bridge = try #require(r.firstBridge)
        #expect(bridge.legs == [BridgeLeg(target: .trunk(name: "pbx", user: "2001"), timeout: nil)])
        #expect(bridge.timeout == .seconds(30))
    }

    @Test func namedCapturesExpandAndSetVariables() throws {
        let r = Support.route(plan, CallFields(destination: "004930123"))
        #expect(r.variables["cc"] == "49")
        #expect(r.firstBridge?.legs.first?.target == .uri("sip:+4930123@carrier.example"))
    }

    @Test func noMatchRejects404AndTracesEveryTest() {
        let r = Support.route(plan, CallFields(destination: "+1"))
        #expect(r.matchedRoutes.isEmpty)
        #expect(r.plan == [.reject(code: 404, reason: "Not Found")])
        let fails = r.trace.filter { if case .test(_, _, false) = $0.event { true } else { false } }
        #expect(fails.count == 4)
        #expect(r.traceText().contains("FAIL  destination \"+1\" ~ /^9196$/"))
    }

    @Test func unknownContextRejects() {
        let r = Support.route(plan, CallFields(destination: "1"), context: "nope")
        #expect(r.plan == [.reject(code: 404, reason: "Not Found")])
        #expect(r.traceText().contains("context nope does not exist"))
    }

    @Test func everyFieldCanBeMatched() throws {
        let p = try Support.plan(Support.context("""
            <route name="r">
              <match field="destination" equals="1"/>
              <match field="caller" pattern="^alice$"/>
              <match field="caller-name" pattern="^Alice A\\.$"/>
              <match field="source-ip" cidr="10.0.0.0/8 2001:db8::/32"/>
              <match field="transport" pattern="^wss?$"/>
              <match field="user" equals="alice"/>
              <match field="trunk" equals=""/>
              <match field="source" equals="user"/>
              <match header="X-Account" pattern="^acct-(\\d+)$"/>
              <match var="tier" equals="gold"/>
              <set var="acct" value="$1"/><answer/>
            </route>
            """))
        var call = CallFields(destination: "1", caller: "alice", callerName: "Alice A.", source: .user("alice"),
                              sourceIP: "10.1.2.3", transport: "wss", headers: [("x-account", "acct-77")],
                              variables: ["tier": "gold"])
        var r = Support.route(p, call)
        #expect(r.matchedRoutes == ["r"])
        #expect(r.variables["acct"] == "77")
        call.sourceIP = "2001:db8::5"
        #expect(Support.route(p, call).matchedRoutes == ["r"])
        call.sourceIP = "192.168.1.1"
        r = Support.route(p, call)
        #expect(r.matchedRoutes.isEmpty)
        #expect(r.traceText().contains("FAIL  source-ip \"192.168.1.1\" in 10.0.0.0/8 2001:db8::/32"))
    }

    @Test func negationPresenceAndIgnoreCase() throws {
        let p = try Support.plan(Support.context("""
            <route name="no-anon"><match field="caller" pattern="^anonymous$" ignore-case="true"/><reject code="433"/></route>
            <route name="needs-header"><match header="X-Token" present="false"/><reject code="403" reason="No token"/></route>
            <route name="not-local"><match field="source-ip" cidr="127.0.0.0/8" not="true"/><reject code="403"/></route>
            <route name="ok"><answer/></route>
            """))
        #expect(Support.route(p, CallFields(destination: "1", caller: "Anonymous")).plan == [.reject(code: 433, reason: nil)])
        #expect(Support.route(p, CallFields(destination: "1", caller: "bob", sourceIP: "127.0.0.1")).plan
            == [.reject(code: 403, reason: "No token")])
        let withToken = CallFields(destination: "1", caller: "bob", sourceIP: "192.0.2.1", headers: [("X-Token", "t")])
        #expect(Support.route(p, withToken).matchedRoutes == ["not-local"])
        var local = withToken
        local.sourceIP = "127.0.0.2"
        #expect(Support.route(p, local).matchedRoutes == ["ok"])
    }

    @Test func anyAllNotGroups() throws {
        let p = try Support.plan(Support.context("""
            <route name="r">
              <any>
                <match field="destination" pattern="^(1\\d\\d)$"/>
                <all><match field="destination" pattern="^(9)(\\d)$"/><match field="caller" equals="boss"/></all>
              </any>
              <not><match field="caller" equals="spammer"/></not>
              <set var="first" value="$1"/><answer/>
            </route>
            """))
        #expect(Support.route(p, CallFields(destination: "123", caller: "x")).variables["first"] == "123")
        #expect(Support.route(p, CallFields(destination: "95", caller: "boss")).variables["first"] == "9")
        #expect(Support.route(p, CallFields(destination: "95", caller: "x")).matchedRoutes.isEmpty)
        #expect(Support.route(p, CallFields(destination: "123", caller: "spammer")).matchedRoutes.isEmpty)
        let text = Support.route(p, CallFields(destination: "95", caller: "x")).traceText()
        #expect(text.contains("FAIL  <all>"))
        #expect(text.contains("FAIL  <any>"))
    }

    @Test func capturesComeFromTheLastMatchingPatternAndNamesAccumulate() throws {
        let p = try Support.plan(Support.context("""
            <route name="r">
              <match field="destination" pattern="^(?&lt;area>\\d{3})(\\d+)$"/>
              <match field="caller" pattern="^(\\w+)@(?'domain'.+)$"/>
              <set var="out" value="$1|$2|${area}|${domain}|$0|$$"/><answer/>
            </route>
            """))
        let r = Support.route(p, CallFields(destination: "030123", caller: "bob@example.com"))
        #expect(r.variables["out"] == "bob|example.com|030|example.com|bob@example.com|$")
    }

    @Test func continueRunsLaterRoutesAndElseRunsWhenTestsFail() throws {
        let p = try Support.plan(Support.context("""
            <route name="tag" continue="true"><match field="source" equals="trunk"/><set var="from_trunk" value="yes"/>
              <else><set var="from_trunk" value="no"/></else></route>
            <route name="vip" continue="true"><match field="caller" equals="vip"/><add-header name="X-VIP" value="1"/></route>
            <route name="final"><bridge><target user="alice"/></bridge></route>
            """))
        let r = Support.route(p, CallFields(destination: "1", caller: "vip", source: .trunk("pbx")))
        #expect(r.matchedRoutes == ["tag", "vip", "final"])
        #expect(r.variables["from_trunk"] == "yes")
        #expect(r.firstBridge?.headers == [.add(name: "X-VIP", value: "1")])
        let other = Support.route(p, CallFields(destination: "1", caller: "x", source: .user("bob")))
        #expect(other.matchedRoutes == ["tag", "final"])
        #expect(other.variables["from_trunk"] == "no")
        #expect(other.traceText().contains("tests failed: running <else>"))
    }

    @Test func builtinVariablesAndHeadersExpand() throws {
        let p = try Support.plan(Support.context("""
            <route name="r"><set var="v" value="${destination},${caller},${caller_name},${source_ip},${transport},${user},${trunk},${source},${context},${route},${header:x-a},${missing}."/><answer/></route>
            """))
        let r = Support.route(p, CallFields(destination: "d", caller: "c", callerName: "n", source: .user("u"), sourceIP: "1.2.3.4",
                                              transport: "ws", headers: [("X-A", "h")]))
        #expect(r.variables["v"] == "d,c,n,1.2.3.4,ws,u,,user,c,r,h,.")
    }

    @Test func evaluationIsDeterministic() {
        let call = CallFields(destination: "2001", caller: "alice")
        let a = Support.route(plan, call)
        let b = Support.route(plan, call)
        #expect(a.plan == b.plan)
        #expect(a.traceText() == b.traceText())
    }
}

/// Routing takes time linear in its input whatever the pattern: RE2, not a backtracking engine.
@Suite struct LinearRoutingTests {
    /// `(a+)+$` against `aaa…ab` is the classic catastrophic backtracking case: on ICU it ran for
    /// more than twelve minutes on 10,000 characters. The bound is generous (this is no speed goal,
    /// `make bench` measures routing): a backtracking engine could not finish in it.
    @Test(.timeLimit(.minutes(1))) func nestedQuantifiersAgainstA100kBInputAnswerAtOnce() throws {
        let plan = try Support.plan(Support.context("""
            <route name="evil"><match field="destination" pattern="(a+)+$"/><bridge><target user="x"/></bridge></route>
            <route name="also"><match field="destination" pattern="^(a|a)*b$"/><bridge><target user="y"/></bridge></route>
            """))
        let started = ContinuousClock.now
        let endsInB = Support.route(plan, CallFields(destination: String(repeating: "a", count: 100_000) + "b"))
        let onlyA = Support.route(plan, CallFields(destination: String(repeating: "a", count: 100_000)))
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(endsInB.matchedRoutes == ["also"], "\(endsInB.matchedRoutes)")
        #expect(onlyA.matchedRoutes == ["evil"], "\(onlyA.matchedRoutes)")
    }

    @Test func capturesAndNamedGroupsComeFromRE2() throws {
        let plan = try Support.plan(Support.context("""
            <route name="r"><match field="destination" pattern="^(?&lt;country>\\+\\d{2})(\\d+)$"/>
              <set var="cc" value="${country}"/><bridge><target user="$2"/></bridge></route>
            """))
        let result = Support.route(plan, CallFields(destination: "+4930123"))
        #expect(result.matchedRoutes == ["r"])
        #expect(result.variables["cc"] == "+49", "\(result.variables)")
        #expect(result.firstBridge?.legs.first?.target == .user("30123"))
    }
}
