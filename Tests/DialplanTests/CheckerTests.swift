import Foundation
import Testing
@testable import Dialplan

/// Every error the loader and checker report, each with its exact `file:line:column`.
@Suite struct CheckerTests {
    let environment = DialplanEnvironment(trunks: ["pbx", "carrier"], users: ["alice", "bob"])

    func errors(_ text: String, file: String = "d.xml") -> [String] {
        Support.diagnostics(text, file: file, environment: environment)
    }

    @Test func unknownTrunkNamesTheAttributeAndTheKnownTrunks() {
        let text = """
            <dialplan>
              <context name="from-browser">
                <route name="pbx">
                  <bridge><target trunk="pbxx" user="$1"/></bridge>
                </route>
              </context>
            </dialplan>
            """
        let diagnostics = errors(text, file: "dialplans/default.xml")
        #expect(diagnostics.contains(#"dialplans/default.xml:4:23: route "pbx" bridges to unknown trunk "pbxx" (known: carrier, pbx)"#))
        #expect(diagnostics.contains(#"dialplans/default.xml:4:7: warning: route "pbx" uses $1 but its patterns capture at most 0 groups"#))
    }

    @Test func unknownTrunkWhenNoneAreConfigured() {
        let d = Support.diagnostics(#"<dialplan><context name="c"><route name="r"><bridge><target trunk="pbx"/></bridge></route></context></dialplan>"#,
                                    environment: DialplanEnvironment(trunks: [], users: []))
        #expect(d == [#"t.xml:1:61: route "r" bridges to unknown trunk "pbx" (no trunks are configured)"#])
    }

    @Test func unknownUsersLiteralTargetsAndGroupMembers() {
        let text = """
            <dialplan>
              <user-group name="desk" members="alice carol"/>
              <context name="c">
                <route name="r"><bridge><target user="zed"/><target user="$1x"/></bridge></route>
              </context>
            </dialplan>
            """
        let d = errors(text)
        #expect(d.contains(#"d.xml:2:27: user group "desk" lists unknown user "carol" (known: alice, bob)"#))
        #expect(d.contains(#"d.xml:4:37: route "r" bridges to unknown user "zed" (known: alice, bob)"#))
        #expect(d.count == 3) // plus the $1 warning; "$1x" is dynamic and not checked
    }

    @Test func unknownContextsAndGroups() {
        let text = """
            <dialplan>
              <context name="c">
                <use group="nope"/>
                <route name="r"><match field="destination" pattern="^1"/><call group="missing"/><transfer context="elsewhere"/></route>
                <route name="s"><bridge><target group="team"/></bridge></route>
              </context>
              <test context="zzz" to="1" expect-route="r"/>
            </dialplan>
            """
        #expect(errors(text) == [
            #"d.xml:3:10: context "c" uses unknown route group "nope""#,
            #"d.xml:4:68: route "r" calls unknown route group "missing""#,
            #"d.xml:4:95: route "r" transfers to unknown context "elsewhere" (known: c)"#,
            #"d.xml:5:37: route "s" bridges to unknown user group "team""#,
            #"d.xml:7:3: test "zzz to 1" uses unknown context "zzz" (known: c)"#,
        ])
    }

    @Test func unreachableRouteAfterACatchAll() {
        let text = """
            <dialplan>
              <context name="c">
                <route name="tag" continue="true"><set var="x" value="1"/></route>
                <route name="all"><answer/></route>
                <route name="late"><match field="destination" pattern="^1$"/><echo/></route>
                <use group="g"/>
              </context>
              <route-group name="g">
                <route name="first"><match field="caller" pattern="^x"/><echo/><else><answer/></else></route>
                <route name="dead"><echo/></route>
              </route-group>
            </dialplan>
            """
        #expect(errors(text) == [
            #"d.xml:5:5: route "late" is unreachable: route "all" at d.xml:4:5 matches every call and does not continue"#,
            #"d.xml:6:10: <use group="g"> is unreachable: route "all" at d.xml:4:5 matches every call and does not continue"#,
            #"d.xml:10:5: route "dead" is unreachable: route "first" at d.xml:9:5 matches every call and does not continue"#,
        ])
    }

    @Test func duplicateNames() {
        let text = """
            <dialplan>
              <context name="c"><route name="r"><echo/></route></context>
              <context name="c"><route name="y"><echo/></route></context>
              <context name="d"><route name="x"><match field="caller" pattern="a"/><echo/></route><route name="x"><echo/></route></context>
            </dialplan>
            """
        #expect(errors(text) == [
            #"d.xml:3:12: context "c" is already defined at d.xml:2:3"#,
            #"d.xml:4:87: context "d" already has a route named "x" at d.xml:4:21"#,
        ])
        let d = errors(text)
        #expect(d.contains(#"d.xml:3:12: context "c" is already defined at d.xml:2:3"#))
    }

    @Test func routeGroupCycle() {
        let text = """
            <dialplan>
              <route-group name="a"><use group="b"/></route-group>
              <route-group name="b"><route name="r"><call group="a"/></route></route-group>
              <context name="c"><use group="a"/></context>
            </dialplan>
            """
        #expect(errors(text) == [#"d.xml:3:47: route groups call each other in a loop: a → b → a"#])
    }

    @Test func invalidRegexPointsAtThePatternAttribute() {
        let text = """
            <dialplan>
              <context name="c">
                <route name="r">
                  <match field="destination"
                         pattern="^(2\\d{3}$"/>
                  <echo/>
                </route>
              </context>
            </dialplan>
            """
        #expect(errors(text) == [#"d.xml:5:14: invalid pattern "^(2\d{3}$": not a valid regular expression: missing )"#])
    }

    @Test(arguments: [
        (#"^(\d)\1$"#, "backreferences"), ("^(?=1)", "lookahead and lookbehind"), ("^(?&lt;!0)1", "lookahead and lookbehind"),
        ("^(?>12)", "atomic groups"), ("^1(a{1000}){1000}", "1000"),
    ])
    func whatRE2CannotMatchInLinearTimeIsRefusedAtItsPlace(pattern: String, says: String) {
        let text = """
            <dialplan>
              <context name="c">
                <route name="r"><match field="destination" pattern="\(pattern)"/><echo/></route>
              </context>
            </dialplan>
            """
        let found = errors(text)
        #expect(found.count == 1 && found[0].hasPrefix("d.xml:3:") && found[0].contains(says), "\(found)")
    }

    @Test func schemaErrorsEachWithTheirPlace() {
        let text = """
            <dialplan timezone="Mars/Base">
              <context name="c">
                <route name="r" contineu="true">
                  <match feild="destination" pattern="1"/>
                  <match field="destination" pattern="1" equals="1"/>
                  <match field="colour" pattern="1"/>
                  <time hours="25:00-26:00"/>
                  <time days="someday"/>
                  <time dates="2026-02-30"/>
                  <frobnicate/>
                  <bridge mode="sideways" timeout="soon"><target/><target trunk="pbx" uri="sip:x@y"/></bridge>
                  <reject code="200"/>
                  <set-header name="Via" value="x"/>
                  <set var="destination" value="x"/>
                  <media codecs="g729"/>
                  <tone name="howl"/>
                  <log level="loud" message="x"/>
                  <transfer/>
                  <set var="v" value="${unclosed"/>
                  <match field="caller" pattern="late"/>
                </route>
                <route><echo/></route>
              </context>
            </dialplan>
            """
        #expect(errors(text) == [
            #"d.xml:1:11: unknown timezone "Mars/Base" (use an IANA name such as Europe/Berlin)"#,
            #"d.xml:3:21: unknown attribute "contineu" on <route> (expected: name, continue)"#,
            #"d.xml:4:7: <match> needs exactly one of field="...", header="..." or var="...""#,
            #"d.xml:4:14: unknown attribute "feild" on <match> (expected: field, header, var, pattern, equals, cidr, present, not, ignore-case)"#,
            #"d.xml:5:46: <match> needs exactly one of pattern="...", equals="...", cidr="..." or present="...""#,
            #"d.xml:6:14: unknown field "colour" (known: caller, caller-name, destination, source, source-ip, transport, trunk, user; use header="..." or var="..." for others)"#,
            #"d.xml:7:13: "25:00-26:00" is not a list of hour ranges such as 09:00-17:00,22:00-06:00"#,
            #"d.xml:8:13: "someday" is not a list of days such as mon-fri,sun"#,
            #"d.xml:9:13: "2026-02-30" is not a list of dates such as 2026-12-24..2026-12-26 or 12-25"#,
            #"d.xml:10:7: unknown element <frobnicate> (tests: <match>, <time>, <any>, <all>, <not>; actions: <set>, <unset>, <add-header>, <set-header>, <remove-header>, <caller-id>, <bridge>, <answer>, <echo>, <tone>, <playback>, <reject>, <hangup>, <transfer>, <media>, <max-duration>, <log>, <call>; <else>)"#,
            #"d.xml:11:15: bridge mode must be failover or parallel, not "sideways""#,
            #"d.xml:11:31: "timeout" must be a duration such as 30s, 1500ms, 5m or 1h30m, not "soon""#,
            #"d.xml:11:46: <target> needs trunk="...", uri="...", user="..." or group="...""#,
            #"d.xml:11:75: a <target> is one of trunk="..." (with user="..."), uri="...", user="..." or group="...""#,
            #"d.xml:12:15: "200" is not a SIP final failure status (400-699)"#,
            #"d.xml:13:19: the gateway builds the Via header itself; it cannot be edited (use <caller-id> for the From identity)"#,
            #"d.xml:14:12: "destination" is a call field and cannot be set (transfer with destination="..." changes the destination)"#,
            #"d.xml:15:14: unknown codec "g729" (known: opus, PCMU, PCMA, G722, telephone-event)"#,
            #"d.xml:16:13: unknown tone "howl" (known: beep, busy, congestion, dial, ring, test)"#,
            #"d.xml:17:12: unknown log level "loud" (known: debug, info, notice, warning, error)"#,
            #"d.xml:18:7: <transfer> needs a "context" attribute"#,
            #"d.xml:19:20: "value": '${' without a closing '}'"#,
            #"d.xml:20:7: <match> must come before the route's actions: tests run first"#,
            #"d.xml:22:5: <route> needs a "name" attribute"#,
        ])
    }

    @Test func warningsDoNotStopLoading() {
        let result = DialplanLoader.load(text: Support.context(#"<route name="r"><reject code="486"/><answer/></route>"#))
        #expect(result.errors.isEmpty)
        #expect(result.dialplan != nil)
        #expect(result.warnings.map(\.description) == [
            #"dialplan.xml:3:37: warning: route "r": this action never runs, the <reject> at dialplan.xml:3:17 ends routing"#,
        ])
    }
}
