import Foundation
import Testing
@testable import FuzzTargets

/// Every fuzz target's seed corpus and every input that ever crashed it (Tests/Fuzz/<target>/),
/// run through the target's harness as libFuzzer would: a regression traps here as it did there.
@Suite struct FuzzReplayTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func files(_ target: FuzzTarget, _ folder: String) -> [URL] {
        let directory = root.appendingPathComponent(target.rawValue).appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func seedCorpusIsInTheRepository(_ target: FuzzTarget) {
        #expect(Self.files(target, "corpus").count >= 4, "Tests/Fuzz/\(target.rawValue)/corpus")
    }

    @Test(arguments: FuzzTarget.allCases)
    func corpusAndRegressionsReplay(_ target: FuzzTarget) throws {
        for file in Self.files(target, "corpus") + Self.files(target, "regressions") {
            let bytes = try [UInt8](Data(contentsOf: file))
            bytes.withUnsafeBytes { target.run($0) }
        }
    }
}
