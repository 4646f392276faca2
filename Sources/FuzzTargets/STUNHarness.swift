@testable import WebRTC

/// A STUN datagram as it reaches the ICE-lite agent: parsed, integrity-checked, answered. Inputs
/// are also sent again sealed (MESSAGE-INTEGRITY with the agent's password and a FINGERPRINT
/// recomputed), so mutations reach the checks behind the integrity check instead of dying at it.
/// Every response the agent makes must itself parse.
enum STUNHarness {
    static let localUfrag = "tndm", remoteUfrag = "brws"
    static let password = "fuzzpasswordfuzzpassword"
    static let source = TransportAddress(ipv4: 127, 0, 0, 1, port: 40_000)

    static func run(_ input: UnsafeRawBufferPointer) {
        if let message = try? STUNMessage(parsing: input), message.messageIntegrityOffset != nil {
            _ = Array(password.utf8).withUnsafeBytes { message.verifyIntegrity(in: input, key: $0) }
        }
        let agent = ICELiteAgent(localUfrag: localUfrag, localPassword: password, remoteUfrag: remoteUfrag)
        check(agent.handle(input, from: source, now: 1))
        if let sealed = seal(input) {
            sealed.withUnsafeBytes { check(agent.handle($0, from: source, now: 2)) }
        }
        _ = agent.consentExpired(now: 40_000_000_000)
    }

    private static func check(_ outcome: ICEOutcome) {
        switch outcome {
        case .respond(let response, _), .reject(let response, _):
            do {
                _ = try response.withUnsafeBytes { try STUNMessage(parsing: $0) }
            } catch {
                fatalError("the agent's own STUN response does not parse: \(error)")
            }
        case .drop:
            break
        }
    }

    /// The input's header and the attributes before any MESSAGE-INTEGRITY or FINGERPRINT, then both
    /// of those made valid. Nil when the input is shorter than a header.
    static func seal(_ p: UnsafeRawBufferPointer) -> [UInt8]? {
        guard p.count >= STUN.headerLength else { return nil }
        var bytes = Array(p[0..<STUN.headerLength])
        bytes[0] &= 0x3F
        bytes.replaceSubrange(4..<8, with: STUNMessageBuilder.be32(STUN.magicCookie))
        var offset = STUN.headerLength
        while offset + 4 <= p.count {
            let type = UInt16(p[offset]) << 8 | UInt16(p[offset + 1])
            let length = Int(p[offset + 2]) << 8 | Int(p[offset + 3])
            let end = offset + 4 + (length + 3) & ~3
            guard type != STUNAttributeType.messageIntegrity.rawValue, type != STUNAttributeType.fingerprint.rawValue,
                  end <= p.count else { break }
            bytes += p[offset..<end]
            offset = end
        }
        var sealed = STUNMessageBuilder(unsealed: bytes)
        sealed.addMessageIntegrity(key: Array(password.utf8))
        sealed.addFingerprint()
        return sealed.bytes
    }
}
