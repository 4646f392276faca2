import Foundation

/// Speech for codec benchmarks: a tone puts Opus in its cheap CELT mode and flatters it, so the
/// benchmark speaks. Synthesised by espeak-ng and resampled by sox (both from `make deps`).
enum Speech {
    static func samples(rate: Int) throws -> [Int16] {
        let dir = NSTemporaryDirectory() + "tandem-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = "Thank you for calling. Please say or enter the extension of the person you wish to reach. "
            + "If you know the number, you may dial it at any time. For sales, press one. For support, press two. "
            + "To hear these options again, stay on the line, and an operator will be with you shortly."
        try run("/usr/bin/espeak-ng", ["-s", "150", "-w", dir + "/s.wav", text])
        try run("/usr/bin/sox", [dir + "/s.wav", "-r", String(rate), "-c", "1", "-b", "16", "-e", "signed-integer",
                                 "-t", "raw", dir + "/s.raw"])
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/s.raw"))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
    }

    private static func run(_ tool: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "bench", code: Int(p.terminationStatus), userInfo: [NSLocalizedDescriptionKey: "\(tool) failed"])
        }
    }
}
