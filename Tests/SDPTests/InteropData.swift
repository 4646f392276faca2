import Foundation

/// Finds the captured browser SDPs in the shared interop-data folder without copying them into the repo:
/// `TANDEM_INTEROP_DATA` if set (the Makefile sets it), else `../shared/interop-data` beside the
/// repository root.
enum InteropData {
    static func directory(filePath: String = #filePath) -> URL? {
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["TANDEM_INTEROP_DATA"], !env.isEmpty {
            candidates.append(URL(fileURLWithPath: env))
        }
        // #filePath is <root>/Tests/SDPTests/InteropData.swift (maybe through a symlinked scratch copy).
        let testsFile = URL(fileURLWithPath: filePath)
        for file in [testsFile, testsFile.resolvingSymlinksInPath()] {
            let root = file.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            candidates.append(root.deletingLastPathComponent().appendingPathComponent("shared/interop-data"))
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("chrome156_audio_offer.sdp").path) }
    }

    static func text(_ name: String) throws -> String {
        guard let directory = directory() else { throw Missing(name: name) }
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return String(decoding: data, as: UTF8.self)
    }

    struct Missing: Error, CustomStringConvertible {
        let name: String
        var description: String { "interop data \(name) not found; set TANDEM_INTEROP_DATA" }
    }

    static let chromeOffer = "chrome156_audio_offer.sdp"
    static let chromeOfferGathered = "chrome156_audio_offer_gathered.sdp"
}

/// Test SDPs are written with LF in Swift literals; this makes the CRLF form phones really send.
func crlf(_ text: String) -> String {
    text.replacingOccurrences(of: "\n", with: "\r\n")
}
