import Foundation
import Logging
import SIP

/// The registrar for browser users (RFC 3261 §10.3, RFC 5626 outbound, RFC 3327 Path): authenticates
/// REGISTER with digest or a token, keeps bindings with expiry, replaces a binding when the same
/// instance registers again, drops bindings when their WebSocket closes, and answers
/// "where is user X now". Confined to the SIP endpoint's event loop.
public final class Registrar {
    public let credentials: RegistrationCredentials
    public var minimumExpires: UInt32 = 60
    public var maximumExpires: UInt32 = 3600
    public var defaultExpires: UInt32 = 600
    /// What an outbound registration (RFC 5626: reg-id and +sip.instance, `Supported: outbound`)
    /// is told in `Flow-Timer`: how often to send keep-alives on its flow.
    public var flowTimerSeconds = 30
    private var digest: DigestServer
    private var throttle = RegisterThrottle()
    private var bindings: [String: [Binding]] = [:]
    private let logger: Logger
    /// Called after any change to a user's bindings.
    public var onChange: ((String) -> Void)?
    /// Called when a REGISTER's digest answer did not match: the username it gave, and its flow.
    public var onAuthFailure: ((String?, SIPPeer) -> Void)?

    public init(credentials: RegistrationCredentials, logger: Logger) {
        self.credentials = credentials
        self.logger = logger
        var secret = [UInt8](repeating: 0, count: 32)
        var g = SystemRandomNumberGenerator()
        for i in secret.indices { secret[i] = UInt8.random(in: 0...255, using: &g) }
        digest = DigestServer(realm: credentials.realm, secret: secret, algorithms: credentials.algorithms)
    }

    /// Current, unexpired bindings of `user`, newest first.
    public func lookup(_ user: String, now: Date = Date()) -> [Binding] {
        (bindings[user] ?? []).filter { $0.expires > now }.sorted { $0.expires > $1.expires }
    }

    public var registeredUsers: [String] { bindings.keys.sorted() }

    /// Unexpired bindings of every user.
    public func activeBindings(now: Date = Date()) -> Int {
        bindings.values.reduce(0) { $0 + $1.filter { $0.expires > now }.count }
    }

    /// A flow closed: its bindings go at once rather than lingering until expiry.
    public func flowClosed(_ peer: SIPPeer) {
        guard let flow = peer.flowID else { return }
        for (user, list) in bindings {
            let kept = list.filter { $0.peer.flowID != flow }
            if kept.count != list.count {
                bindings[user] = kept.isEmpty ? nil : kept
                logger.info("binding removed: connection closed", metadata: ["user": "\(user)", "flow": "\(peer)"])
                onChange?(user)
            }
        }
    }

    /// Drops expired bindings; run now and then.
    public func purge(now: Date = Date()) {
        for (user, list) in bindings {
            let kept = list.filter { $0.expires > now }
            if kept.count != list.count {
                bindings[user] = kept.isEmpty ? nil : kept
                onChange?(user)
            }
        }
    }

    /// Handles one REGISTER in its server transaction.
    public func handle(_ request: SIPRequest, transaction: ServerTransactionHandle<SIPPeer>, now: Date = Date()) {
        let source = transaction.peer.remote.ipAddress ?? "?"
        func reply(_ code: Int, _ reason: String? = nil, _ edit: (inout SIPResponse) -> Void = { _ in }) {
            var r = SIPResponse(replyingTo: request, statusCode: code, reasonPhrase: reason, toTag: code > 100 ? "reg" + SIPEndpoint.randomToken(6) : nil)
            edit(&r)
            transaction.respond(r)
        }
        func challenge(stale: Bool) {
            guard throttle.allow(source, now: now.timeIntervalSince1970) else {
                logger.warning("REGISTER flood throttled", metadata: ["source": "\(source)"])
                return
            }
            reply(401) { digest.challenge(&$0, stale: stale, now: now) }
        }

        var authenticatedUser: String?, claimedUser: String?
        let result = digest.verify(request, now: now) { username, _, algorithm in
            claimedUser = username
            guard let found = credentials.lookup(username: username, algorithm: algorithm, now: now) else { return nil }
            authenticatedUser = found.user
            return found.ha1
        }
        switch result {
        case .missingCredentials:
            return challenge(stale: false)
        case .stale:
            return challenge(stale: true)
        case .rejected(let reason):
            logger.notice("REGISTER refused", metadata: ["source": "\(source)", "reason": "\(reason)"])
            onAuthFailure?(claimedUser, transaction.peer)
            return challenge(stale: false)
        case .accepted:
            break
        }
        guard let user = authenticatedUser, let to = try? request.headers.to(), let aor = to.uri.sipURI else {
            return reply(400, "Bad To")
        }
        // One user may not register another's address of record.
        guard aor.user == user else { return reply(403, "Address of record does not match the credentials") }
        guard let callID = try? request.headers.callID(), let cseq = try? request.headers.cseq() else { return reply(400) }

        let headerExpires = (try? request.headers.expires()) ?? nil
        // No Contact at all is a query: answer with the current bindings.
        let contacts: ContactList
        do {
            contacts = request.headers.contains(.contact) ? try request.headers.contacts() : .addresses([])
        } catch {
            return reply(400, error.reason)
        }
        var list = (bindings[user] ?? []).filter { $0.expires > now }
        switch contacts {
        case .wildcard:
            guard headerExpires == 0 else { return reply(400, "Wildcard Contact needs Expires: 0") }
            list.removeAll()
        case .addresses(let addresses):
            for contact in addresses {
                let requested = contact.expires ?? headerExpires ?? defaultExpires
                if requested > 0 && requested < minimumExpires {
                    return reply(423, "Interval Too Brief") { $0.headers.add(.minExpires, String(self.minimumExpires)) }
                }
                let existing = list.firstIndex { $0.sameBinding(contact.sipInstance, contact.regID, contact.uri) }
                if let i = existing, list[i].callID == callID, list[i].cseq >= cseq.sequence {
                    return reply(500, "Out of order REGISTER")
                }
                if let i = existing { list.remove(at: i) }
                guard requested > 0 else { continue }
                let lifetime = min(requested, maximumExpires)
                list.append(Binding(user: user, contact: contact, expires: now.addingTimeInterval(TimeInterval(lifetime)),
                                    instance: contact.sipInstance, regID: contact.regID, path: request.headers.values(.path),
                                    callID: callID, cseq: cseq.sequence, peer: transaction.peer))
            }
        }
        bindings[user] = list.isEmpty ? nil : list
        // RFC 5626 §6: a contact with reg-id and +sip.instance from a UA supporting outbound makes
        // this an outbound registration: its flow is kept alive, and watched.
        let outbound = request.headers.listValues(.supported).contains { $0.lowercased() == "outbound" }
            && contacts.addressList.contains { $0.regID != nil && $0.sipInstance != nil }
        if outbound { SIPEndpoint.expectKeepalives(on: transaction.peer) }
        logger.info("registered", metadata: ["user": "\(user)", "bindings": "\(list.count)", "from": "\(transaction.peer)"])
        onChange?(user)
        reply(200) { r in
            r.headers.setContacts(.addresses(list.map { b in
                var c = b.contact
                c.parameters.set("expires", value: String(max(0, Int(b.expires.timeIntervalSince(now).rounded()))))
                return c
            }))
            if request.headers.listValues(.supported).contains(where: { $0.lowercased() == "path" }) {
                for p in request.headers.values(.path) { r.headers.add(.path, p) }
            }
            r.headers.add(.supported, "path, outbound")
            if outbound {
                r.headers.add(.require, "outbound")
                r.headers.add(HeaderName("Flow-Timer"), String(self.flowTimerSeconds))
            }
            r.headers.add(.date, Self.httpDate(now))
        }
    }

    static func httpDate(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f.string(from: date)
    }
}
