import Foundation
import Testing
@testable import Dialplan

/// Every action element: what it puts in the plan, and what it carries into bridges.
@Suite struct ActionTests {
    func result(_ actions: String, call: CallFields = CallFields(destination: "100", caller: "alice"), extra: String = "") throws -> RoutingResult {
        let p = try Support.plan(Support.context("<route name=\"r\"><match field=\"destination\" pattern=\"^(\\d+)$\"/>\(actions)</route>", extra: extra))
        return Support.route(p, call)
    }

    @Test func setAndUnsetVariables() throws {
        let r = try result(#"<set var="a" value="x$1"/><set var="b" value="${a}y"/><unset var="pre"/><answer/>"#,
                           call: CallFields(destination: "7", variables: ["pre": "1"]))
        #expect(r.variables == ["a": "x7", "b": "x7y"])
    }

    @Test func headerEditsAndCallerIDTravelWithTheBridge() throws {
        let r = try result("""
            <add-header name="X-Route" value="$1"/><set-header name="P-Asserted-Identity" value="&lt;sip:${caller}@example.com&gt;"/>
            <remove-header name="X-Internal"/><caller-id number="+4930$1" name="Desk ${caller}"/>
            <bridge><target uri="sip:$1@pbx.example.com"/></bridge>
            <add-header name="X-Late" value="1"/>
            """)
        let b = try #require(r.firstBridge)
        #expect(b.headers == [.add(name: "X-Route", value: "100"), .set(name: "P-Asserted-Identity", value: "<sip:alice@example.com>"),
                              .remove(name: "X-Internal")])
        #expect(b.callerID == CallerID(number: "+4930100", name: "Desk alice"))
        #expect(r.headers.count == 4)
    }

    @Test func answerEchoTonePlayback() throws {
        let r = try result("""
            <answer/><tone name="beep"/><playback file="welcome-$1.wav"/><tone frequencies="1000" duration="30s" level="-10"/>
            <tone frequencies="440+480" cadence="2s/4s"/><echo/>
            """)
        #expect(r.plan == [
            .answer, .tone(Tone.presets["beep"]!), .playback("welcome-100.wav"),
            .tone(Tone(frequencies: [1000], duration: .seconds(30), level: -10)),
            .tone(Tone(frequencies: [440, 480], onMilliseconds: 2000, offMilliseconds: 4000)), .echo,
        ])
    }

    @Test func rejectAndHangupEndRouting() throws {
        let r = try result(#"<reject code="486" reason="Busy ${caller}"/>"#)
        #expect(r.plan == [.reject(code: 486, reason: "Busy alice")])
        let h = try result(#"<answer/><hangup/>"#)
        #expect(h.plan == [.answer, .hangup(code: nil, reason: nil)])
        let coded = try result(#"<hangup code="503" reason="Maintenance"/>"#)
        #expect(coded.plan == [.hangup(code: 503, reason: "Maintenance")])
    }

    @Test func mediaPolicyMergesAndMaxDuration() throws {
        let r = try result("""
            <media codecs="pcma opus" mode="pass-through"/><media dtmf="info"/><max-duration value="1h30m"/>
            <bridge><target user="bob"/></bridge>
            """)
        let b = try #require(r.firstBridge)
        #expect(b.media == MediaPolicy(codecs: ["PCMA", "opus"], transcoding: .passThrough, dtmf: .info))
        #expect(b.maxDuration == .seconds(5400))
        #expect(r.planText().contains("media: codecs PCMA,opus, pass-through, dtmf info"))
    }

    @Test func logLinesArePlanSteps() throws {
        let r = try result(#"<log level="warning" message="odd call to $1"/><log>text form ${caller}</log><answer/>"#)
        #expect(r.plan == [.log(.warning, "odd call to 100"), .log(.info, "text form alice"), .answer])
    }

    @Test func transferContinuesInAnotherContextWithANewDestination() throws {
        let p = try Support.plan("""
            <dialplan>
              <context name="c"><route name="strip"><match field="destination" pattern="^9(\\d+)$"/>
                <set var="dialled" value="${destination}"/><transfer context="out" destination="$1"/><answer/></route></context>
              <context name="out"><route name="any"><match field="destination" pattern="^(\\d+)$"/>
                <bridge><target uri="sip:$1@carrier.example"/></bridge></route></context>
            </dialplan>
            """)
        let r = Support.route(p, CallFields(destination: "9123"))
        #expect(r.matchedRoutes == ["strip", "any"])
        #expect(r.context == "out")
        #expect(r.destination == "123")
        #expect(r.variables["dialled"] == "9123")
        #expect(r.plan.map(\.name) == ["bridge"])
        #expect(r.traceText().contains("→ transfer to context out, destination \"123\""))
    }

    @Test func transferLoopsAreCutOff() throws {
        let p = try Support.plan("""
            <dialplan><context name="a"><route name="r"><transfer context="b"/></route></context>
            <context name="b"><route name="r"><transfer context="a"/></route></context></dialplan>
            """)
        let r = Support.route(p, CallFields(destination: "1"), context: "a")
        #expect(r.plan == [.reject(code: 482, reason: "Loop Detected")])
    }

    @Test func routeGroupsRunLikeSubroutines() throws {
        let p = try Support.plan("""
            <dialplan>
              <route-group name="tag">
                <route name="t-trunk"><match field="source" equals="trunk"/><set var="kind" value="external"/></route>
                <route name="t-other"><set var="kind" value="internal"/></route>
              </route-group>
              <route-group name="blocked">
                <route name="spam"><match field="caller" pattern="^666"/><reject code="603"/></route>
              </route-group>
              <context name="c">
                <use group="blocked"/>
                <route name="main"><call group="tag"/><set var="after" value="${kind}!"/><answer/></route>
              </context>
            </dialplan>
            """)
        let r = Support.route(p, CallFields(destination: "1", caller: "123", source: .trunk("pbx")))
        #expect(r.matchedRoutes == ["main", "t-trunk"])
        #expect(r.variables["after"] == "external!")
        #expect(r.plan == [.answer])
        let spam = Support.route(p, CallFields(destination: "1", caller: "6661"))
        #expect(spam.matchedRoutes == ["spam"])
        #expect(spam.plan == [.reject(code: 603, reason: nil)])
        #expect(spam.traceText().contains("route group blocked"))
    }

    @Test func routesThatOnlySetVariablesStillGetA404() throws {
        let p = try Support.plan(Support.context(#"<route name="r" continue="true"><set var="x" value="1"/></route>"#))
        let r = Support.route(p, CallFields(destination: "1"))
        #expect(r.plan == [.reject(code: 404, reason: "Not Found")])
        #expect(r.traceText().contains("no route handled the call"))
    }
}

/// `<bridge>`: target kinds, failover and parallel plans, timeouts and failover codes.
@Suite struct BridgeTests {
    @Test func failoverInOrderWithCodesAndPerTargetTimeouts() throws {
        let p = try Support.plan(Support.context("""
            <route name="r"><match field="destination" pattern="^(\\d+)$"/>
              <bridge timeout="20s" failover-on="timeout 486 5xx 600-603">
                <target trunk="pbx" user="$1" timeout="10s"/><target trunk="backup"/><target uri="sips:$1@far.example"/>
              </bridge><playback file="unavailable.wav"/><hangup/>
            </route>
            """))
        let r = Support.route(p, CallFields(destination: "2001"))
        let b = try #require(r.firstBridge)
        #expect(b.mode == .failover)
        #expect(b.timeout == .seconds(20))
        #expect(b.legs == [
            BridgeLeg(target: .trunk(name: "pbx", user: "2001"), timeout: .seconds(10)),
            BridgeLeg(target: .trunk(name: "backup", user: "2001"), timeout: nil),
            BridgeLeg(target: .uri("sips:2001@far.example"), timeout: nil),
        ])
        #expect(b.failover.retries(on: nil))
        #expect(b.failover.retries(on: 486))
        #expect(b.failover.retries(on: 503))
        #expect(b.failover.retries(on: 602))
        #expect(!b.failover.retries(on: 404))
        #expect(r.plan.map(\.name) == ["bridge", "playback", "hangup"])
        #expect(r.planText().contains("next target on timeout 486 5xx 600-603"))
    }

    @Test func defaultFailoverSkipsBusyAndDeclined() {
        let f = FailoverPolicy.default
        #expect(f.retries(on: nil) && f.retries(on: 503) && f.retries(on: 408) && f.retries(on: 480))
        #expect(!f.retries(on: 486) && !f.retries(on: 603) && !f.retries(on: 404))
    }

    @Test func parallelRingsUsersAndGroups() throws {
        let p = try Support.plan(Support.context("""
            <route name="r"><bridge mode="parallel" timeout="25s"><target user="alice"/><target group="desk"/></bridge></route>
            """, extra: #"<user-group name="desk" members="bob, carol dave"/>"#))
        let b = try #require(Support.route(p, CallFields(destination: "1")).firstBridge)
        #expect(b.mode == .parallel)
        #expect(b.legs.map(\.target) == [.user("alice"), .users(group: "desk", members: ["bob", "carol", "dave"])])
        #expect(b.legs.map(\.target.description) == ["user:alice", "group:desk"])
    }

    @Test func trunkTargetWithoutUserDialsTheDestination() throws {
        let p = try Support.plan(Support.context(#"<route name="r"><bridge><target trunk="pbx"/></bridge></route>"#))
        #expect(Support.route(p, CallFields(destination: "555")).firstBridge?.legs.first?.target == .trunk(name: "pbx", user: "555"))
    }
}
