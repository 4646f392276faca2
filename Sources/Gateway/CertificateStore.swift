import Foundation
import WebRTC

/// The certificates folder: a TLS pair for WSS and SIP over TLS (replaceable with a CA-signed one) and a
/// DTLS pair for the browser legs (self-signed is what WebRTC expects). Missing pairs are generated.
public struct CertificateStore: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public var tlsCertificatePath: String { "\(directory)/tls.crt" }
    public var tlsKeyPath: String { "\(directory)/tls.key" }
    public var dtlsCertificatePath: String { "\(directory)/dtls.crt" }
    public var dtlsKeyPath: String { "\(directory)/dtls.key" }

    /// Loads a pair, generating it first when either file is missing (or always, with `force`).
    /// Returns the identity and whether it was newly made.
    public func ensure(certificate: String, key: String, commonName: String, force: Bool = false) throws -> (DTLSIdentity, Bool) {
        let fm = FileManager.default
        if !force, fm.fileExists(atPath: certificate), fm.fileExists(atPath: key) {
            return (try DTLSIdentity.load(certificatePath: certificate, keyPath: key), false)
        }
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let identity = try DTLSIdentity.generate(commonName: commonName)
        try identity.write(certificatePath: certificate, keyPath: key)
        return (identity, true)
    }

    public func tls(force: Bool = false) throws -> (DTLSIdentity, Bool) {
        try ensure(certificate: tlsCertificatePath, key: tlsKeyPath, commonName: "tandem", force: force)
    }

    public func dtls(force: Bool = false) throws -> (DTLSIdentity, Bool) {
        try ensure(certificate: dtlsCertificatePath, key: dtlsKeyPath, commonName: "tandem-dtls", force: force)
    }
}
