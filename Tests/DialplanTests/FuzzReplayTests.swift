import Foundation
import Testing
@testable import Dialplan

/// Replays the fuzz seed corpus and every fuzzer-found regression through what the fuzz target does,
/// so a fixed crash stays fixed without running libFuzzer; and checks broken files are refused
/// with precise positions.
@Suite struct FuzzReplayTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fuzz")

    static func inputs() -> [URL] {
        var files: [URL] = []
        for folder in ["corpus", "regressions"] {
            let directory = fuzz.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            files += names.filter { !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
        }
        return files
    }

    static func load(_ bytes: [UInt8]) -> DialplanLoadResult {
        let fs = InMemoryFileSystem(bytes: [
            "f/a.xml": bytes,
            "f/lib/b.xml": Array(#"<dialplan><route-group name="g"><route name="r"><echo/></route></route-group></dialplan>"#.utf8),
        ])
        return DialplanLoader.load(directory: "f", environment: DialplanEnvironment(trunks: ["pbx"], users: ["alice"]), fileSystem: fs)
    }

    @Test func corpusIsPresent() {
        #expect(Self.inputs().count >= 6)
    }

    @Test(arguments: inputs())
    func replay(_ file: URL) throws {
        let result = Self.load(try [UInt8](Data(contentsOf: file)))
        guard let plan = result.dialplan else {
            #expect(!result.errors.isEmpty)
            return
        }
        for o in DialplanTestRunner.run(plan) { _ = o.result.traceText() }
        for name in plan.contextOrder {
            for call in [CallFields(destination: "9196", caller: "alice", source: .user("alice")),
                         CallFields(destination: "", sourceIP: "not an address")] {
                let r = plan.evaluate(call: call, context: name, at: Date(timeIntervalSince1970: 1_774_747_800))
                #expect(!r.plan.isEmpty)
                _ = r.planText()
            }
        }
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
