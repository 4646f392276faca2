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

    /// The stream harnesses answer each seed's requests: the seeds get past connection set-up and
    /// framing into the endpoint, or the fuzzer would be exploring nothing.
    @Test func streamSeedsReachTheEndpoint() throws {
        // Responses to nothing are dropped, and a Content-Length past the body waits for more.
        for file in Self.files(.sipStream, "corpus") where !["response", "short-content-length"].contains(file.lastPathComponent) {
            let bytes = try [UInt8](Data(contentsOf: file))
            #expect(bytes.withUnsafeBytes { StreamHarness.runTCP($0) } > 0, "\(file.lastPathComponent)")
        }
        for file in Self.files(.websocket, "corpus") {
            let bytes = try [UInt8](Data(contentsOf: file))
            #expect(bytes.withUnsafeBytes { StreamHarness.runWebSocket($0) } > 0, "\(file.lastPathComponent)")
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func corpusAndRegressionsReplay(_ target: FuzzTarget) throws {
        for file in Self.files(target, "corpus") + Self.files(target, "regressions") {
            let bytes = try [UInt8](Data(contentsOf: file))
            bytes.withUnsafeBytes { target.run($0) }
        }
    }
}
