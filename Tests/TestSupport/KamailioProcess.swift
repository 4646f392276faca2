import Foundation

/// Kamailio run from one of the test configs (Tests/Interop/kamailio) on a free port, with its control
/// socket in a folder of its own; stopped by PID in `stop`. The config's LISTEN_PORT and CTL_SOCKET are
/// filled in.
public final class KamailioProcess: @unchecked Sendable {
    public let dir: String
    public let port: Int
    public let control: String
    public let process: ChildProcess

    /// `substitutions` fill the config's other placeholders (registrar.cfg: `DIGEST_ALGORITHM`).
    public init(config name: String, substitutions: [String: String] = ["DIGEST_ALGORITHM": ""]) throws {
        dir = NSTemporaryDirectory() + "kamailio-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        port = freePort(udp: true)
        control = dir + "/ctl.sock"
        let template = try String(contentsOfFile: repositoryRoot + "/Tests/Interop/kamailio/\(name)", encoding: .utf8)
        var text = template.replacingOccurrences(of: "LISTEN_PORT", with: String(port))
            .replacingOccurrences(of: "CTL_SOCKET", with: control)
        for (placeholder, value) in substitutions { text = text.replacingOccurrences(of: placeholder, with: value) }
        try text.write(toFile: dir + "/kamailio.cfg", atomically: true, encoding: .utf8)
        process = try ChildProcess("/usr/sbin/kamailio", ["-f", dir + "/kamailio.cfg", "-P", dir + "/kamailio.pid", "-Y", dir,
                                                           "-w", dir, "-E", "-DD"], directory: dir)
    }

    /// The location table as `kamcmd ul.dump` prints it.
    public func locations() throws -> String {
        let kamcmd = try ChildProcess("/usr/sbin/kamcmd", ["-s", "unix:" + control, "ul.dump"])
        defer { kamcmd.stop() }
        _ = kamcmd.waitForExit(timeout: 10)
        return kamcmd.text
    }

    public func stop() {
        process.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }
}
