import Foundation

/// A peer program driven over JSON lines (the aiortc script): write to its stdin, read its stdout
/// line by line with a bounded wait; stderr is kept for failure messages. Stopped by PID when done.
public final class PeerProcess: @unchecked Sendable {
    public let process = Process()
    private let input = Pipe(), output = Pipe(), errors = Pipe()
    private let lock = NSLock()
    private var buffer = Data()
    private var stderrText = Data()

    public init(_ executable: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        output.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self, !d.isEmpty else { return }
            self.lock.lock(); self.buffer.append(d); self.lock.unlock()
        }
        errors.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self, !d.isEmpty else { return }
            self.lock.lock(); self.stderrText.append(d); self.lock.unlock()
        }
        try process.run()
    }

    public var stderr: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: stderrText, as: UTF8.self)
    }

    /// The next stdout line parsed as a JSON object, or nil after `timeout`.
    public func readJSON(timeout: TimeInterval) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            lock.lock()
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<nl]
                buffer.removeSubrange(buffer.startIndex...nl)
                lock.unlock()
                if let obj = try? JSONSerialization.jsonObject(with: line) as? [String: Any] { return obj }
                continue
            }
            lock.unlock()
            if !process.isRunning { usleep(50_000); if !process.isRunning && !hasLine { return nil } }
            usleep(10_000)
        }
        return nil
    }

    private var hasLine: Bool {
        lock.lock(); defer { lock.unlock() }
        return buffer.contains(0x0A)
    }

    public func writeJSON(_ object: [String: Any]) throws {
        var data = try JSONSerialization.data(withJSONObject: object)
        data.append(0x0A)
        try input.fileHandleForWriting.write(contentsOf: data)
    }

    public func stop() {
        guard process.isRunning else { return }
        // Closing stdin lets a well-behaved peer finish on its own; then SIGTERM, then SIGKILL.
        try? input.fileHandleForWriting.close()
        let grace = Date().addingTimeInterval(1)
        while process.isRunning && Date() < grace { usleep(10_000) }
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

public let pythonBinary = repositoryRoot + "/.venv/bin/python"
public let aiortcPeerScript = repositoryRoot + "/Tests/Interop/aiortc_peer.py"
