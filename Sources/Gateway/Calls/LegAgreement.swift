import Media
import NIOCore
import SDP
import WebRTC

/// The socket-free half of a leg's media set-up: from an offer and our template (we answer), or from
/// the answer to our offer, what the leg agreed: the bridge's config for it, our answer's bytes,
/// where a phone's media goes and which payload types may latch, and how a browser's DTLS runs. The
/// controller binds the sockets and applies the agreement to them.
struct LegAgreement {
    var config: MediaLegConfig
    /// Our answer, when we answered.
    var answer: [UInt8]?
    /// A phone's SDP address (nil: unspecified, wait for its packets) and what may latch.
    var remote: SocketAddress?
    var payloadTypes: Set<UInt8>
    /// A browser's DTLS: our role, and the fingerprint its certificate must have.
    var dtls: (role: DTLSEndpoint.Role, fingerprint: CertificateFingerprint)?
    /// The ICE username fragment of a browser that answered our offer.
    var remoteUfrag: String?

    enum Failure: Error, Equatable, CustomStringConvertible {
        case noAudio, noCommonCodec, noFingerprint

        var description: String {
            switch self {
            case .noAudio: "Unusable SDP answer"
            case .noCommonCodec: "No common codec"
            case .noFingerprint: "No DTLS fingerprint"
            }
        }
    }

    /// Our answer to a browser's offer (DTLS-SRTP, ICE-lite, BUNDLE on our one port).
    static func answering(browser offer: SessionDescription, with template: WebRTCSessionTemplate,
                          narrowband: Bool, dtmf: DTMFMode = .auto) -> Result<LegAgreement, Failure> {
        guard let remote = offer.media.first(where: { $0.media == "audio" }) else { return .failure(.noAudio) }
        let answer = template.answer(offer, codecs: WebRTCSessionTemplate.codecs(narrowband: narrowband))
        guard let fingerprint = offer.fingerprint(for: remote) else { return .failure(.noFingerprint) }
        guard let agreed = answer.accepted(),
              let config = MediaLegConfig(agreed: agreed, ssrc: template.ssrc, cname: template.cname, dtmfMode: dtmf) else {
            return .failure(.noCommonCodec)
        }
        return .success(LegAgreement(
            config: config, answer: answer.sessionDescription.serializedBytes(), payloadTypes: payloadTypes(agreed),
            dtls: (WebRTCSessionTemplate.dtlsRole(remoteSetup: offer.setupRole(for: remote)), CertificateFingerprint(bytes: fingerprint.bytes))))
    }

    /// Our answer to a phone's plain-RTP offer, in the packet time it asked for.
    static func answering(phone offer: SessionDescription, with template: RTPSessionTemplate, dtmf: DTMFMode) -> Result<LegAgreement, Failure> {
        guard let remote = offer.media.first(where: { $0.media == "audio" }) else { return .failure(.noAudio) }
        let answer = template.answer(offer)
        guard let agreed = answer.accepted(),
              let config = MediaLegConfig(agreed: agreed, ssrc: UInt32.random(in: 1...UInt32.max), cname: "tandem",
                                          dtmfMode: dtmf, ptime: remote.packetTime.map(Int.init)) else {
            return .failure(.noCommonCodec)
        }
        let address = offer.effectiveConnection(for: remote)?.address
        return .success(LegAgreement(
            config: config, answer: answer.sessionDescription.serializedBytes(),
            remote: address.flatMap { try? SocketAddress(ipAddress: $0, port: Int(remote.port)) }, payloadTypes: payloadTypes(agreed)))
    }

    /// What a browser's answer to our offer agreed.
    static func answered(browser sdp: SessionDescription, to template: WebRTCSessionTemplate, dtmf: DTMFMode = .auto) -> Result<LegAgreement, Failure> {
        guard let agreed = sdp.acceptedByAnswer() else { return .failure(.noAudio) }
        guard let section = sdp.media.first, let fingerprint = sdp.fingerprint(for: section) else { return .failure(.noFingerprint) }
        guard let config = MediaLegConfig(agreed: agreed, ssrc: template.ssrc, cname: template.cname, dtmfMode: dtmf) else {
            return .failure(.noCommonCodec)
        }
        return .success(LegAgreement(
            config: config, remote: remoteAddress(agreed), payloadTypes: payloadTypes(agreed),
            dtls: (WebRTCSessionTemplate.dtlsRole(remoteSetup: sdp.setupRole(for: section)), CertificateFingerprint(bytes: fingerprint.bytes)),
            remoteUfrag: sdp.iceUsernameFragment(for: section)))
    }

    /// What a phone's answer to our offer agreed.
    static func answered(phone sdp: SessionDescription, dtmf: DTMFMode) -> Result<LegAgreement, Failure> {
        guard let agreed = sdp.acceptedByAnswer() else { return .failure(.noAudio) }
        guard let config = MediaLegConfig(agreed: agreed, ssrc: UInt32.random(in: 1...UInt32.max), cname: "tandem",
                                          dtmfMode: dtmf, ptime: sdp.media.first?.packetTime.map(Int.init)) else {
            return .failure(.noCommonCodec)
        }
        return .success(LegAgreement(config: config, remote: remoteAddress(agreed), payloadTypes: payloadTypes(agreed)))
    }

    /// Where a phone's media goes: the agreed connection, or nothing for 0.0.0.0 (hold, or "wait for
    /// my packets").
    static func remoteAddress(_ agreed: AcceptedMedia) -> SocketAddress? {
        guard let c = agreed.remoteConnection, !c.isUnspecifiedIPv4 else { return nil }
        return try? SocketAddress(ipAddress: c.address, port: Int(agreed.remotePort))
    }

    static func payloadTypes(_ agreed: AcceptedMedia) -> Set<UInt8> {
        Set(agreed.codecs.map(\.payloadType) + [agreed.telephoneEvent, agreed.otherTelephoneEvent, agreed.comfortNoise].compactMap { $0?.payloadType })
    }
}
