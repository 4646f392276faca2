import CSRTP

/// An SRTP protection profile negotiated through the DTLS `use_srtp` extension (RFC 5764 §4.1.2, RFC 7714).
public enum SRTPProfile: Sendable, CaseIterable {
    case aes128CmHmacSha1_80
    case aeadAes128Gcm

    /// The name OpenSSL uses in `SSL_CTX_set_tlsext_use_srtp` and reports after the handshake.
    public var openSSLName: String {
        switch self {
        case .aes128CmHmacSha1_80: "SRTP_AES128_CM_SHA1_80"
        case .aeadAes128Gcm: "SRTP_AEAD_AES_128_GCM"
        }
    }

    public init?(openSSLName: String) {
        guard let p = Self.allCases.first(where: { $0.openSSLName == openSSLName }) else { return nil }
        self = p
    }

    public var masterKeyLength: Int { 16 }

    public var masterSaltLength: Int {
        switch self {
        case .aes128CmHmacSha1_80: 14
        case .aeadAes128Gcm: 12
        }
    }

    /// Bytes `protect` appends to an RTP packet: the auth tag.
    public var rtpTrailerLength: Int {
        switch self {
        case .aes128CmHmacSha1_80: 10
        case .aeadAes128Gcm: 16
        }
    }

    /// Bytes `protect` appends to an RTCP packet: the tag plus the 4-byte E flag and SRTCP index.
    public var rtcpTrailerLength: Int { rtpTrailerLength + 4 }

    func apply(to policy: inout srtp_policy_t) {
        switch self {
        case .aes128CmHmacSha1_80:
            // The profile's setter is a macro; the defaults are the same AES-CM/HMAC-SHA1-80 policy.
            srtp_crypto_policy_set_rtp_default(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aeadAes128Gcm:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        }
    }
}

/// The two directions' SRTP master keys, cut out of the DTLS exporter's output (RFC 5764 §4.2):
/// client key | server key | client salt | server salt.
public struct SRTPKeyingMaterial: Sendable, Equatable {
    public var localKeyAndSalt: [UInt8]
    public var remoteKeyAndSalt: [UInt8]

    /// The number of exporter bytes the profile needs.
    public static func exportLength(for profile: SRTPProfile) -> Int {
        2 * (profile.masterKeyLength + profile.masterSaltLength)
    }

    public init?(exported: [UInt8], profile: SRTPProfile, isDTLSClient: Bool) {
        let k = profile.masterKeyLength, s = profile.masterSaltLength
        guard exported.count == Self.exportLength(for: profile) else { return nil }
        let clientKey = exported[0..<k], serverKey = exported[k..<2 * k]
        let clientSalt = exported[2 * k..<2 * k + s], serverSalt = exported[2 * k + s..<2 * k + 2 * s]
        let client = Array(clientKey + clientSalt), server = Array(serverKey + serverSalt)
        localKeyAndSalt = isDTLSClient ? client : server
        remoteKeyAndSalt = isDTLSClient ? server : client
    }
}
