import COpenSSL
import COpenSSLShim
import Foundation

/// Why a certificate could not be made, read or written.
public struct CertificateError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ what: String) {
        description = "\(what): \(OpenSSLErrors.drain())"
    }
}

/// Our certificate and private key: an ECDSA P-256 self-signed certificate, used for DTLS
/// (its SHA-256 fingerprint goes into every SDP we send) and for WSS and SIP over TLS.
/// Owns the OpenSSL `X509` and `EVP_PKEY`; immutable once made, so shared freely.
public final class DTLSIdentity: @unchecked Sendable {
    let certificate: OpaquePointer
    let privateKey: OpaquePointer

    private init(certificate: OpaquePointer, privateKey: OpaquePointer) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    deinit {
        X509_free(certificate)
        EVP_PKEY_free(privateKey)
    }

    /// A new key and a self-signed certificate valid from an hour ago (clock skew) for `days`.
    public static func generate(commonName: String = "tandem", days: Int = 3650) throws(CertificateError) -> DTLSIdentity {
        guard let key = tandem_ec_p256_generate() else { throw CertificateError("generating P-256 key") }
        guard let x509 = X509_new() else {
            EVP_PKEY_free(key)
            throw CertificateError("allocating certificate")
        }
        let identity = DTLSIdentity(certificate: x509, privateKey: key)
        X509_set_version(x509, 2)
        var serial = [UInt8](repeating: 0, count: 16)
        RAND_bytes(&serial, Int32(serial.count))
        serial[0] &= 0x7f
        let bn = BN_bin2bn(serial, Int32(serial.count), nil)
        BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509))
        BN_free(bn)
        X509_gmtime_adj(X509_getm_notBefore(x509), -3600)
        X509_gmtime_adj(X509_getm_notAfter(x509), days * 86_400)
        X509_set_pubkey(x509, key)
        let name = X509_get_subject_name(x509)
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonName, -1, -1, 0)
        X509_set_issuer_name(x509, name)
        guard X509_sign(x509, key, EVP_sha256()) > 0 else { throw CertificateError("signing certificate") }
        return identity
    }

    /// Reads a certificate and key written by `write(certificatePath:keyPath:)` (or any PEM pair).
    public static func load(certificatePath: String, keyPath: String) throws(CertificateError) -> DTLSIdentity {
        guard let certFile = fopen(certificatePath, "r") else { throw CertificateError("opening \(certificatePath)") }
        let cert = PEM_read_X509(certFile, nil, nil, nil)
        fclose(certFile)
        guard let cert else { throw CertificateError("reading certificate \(certificatePath)") }
        guard let keyFile = fopen(keyPath, "r") else {
            X509_free(cert)
            throw CertificateError("opening \(keyPath)")
        }
        let key = PEM_read_PrivateKey(keyFile, nil, nil, nil)
        fclose(keyFile)
        guard let key else {
            X509_free(cert)
            throw CertificateError("reading private key \(keyPath)")
        }
        let identity = DTLSIdentity(certificate: cert, privateKey: key)
        guard X509_check_private_key(cert, key) == 1 else {
            throw CertificateError("\(keyPath) does not match \(certificatePath)")
        }
        return identity
    }

    /// Writes the certificate (mode 0644) and the key (mode 0600, created so: never world-readable).
    public func write(certificatePath: String, keyPath: String) throws(CertificateError) {
        let keyFD = open(keyPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard keyFD >= 0, let keyFile = fdopen(keyFD, "w") else { throw CertificateError("creating \(keyPath)") }
        fchmod(keyFD, 0o600)
        let keyOK = PEM_write_PrivateKey(keyFile, privateKey, nil, nil, 0, nil, nil) == 1
        fclose(keyFile)
        guard keyOK else { throw CertificateError("writing \(keyPath)") }
        guard let certFile = fopen(certificatePath, "w") else { throw CertificateError("creating \(certificatePath)") }
        let certOK = PEM_write_X509(certFile, certificate) == 1
        fclose(certFile)
        guard certOK else { throw CertificateError("writing \(certificatePath)") }
    }

    /// The certificate and key as PEM text, for TLS libraries that take PEM (swift-nio-ssl).
    public var certificatePEM: String { Self.pem { PEM_write_bio_X509($0, certificate) } }
    public var privateKeyPEM: String { Self.pem { PEM_write_bio_PrivateKey($0, privateKey, nil, nil, 0, nil, nil) } }

    /// SHA-256 of the DER certificate, as `a=fingerprint:sha-256` writes it (RFC 8122).
    public var fingerprint: CertificateFingerprint { CertificateFingerprint(certificate: certificate) }

    private static func pem(_ write: (OpaquePointer?) -> Int32) -> String {
        let bio = BIO_new(BIO_s_mem())
        defer { BIO_free(bio) }
        _ = write(bio)
        var data: UnsafeMutablePointer<CChar>?
        let n = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data)
        guard let data, n > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: n), as: UTF8.self)
    }
}

/// A certificate's SHA-256 digest; `description` gives the colon-separated upper-case hex of SDP.
public struct CertificateFingerprint: Sendable, Equatable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    init(certificate: OpaquePointer) {
        var md = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var len: UInt32 = 0
        X509_digest(certificate, EVP_sha256(), &md, &len)
        bytes = Array(md.prefix(Int(len)))
    }

    public var description: String {
        bytes.map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }
}

/// OpenSSL keeps errors in a per-thread queue; drained into one line for an error message.
enum OpenSSLErrors {
    static func drain() -> String {
        var parts: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buf = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buf, buf.count)
            parts.append(String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return parts.isEmpty ? "no OpenSSL error" : parts.joined(separator: "; ")
    }
}
