import Foundation

/// A child process for tests: output captured, waits bounded, and always stopped by PID.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    private let output = Pipe()
    private let lock = NSLock()
    private var collected = Data()

    init(_ executable: String, _ arguments: [String], directory: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = output
        process.standardError = output
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock(); self.collected.append(data); self.lock.unlock()
        }
        try process.run()
    }

    var text: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: collected, as: UTF8.self)
    }

    /// Polls the output until `condition` holds or `timeout` passes; returns whether it held.
    func waitFor(timeout: TimeInterval = 20, _ condition: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(text) { return true }
            if !process.isRunning { return condition(text) }
            usleep(20_000)
        }
        return condition(text)
    }

    /// Waits up to `timeout` for exit; returns the status, or nil if it is still running.
    func waitForExit(timeout: TimeInterval = 20) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGTERM, then SIGKILL if it does not go within the grace period.
    func stop(grace: TimeInterval = 5) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if waitForExit(timeout: grace) == nil {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop(grace: 1) }
}

/// The repository root, from this file's place in it.
let repositoryRoot = "/" + #filePath.split(separator: "/").dropLast(4).joined(separator: "/")
let tandemBinary = repositoryRoot + "/.build/debug/tandem"
