import Foundation
import Testing
@testable import Dialplan

/// The broken files of the dialplan seed corpus (Tests/Fuzz/dialplan) are refused at their
/// positions; FuzzTargetsTests replays the whole corpus through the fuzz harness.
@Suite struct FuzzCorpusTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz/dialplan")

    static func load(_ bytes: [UInt8]) -> DialplanLoadResult {
        let fs = InMemoryFileSystem(bytes: [
            "f/a.xml": bytes,
            "f/lib/b.xml": Array(#"<dialplan><route-group name="g"><route name="r"><echo/></route></route-group></dialplan>"#.utf8),
        ])
        return DialplanLoader.load(directory: "f", environment: DialplanEnvironment(trunks: ["pbx"], users: ["alice"]), fileSystem: fs)
    }

    @Test func brokenSyntaxIsRefusedAtItsPosition() throws {
        let bytes = try [UInt8](Data(contentsOf: Self.fuzz.appendingPathComponent("corpus/broken-syntax.xml")))
        let d = Self.load(bytes).diagnostics.map(\.description)
        #expect(d == ["f/a.xml:1:93: Opening and ending tag mismatch: match line 1 and route"])
    }

    @Test func brokenSchemaIsRefusedWithEveryError() throws {
        let bytes = try [UInt8](Data(contentsOf: Self.fuzz.appendingPathComponent("corpus/broken-schema.xml")))
        let d = Self.load(bytes).diagnostics.map(\.description)
        #expect(d == [
            #"f/a.xml:1:52: unknown field "x" (known: caller, caller-name, destination, source, source-ip, transport, trunk, user; use header="..." or var="..." for others)"#,
            #"f/a.xml:1:76: <bridge> needs at least one <target>"#,
            #"f/a.xml:1:95: route "r" transfers to unknown context "nope" (known: c)"#,
            #"f/a.xml:1:119: context "c" already has a route named "r" at f/a.xml:1:29"#,
            #"f/a.xml:1:169: included file "f/missing.xml" cannot be read: no such file"#,
        ])
    }

    @Test func entitiesDoNotExpandIntoMarkup() throws {
        let bytes = try [UInt8](Data(contentsOf: Self.fuzz.appendingPathComponent("corpus/entities.xml")))
        let result = Self.load(bytes)
        let plan = try #require(result.dialplan, "\(result.diagnostics)")
        #expect(plan.contextOrder == ["c"])
    }
}
