import Foundation

/// A child process for tests, started with posix_spawn and reaped with waitpid by its PID (Foundation's
/// Process loses track of some children here and leaves them as zombies). Output goes to a file that
/// `text` reads; every wait is bounded; `stop` always ends it, and everything it started: it leads a
/// process group of its own, which `stop` kills whole (a Python peer killed before its `finally` would
/// otherwise leave chromedriver and Chromium running for the rest of the test run).
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let outputPath: String
    private var exitStatus: Int32?
    /// The write end of the child's stdin, when it reads commands from us.
    private var stdinFD: Int32 = -1
    /// Its group is killed once only: the number may belong to someone else later.
    private var groupKilled = false

    /// - Parameter interactive: give the child a stdin pipe (`write`) instead of /dev/null.
    public init(_ executable: String, _ arguments: [String], directory: String? = nil, interactive: Bool = false) throws {
        outputPath = NSTemporaryDirectory() + "child-\(UUID().uuidString).log"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeFDs: [Int32] = [-1, -1]
        if interactive {
            guard pipe(&pipeFDs) == 0 else { throw POSIXError(.EMFILE) }
            posix_spawn_file_actions_adddup2(&actions, pipeFDs[0], 0)
            posix_spawn_file_actions_addclose(&actions, pipeFDs[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // `env -C` changes directory and then execs the program, which keeps its PID.
        let command = directory.map { ["/usr/bin/env", "-C", $0, executable] } ?? [executable]
        let argv = (command + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var child: pid_t = 0
        let rc = posix_spawn(&child, command[0], &actions, &attributes, argv, environ)
        if interactive {
            close(pipeFDs[0])
            stdinFD = pipeFDs[1]
        }
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .ENOENT) }
        pid = child
    }

    /// Everything the child wrote to stdout and stderr so far.
    public var text: String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    public var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid {
            // Exit code, or 128 + signal, as a shell reports it.
            exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            return false
        }
        return r == 0
    }

    /// Writes to the child's stdin (interactive children only).
    public func write(_ string: String) throws {
        let bytes = Array(string.utf8)
        let n = bytes.withUnsafeBytes { Foundation.write(stdinFD, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw POSIXError(.EPIPE) }
    }

    /// Closes the child's stdin, which tells a well-behaved peer to finish.
    public func closeInput() {
        if stdinFD >= 0 { close(stdinFD); stdinFD = -1 }
    }

    /// Polls the output until `condition` holds or `timeout` passes; returns whether it held.
    public func waitFor(timeout: TimeInterval = 20, _ condition: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(text) { return true }
            if !isRunning { return condition(text) }
            usleep(20_000)
        }
        return condition(text)
    }

    /// Waits up to `timeout` for exit; returns the status, or nil if it is still running.
    public func waitForExit(timeout: TimeInterval = 20) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { usleep(10_000) }
        return isRunning ? nil : exitStatus
    }

    /// SIGTERM, then SIGKILL if it does not go within the grace period; always reaped. Then SIGKILL
    /// to whatever is left in its process group.
    public func stop(grace: TimeInterval = 5) {
        closeInput()
        if isRunning {
            kill(pid, SIGTERM)
            if waitForExit(timeout: grace) == nil {
                kill(pid, SIGKILL)
                _ = waitForExit(timeout: 5)
            }
        }
        if !groupKilled {
            groupKilled = true
            kill(-pid, SIGKILL)
        }
    }

    deinit {
        stop(grace: 1)
        try? FileManager.default.removeItem(atPath: outputPath)
    }
}

/// The repository root, from this file's place in it.
public let repositoryRoot = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
public let tandemBinary = repositoryRoot + "/.build/debug/tandem"

/// A free loopback port right now (bound and released), for peers that need a port on their command line.
public func freePort(udp: Bool) -> Int {
    let fd = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
            _ = bind(fd, p, len)
            return getsockname(fd, p, &len)
        }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
}
