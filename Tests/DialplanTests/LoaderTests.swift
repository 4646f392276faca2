import Foundation
import Testing
@testable import Dialplan

/// Reading folders and files: syntax errors, includes, positions, and what is refused.
@Suite struct LoaderTests {
    @Test func brokenXMLIsReportedWithFileLineColumn() {
        let fs = InMemoryFileSystem([
            "plans/a.xml": "<dialplan>\n  <context name=\"c\">\n    <route name=\"r\"><echo/>\n  </context>\n</dialplan>\n",
        ])
        let result = DialplanLoader.load(directory: "plans", fileSystem: fs)
        #expect(result.dialplan == nil)
        let d = result.diagnostics.map(\.description)
        #expect(d.count == 1)
        #expect(d.first?.hasPrefix("plans/a.xml:4:") == true)
        #expect(d.first?.contains("mismatch") == true)
    }

    @Test func wrongRootAndEmptyFilesAndEmptyFolders() {
        #expect(Support.diagnostics("<plan/>") == ["t.xml:1:1: the root element must be <dialplan>, not <plan>"])
        #expect(Support.diagnostics("") == ["t.xml:1:1: file is empty"])
        let empty = DialplanLoader.load(directory: "none", fileSystem: InMemoryFileSystem([:]))
        #expect(empty.diagnostics.map(\.description) == ["none:0: no *.xml files in the dialplan folder"])
    }

    @Test func includesAcrossFilesResolveRelativeToTheIncluder() throws {
        let fs = InMemoryFileSystem([
            "plans/main.xml": """
                <dialplan>
                  <include file="lib/common.xml"/>
                  <include file="./lib/../lib/common.xml"/>
                  <context name="c"><use group="blocklist"/><route name="r"><call group="tag"/><answer/></route></context>
                </dialplan>
                """,
            "plans/lib/common.xml": """
                <dialplan>
                  <include file="more.xml"/>
                  <route-group name="blocklist"><route name="b"><match field="caller" equals="spam"/><reject code="603"/></route></route-group>
                </dialplan>
                """,
            "plans/lib/more.xml": """
                <dialplan><include file="common.xml"/>
                  <route-group name="tag"><route name="t"><set var="tagged" value="1"/></route></route-group></dialplan>
                """,
        ])
        let result = DialplanLoader.load(directory: "plans", fileSystem: fs)
        #expect(result.diagnostics.isEmpty)
        let plan = try #require(result.dialplan)
        #expect(plan.files == ["plans/main.xml", "plans/lib/common.xml", "plans/lib/more.xml"])
        #expect(Support.route(plan, CallFields(destination: "1", caller: "spam")).plan == [.reject(code: 603, reason: nil)])
        #expect(Support.route(plan, CallFields(destination: "1")).variables["tagged"] == "1")
    }

    @Test func missingIncludePointsAtTheIncludeAttribute() {
        let fs = InMemoryFileSystem(["p/a.xml": "<dialplan>\n  <include file=\"gone.xml\"/>\n</dialplan>"])
        let d = DialplanLoader.load(directory: "p", fileSystem: fs).diagnostics.map(\.description)
        #expect(d == [#"p/a.xml:2:12: included file "p/gone.xml" cannot be read: no such file"#])
    }

    @Test func errorsInSeveralFilesComeInFileOrder() {
        let fs = InMemoryFileSystem([
            "p/b.xml": "<dialplan><context name=\"x\"><route name=\"r\"><bogus/></route></context></dialplan>",
            "p/a.xml": "<dialplan><context name=\"x\"/></dialplan>",
        ])
        let d = DialplanLoader.load(directory: "p", fileSystem: fs).diagnostics.map(\.description)
        #expect(d == [
            #"p/b.xml:1:20: context "x" is already defined at p/a.xml:1:11"#,
            #"p/b.xml:1:45: unknown element <bogus> (tests: <match>, <time>, <any>, <all>, <not>; actions: <set>, <unset>, <add-header>, <set-header>, <remove-header>, <caller-id>, <bridge>, <answer>, <echo>, <tone>, <playback>, <reject>, <hangup>, <transfer>, <media>, <max-duration>, <log>, <call>; <else>)"#,
        ])
    }

    @Test func localFolderOnDisk() throws {
        let dir = NSTemporaryDirectory() + "dp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/lib", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"<dialplan><include file="lib/x.xml"/><context name="c"><route name="r"><call group="g"/></route></context></dialplan>"#
            .write(toFile: dir + "/a.xml", atomically: true, encoding: .utf8)
        try #"<dialplan><route-group name="g"><route name="e"><echo/></route></route-group></dialplan>"#
            .write(toFile: dir + "/lib/x.xml", atomically: true, encoding: .utf8)
        try "not xml, and not loaded".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        let plan = try DialplanLoader.load(directory: dir).get()
        #expect(plan.files.count == 2)
        #expect(Support.route(plan, CallFields(destination: "1")).plan == [.echo])
        let missing = DialplanLoader.load(directory: dir + "/nope")
        #expect(missing.diagnostics.first?.message.hasPrefix("cannot read the dialplan folder") == true)
    }

    @Test func xmlPositionsForMultiLineTagsAndAttributes() throws {
        let text = "<?xml version=\"1.0\"?>\n<!-- <not a=\"tag\"> -->\n<d>\n  <e\n     a=\"1\" b='2'/>\n  <![CDATA[<x y=\"1\">]]><é z=\"3\"/>\n</d>"
        let root = try XMLSource.parse(Array(text.utf8), file: "x.xml")
        #expect(root.position == XMLPosition(line: 3, column: 1))
        #expect(root.children[0].position == XMLPosition(line: 4, column: 3))
        #expect(root.children[0].attributePositions["b"] == XMLPosition(line: 5, column: 12))
        #expect(root.children[1].attributePositions["z"] == XMLPosition(line: 6, column: 27))
    }

    @Test func entitiesAndDoctypeDoNotMisplacePositions() throws {
        let text = "<!DOCTYPE d [<!ENTITY e \"<x/>\"> <!ELEMENT d ANY>]>\n<d>&e;<y q=\"1\"/></d>"
        let root = try XMLSource.parse(Array(text.utf8), file: "x.xml")
        #expect(root.children.map(\.name) == ["y"])
        #expect(root.children[0].attributePositions["q"] == XMLPosition(line: 2, column: 10))
    }
}

/// The fast paths of `Pattern` must agree with the regex engine.
@Suite struct PatternTests {
    @Test func literalAndPrefixPatternsSkipTheEngine() throws {
        #expect(try { if case .exact = try Pattern("^9196$").kind { true } else { false } }())
        #expect(try { if case .prefix = try Pattern("^00").kind { true } else { false } }())
        #expect(try { if case .regex(_, let p) = try Pattern(#"^\+49(\d+)$"#).kind { p == Array("+49".utf8) } else { false } }())
        #expect(try { if case .regex(_, let p) = try Pattern("^ab?c").kind { p == Array("a".utf8) } else { false } }())
        #expect(try { if case .regex(_, let p) = try Pattern("^a|b").kind { p.isEmpty } else { false } }())
        #expect(try { if case .regex(_, let p) = try Pattern("^x", ignoreCase: true).kind { p.isEmpty } else { false } }())
    }

    @Test(arguments: [
        "^9196$", "^00", #"^\+49(\d+)$"#, "^ab?c", "^a|b", "^(2\\d{3})$", "^1{2}", "^a*$", "^", "^a.b$", "^\\.x", "^a b$",
        "^[ab]c", "^ab$c", "^é+", #"^\d"#, "^(?i)ab", "^ab(?'n'c)",
    ])
    func fastPathAgreesWithRE2(_ source: String) throws {
        let fast = try Pattern(source)
        let re2 = try CompiledPattern(Pattern.rewriteGroupNames(source), ignoreCase: false, as: source)
        for subject in ["9196", "91960", "0049", "00", "+4930", "+49", "abc", "ac", "b", "ab", "2001", "20011", "11", "1",
                        "aaa", "", "a.b", "axb", ".x", "a b", "bc", "ééé", "7", "AB", "abc", "ab\n"] {
            var captures = Captures()
            let got = fast.match(subject, into: &captures)
            let want = re2.match(subject) != nil
            #expect(got == want, "pattern \(source) on \(subject.debugDescription)")
        }
    }

    @Test func groupNamesAreRewrittenForRE2() {
        #expect(Pattern.rewriteGroupNames("^(?'a'x)[(?'b']\\(?'c'(?<d>y)(?<=z)") == "^(?P<a>x)[(?'b']\\(?'c'(?P<d>y)(?<=z)")
    }
}
