import Foundation

/// A peer program driven over JSON lines (the Python test peers): commands go to its stdin, replies
/// are read from its output line by line with a bounded wait. Output lines that are not JSON objects
/// (log lines) are skipped. Stopped by PID when done.
public final class PeerProcess: @unchecked Sendable {
    private let child: ChildProcess
    private var consumed = 0

    public init(_ executable: String, _ arguments: [String]) throws {
        child = try ChildProcess(executable, arguments, interactive: true)
    }

    public var pid: pid_t { child.pid }
    /// Everything the peer printed (stdout and stderr), for failure messages.
    public var stderr: String { child.text }

    /// The next output line that is a JSON object, or nil after `timeout`.
    public func readJSON(timeout: TimeInterval) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            let bytes = Array(child.text.utf8)
            while consumed < bytes.count, let nl = bytes[consumed...].firstIndex(of: 0x0A) {
                let line = Data(bytes[consumed..<nl])
                consumed = nl + 1
                if let obj = try? JSONSerialization.jsonObject(with: line) as? [String: Any] { return obj }
            }
            if !child.isRunning, Array(child.text.utf8).count == consumed { return nil }
            usleep(10_000)
        } while Date() < deadline
        return nil
    }

    /// The next JSON line that `match` accepts, skipping others, or nil after `timeout`.
    public func readJSON(timeout: TimeInterval, where match: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        while let object = readJSON(timeout: max(0, deadline.timeIntervalSinceNow)) {
            if match(object) { return object }
        }
        return nil
    }

    public func writeJSON(_ object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object)
        try child.write(String(decoding: data, as: UTF8.self) + "\n")
    }

    /// Closes stdin (a well-behaved peer finishes), then SIGTERM, then SIGKILL, and whatever it
    /// started is killed with it.
    public func stop() {
        child.closeInput()
        _ = child.waitForExit(timeout: 2)
        child.stop(grace: 3)
    }

    deinit { stop() }
}

public let pythonBinary = repositoryRoot + "/.venv/bin/python"
public let aiortcPeerScript = repositoryRoot + "/Tests/Interop/aiortc_peer.py"

/// Runs a blocking wait on a thread of its own, so async tests do not hold one of Swift's few
/// cooperative threads while the code under test needs them.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

/// Hands a value made on the test's task to the event loop that uses it from then on (ICE agents,
/// DTLS endpoints: confined to one loop, so not Sendable).
public struct Handed<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}

/// Polls `condition` every 100 ms until it holds or `seconds` pass, for state that settles a moment
/// after the event a test saw (a server closing its side, a registration landing); whether it held.
public func eventually(within seconds: Double = 5, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while true {
        if try await condition() { return true }
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(100))
    }
}
