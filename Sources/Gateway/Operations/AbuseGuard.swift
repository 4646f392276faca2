import Foundation
import SIP
import SIPStack

/// What keeps a flood or a password guesser from costing the node: per-source token buckets for
/// new INVITEs and REGISTERs, and a count of digest failures per user and per source that, past
/// `limits.auth_failures` in a window, refuses that user or source for the next window. Sources
/// that are configured trunks are never limited. Runs on the SIP loop, before any transaction.
struct AbuseGuard {
    let limits: GatewayConfig.Limits
    let trunkHosts: Set<String>
    private var invites: TokenBuckets?
    private var registers: TokenBuckets?
    /// Failures in the current window, and until when a key is refused, by "user:NAME" or "source:IP".
    private var failures: [String: (start: Double, count: Int)] = [:]
    private var refusedUntil: [String: Double] = [:]

    init(limits: GatewayConfig.Limits, trunkHosts: Set<String>) {
        self.limits = limits
        self.trunkHosts = trunkHosts
        invites = limits.inviteRate.map { TokenBuckets(rate: $0, burst: limits.inviteBurst) }
        registers = limits.registerRate.map { TokenBuckets(rate: $0, burst: limits.registerBurst) }
    }

    /// Why a refusal happened, for metrics and logs.
    enum Reason: String { case inviteRate = "invite_rate", registerRate = "register_rate", authFailures = "auth_failures" }

    mutating func verdict(_ request: SIPRequest, from source: String, now: Double) -> (RequestVerdict, Reason?) {
        guard request.method == .invite || request.method == .register, !trunkHosts.contains(source) else { return (.accept, nil) }
        if isRefused("source:" + source, now: now) || authorizationUser(request).map({ isRefused("user:" + $0, now: now) }) == true {
            return (.reject(status: 403, reason: "Too Many Failed Attempts", retryAfter: limits.authFailureWindowSeconds), .authFailures)
        }
        let allowed = request.method == .invite ? invites?.take(source, now: now) : registers?.take(source, now: now)
        guard allowed == false else { return (.accept, nil) }
        let reason: Reason = request.method == .invite ? .inviteRate : .registerRate
        switch limits.overRate {
        case .drop: return (.drop, reason)
        case .reject: return (.reject(status: 503, reason: "Rate Limited", retryAfter: 1), reason)
        }
    }

    /// A digest answer that did not match; true when this one put the user or source over the limit.
    mutating func authenticationFailed(user: String?, source: String, now: Double) -> Bool {
        var crossed = false
        for key in ["source:" + source] + (user.map { ["user:" + $0] } ?? []) {
            var entry = failures[key] ?? (now, 0)
            if now - entry.start >= Double(limits.authFailureWindowSeconds) { entry = (now, 0) }
            entry.count += 1
            failures[key] = entry
            if entry.count >= limits.authFailures, refusedUntil[key] == nil {
                refusedUntil[key] = now + Double(limits.authFailureWindowSeconds)
                crossed = true
            }
        }
        if failures.count > 10_000 { failures = failures.filter { now - $0.value.start < Double(limits.authFailureWindowSeconds) } }
        return crossed
    }

    /// The same refusal for a password given over HTTP (the web phone's), where a trunk's address
    /// is no exemption: trunks do not browse.
    mutating func refuses(source: String, user: String?, now: Double) -> Bool {
        isRefused("source:" + source, now: now) || user.map { isRefused("user:" + $0, now: now) } == true
    }

    private mutating func isRefused(_ key: String, now: Double) -> Bool {
        guard let until = refusedUntil[key] else { return false }
        if now < until { return true }
        refusedUntil[key] = nil
        failures[key] = nil
        return false
    }

    /// The username of an Authorization or Proxy-Authorization header, without verifying it.
    private func authorizationUser(_ request: SIPRequest) -> String? {
        for name in [HeaderName.authorization, HeaderName.proxyAuthorization] {
            guard let value = request.headers[name], let range = value.range(of: "username=\"") else { continue }
            let rest = value[range.upperBound...]
            return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }
        return nil
    }
}
