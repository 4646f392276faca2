/// What the ICE-lite agent decided about one STUN datagram.
public enum ICEOutcome: Sendable, Equatable {
    /// Send `response` back to the sender. `nominated` is set when this check selected (or moved) the pair.
    case respond(response: [UInt8], nominated: Bool)
    /// Send the error `response` back; the check failed for `reason` and changed nothing.
    case reject(response: [UInt8], reason: ICEDropReason)
    /// Not answered: counted under the reason.
    case drop(ICEDropReason)
}

/// Why a STUN datagram got no success response.
public enum ICEDropReason: String, Sendable, CaseIterable {
    case malformed, notRequest, unauthenticated, roleConflict, unknownAttribute
}

/// The browser-facing half of ICE (RFC 8445 §2.5, ICE-lite): we never send checks, we answer the
/// browser's, and the pair it nominates with USE-CANDIDATE is where media goes. Also keeps consent
/// (RFC 7675): a leg with no valid check from its selected address for `consentTimeout` is dead.
/// Pure: time comes in as monotonic nanoseconds, datagrams as bytes.
public final class ICELiteAgent {
    public private(set) var localUfrag: String
    public private(set) var localPassword: String
    /// The browser's ufrag, from its SDP. When known, USERNAME must be `local:remote` exactly.
    public private(set) var remoteUfrag: String?
    /// Where media goes: the nominated pair's remote address.
    public private(set) var selected: TransportAddress?
    /// Addresses that passed a check, most recent last; DTLS is accepted from these only.
    public private(set) var validated: [TransportAddress] = []
    public let consentTimeout: UInt64
    /// For a peer that has our answer already (a caller): how long it has to pass a first check
    /// before the leg is given up. Nil for a callee, which checks only once someone answers.
    public let firstCheckTimeout: UInt64?
    private var lastConsent: UInt64 = 0
    /// When the first-check wait began: the first time consent was asked about.
    private var waitingSince: UInt64?
    private var localKey: [UInt8]

    public static let software = "tandem"

    public init(localUfrag: String = ICELiteAgent.randomToken(length: 8), localPassword: String = ICELiteAgent.randomToken(length: 24),
                remoteUfrag: String? = nil, consentTimeoutSeconds: UInt64 = 30, firstCheckTimeoutSeconds: UInt64? = nil) {
        self.localUfrag = localUfrag
        self.localPassword = localPassword
        self.remoteUfrag = remoteUfrag
        localKey = Array(localPassword.utf8)
        consentTimeout = consentTimeoutSeconds * 1_000_000_000
        firstCheckTimeout = firstCheckTimeoutSeconds.map { $0 * 1_000_000_000 }
    }

    /// An ICE restart (new credentials in a new offer/answer): the old pair stays selected until the
    /// browser nominates again, so media keeps flowing through the restart.
    public func restart(localUfrag: String = ICELiteAgent.randomToken(length: 8), localPassword: String = ICELiteAgent.randomToken(length: 24),
                        remoteUfrag: String?) {
        self.localUfrag = localUfrag
        self.localPassword = localPassword
        self.remoteUfrag = remoteUfrag
        localKey = Array(localPassword.utf8)
    }

    public func setRemoteUfrag(_ ufrag: String?) { remoteUfrag = ufrag }

    /// Whether `address` passed a check, so that DTLS and media from it are believed.
    public func isValidated(_ address: TransportAddress) -> Bool { validated.contains(address) }

    /// Where to send: the nominated address, else the last address that passed a check.
    public var sendAddress: TransportAddress? { selected ?? validated.last }

    /// True when a pair was selected and has had no valid check for the consent timeout.
    public func consentExpired(now: UInt64) -> Bool {
        selected != nil && now > lastConsent && now - lastConsent > consentTimeout
    }

    /// True when a caller's browser has passed no check within `firstCheckTimeout` of the first
    /// time this was asked: a page that went away before connecting (RFC 8445 §8.2, ICE failed).
    public func firstCheckOverdue(now: UInt64) -> Bool {
        guard let timeout = firstCheckTimeout, validated.isEmpty else { return false }
        guard let since = waitingSince else {
            waitingSince = now
            return false
        }
        return now > since && now - since > timeout
    }

    public func handle(_ p: UnsafeRawBufferPointer, from source: TransportAddress, now: UInt64) -> ICEOutcome {
        let message: STUNMessage
        do {
            message = try STUNMessage(parsing: p)
        } catch {
            return .drop(.malformed)
        }
        guard message.messageType == .bindingRequest else { return .drop(.notRequest) }
        if let unknown = message.unknownRequiredAttribute {
            var b = STUNMessageBuilder(type: .bindingError, transactionID: message.transactionID)
            b.addErrorCode(420, reason: "Unknown Attribute")
            b.add(.unknownAttributes, STUNMessageBuilder.be16(unknown))
            b.addFingerprint()
            return .reject(response: b.bytes, reason: .unknownAttribute)
        }
        guard let userRange = message.username, message.messageIntegrityOffset != nil else {
            return error(400, "Bad Request", message, .unauthenticated)
        }
        let username = p[userRange]
        guard usernameMatches(username), localKey.withUnsafeBytes({ message.verifyIntegrity(in: p, key: $0) }) else {
            // Checked with our key only; a forged or stale check never latches.
            return error(401, "Unauthorized", message, .unauthenticated)
        }
        // We are lite, hence always controlled: a peer that also claims controlled must switch (§7.3.1.1).
        if message.iceControlled != nil {
            return error(487, "Role Conflict", message, .roleConflict, authenticated: true)
        }
        if let i = validated.firstIndex(of: source) { validated.remove(at: i) }
        validated.append(source)
        if validated.count > 8 { validated.removeFirst() }
        var nominated = false
        if message.useCandidate, selected != source {
            selected = source
            nominated = true
        }
        if source == selected { lastConsent = now }
        var b = STUNMessageBuilder(type: .bindingSuccess, transactionID: message.transactionID)
        b.addXorMappedAddress(source)
        b.addMessageIntegrity(key: localKey)
        b.addFingerprint()
        return .respond(response: b.bytes, nominated: nominated)
    }

    private func usernameMatches(_ username: Slice<UnsafeRawBufferPointer>) -> Bool {
        let local = localUfrag.utf8
        guard username.count > local.count, username.starts(with: local),
              username[username.startIndex + local.count] == UInt8(ascii: ":") else { return false }
        guard let remote = remoteUfrag else { return true }
        return username.dropFirst(local.count + 1).elementsEqual(remote.utf8)
    }

    private func error(_ code: Int, _ text: String, _ m: STUNMessage, _ reason: ICEDropReason, authenticated: Bool = false) -> ICEOutcome {
        var b = STUNMessageBuilder(type: .bindingError, transactionID: m.transactionID)
        b.addErrorCode(code, reason: text)
        if authenticated { b.addMessageIntegrity(key: localKey) }
        b.addFingerprint()
        return .reject(response: b.bytes, reason: reason)
    }

    /// ICE credentials: `ice-char` only (RFC 8445 §5.3), from the system's secure generator.
    public static func randomToken(length: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var g = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(g.next(upperBound: UInt32(alphabet.count)))] })
    }
}
