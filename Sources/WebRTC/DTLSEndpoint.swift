import COpenSSL
import COpenSSLShim

/// Why a DTLS association failed; the leg ends with this reason.
public enum DTLSError: Error, Sendable, Equatable {
    case setup(String)
    case handshake(String)
    case fingerprintMismatch(expected: String, got: String)
    case noSRTPProfile
    /// The peer sent close_notify: an orderly end, not an error.
    case closed
}

/// The shared, immutable half of DTLS: our identity and the SRTP profiles we offer, in one `SSL_CTX`.
/// One per process; every leg's `DTLSEndpoint` is made from it.
public final class DTLSContext: @unchecked Sendable {
    let context: OpaquePointer
    public let identity: DTLSIdentity

    public init(identity: DTLSIdentity, profiles: [SRTPProfile] = [.aeadAes128Gcm, .aes128CmHmacSha1_80]) throws(DTLSError) {
        guard let ctx = SSL_CTX_new(DTLS_method()) else { throw .setup("SSL_CTX_new: \(OpenSSLErrors.drain())") }
        context = ctx
        self.identity = identity
        guard SSL_CTX_use_certificate(ctx, identity.certificate) == 1,
              SSL_CTX_use_PrivateKey(ctx, identity.privateKey) == 1 else {
            throw .setup("loading certificate: \(OpenSSLErrors.drain())")
        }
        _ = tandem_ssl_ctx_set_dtls_options(ctx)
        _ = tandem_ssl_ctx_set_min_dtls12(ctx)
        tandem_ssl_ctx_set_read_ahead(ctx, 1)
        // Browsers send self-signed certificates: trust comes from the SDP fingerprint, checked after
        // the handshake, so the chain check accepts anything but a peer certificate must be present.
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT) { _, _ in 1 }
        // Returns 0 on success, unlike most OpenSSL calls.
        guard SSL_CTX_set_tlsext_use_srtp(ctx, profiles.map(\.openSSLName).joined(separator: ":")) == 0 else {
            throw .setup("use_srtp: \(OpenSSLErrors.drain())")
        }
    }

    deinit { SSL_CTX_free(context) }
}

/// One DTLS association of a WebRTC leg (RFC 5764): feed it the datagrams that arrive, send what it
/// returns, and once it is connected take the SRTP keys. Confined to its leg's event loop.
public final class DTLSEndpoint {
    public enum Role: Sendable { case client, server }

    private let ssl: OpaquePointer
    private let readBIO: OpaquePointer
    private let writeBIO: OpaquePointer
    public let role: Role
    /// The fingerprint from the peer's SDP; the handshake fails if the certificate does not match.
    public let expectedFingerprint: CertificateFingerprint?
    public private(set) var isConnected = false

    public init(context: DTLSContext, role: Role, expectedFingerprint: CertificateFingerprint?, mtu: Int = 1200) throws(DTLSError) {
        guard let ssl = SSL_new(context.context) else { throw .setup("SSL_new: \(OpenSSLErrors.drain())") }
        guard let rbio = BIO_new(BIO_s_mem()), let wbio = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .setup("BIO_new")
        }
        // An empty memory BIO must report "retry", not EOF.
        BIO_ctrl(rbio, BIO_C_SET_BUF_MEM_EOF_RETURN, -1, nil)
        BIO_ctrl(wbio, BIO_C_SET_BUF_MEM_EOF_RETURN, -1, nil)
        SSL_set_bio(ssl, rbio, wbio)
        _ = tandem_dtls_set_link_mtu(ssl, mtu)
        self.ssl = ssl
        readBIO = rbio
        writeBIO = wbio
        self.role = role
        self.expectedFingerprint = expectedFingerprint
        if role == .client { SSL_set_connect_state(ssl) } else { SSL_set_accept_state(ssl) }
    }

    deinit { SSL_free(ssl) }

    /// Starts the handshake (the client's ClientHello); returns what to send.
    public func start() throws(DTLSError) -> [UInt8] {
        try advance()
    }

    /// Processes one received DTLS datagram; returns what to send in reply (possibly nothing).
    public func receive(_ datagram: UnsafeRawBufferPointer) throws(DTLSError) -> [UInt8] {
        guard datagram.count > 0, let base = datagram.baseAddress else { return [] }
        _ = BIO_write(readBIO, base, Int32(datagram.count))
        return try advance()
    }

    public func receive(_ datagram: [UInt8]) throws(DTLSError) -> [UInt8] {
        // withUnsafeBytes rethrows untyped errors; carry the typed one out in a Result.
        try datagram.withUnsafeBytes { buf in Result { () throws(DTLSError) in try receive(buf) } }.get()
    }

    /// Milliseconds until `handleTimeout` should run (nil: no retransmission pending).
    public var timeoutMilliseconds: Int? {
        let ms = tandem_dtls_get_timeout_ms(ssl)
        return ms < 0 ? nil : ms
    }

    /// Retransmits the last flight if its timer expired; returns what to send.
    public func handleTimeout() -> [UInt8] {
        _ = tandem_dtls_handle_timeout(ssl)
        return drainOutput()
    }

    /// The negotiated profile and the keys for each direction (RFC 5764 §4.2).
    public func srtpKeys() throws(DTLSError) -> (SRTPProfile, SRTPKeyingMaterial) {
        guard isConnected, let selected = SSL_get_selected_srtp_profile(ssl), let name = selected.pointee.name,
              let profile = SRTPProfile(openSSLName: String(cString: name)) else { throw .noSRTPProfile }
        let label = "EXTRACTOR-dtls_srtp"
        var out = [UInt8](repeating: 0, count: SRTPKeyingMaterial.exportLength(for: profile))
        guard SSL_export_keying_material(ssl, &out, out.count, label, label.utf8.count, nil, 0, 0) == 1,
              let keys = SRTPKeyingMaterial(exported: out, profile: profile, isDTLSClient: role == .client) else {
            throw .handshake("exporting keying material: \(OpenSSLErrors.drain())")
        }
        return (profile, keys)
    }

    /// The peer certificate's SHA-256 fingerprint, once it has sent one.
    public var peerFingerprint: CertificateFingerprint? {
        guard let cert = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(cert) }
        return CertificateFingerprint(certificate: cert)
    }

    private func advance() throws(DTLSError) -> [UInt8] {
        if !isConnected {
            let rc = SSL_do_handshake(ssl)
            if rc == 1 {
                if let expected = expectedFingerprint {
                    let got = peerFingerprint
                    guard got == expected else {
                        throw .fingerprintMismatch(expected: expected.description, got: got?.description ?? "none")
                    }
                }
                isConnected = true
            } else {
                let err = SSL_get_error(ssl, rc)
                if err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE {
                    throw .handshake(OpenSSLErrors.drain())
                }
            }
        } else {
            // After the handshake only alerts and retransmitted flights arrive; reading consumes them.
            var scratch = [UInt8](repeating: 0, count: 1500)
            let n = SSL_read(ssl, &scratch, Int32(scratch.count))
            if n <= 0, SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN {
                throw .closed
            }
        }
        return drainOutput()
    }

    private func drainOutput() -> [UInt8] {
        let pending = Int(BIO_ctrl(writeBIO, BIO_CTRL_PENDING, 0, nil))
        guard pending > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: pending)
        let n = BIO_read(writeBIO, &out, Int32(pending))
        return n > 0 ? Array(out.prefix(Int(n))) : []
    }
}
