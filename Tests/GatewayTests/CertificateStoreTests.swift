import Foundation
import Gateway
import Testing
import WebRTC

@Suite struct CertificateStoreTests {
    @Test func generatesOnceWithPrivateKeysMode0600() throws {
        let dir = NSTemporaryDirectory() + "tandem-certs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = CertificateStore(directory: dir)
        let (first, created) = try store.dtls()
        #expect(created)
        let attrs = try FileManager.default.attributesOfItem(atPath: store.dtlsKeyPath)
        #expect((attrs[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let (again, createdAgain) = try store.dtls()
        #expect(!createdAgain)
        #expect(again.fingerprint == first.fingerprint)
        let (forced, _) = try store.dtls(force: true)
        #expect(forced.fingerprint != first.fingerprint)
        let (tls, _) = try store.tls()
        #expect(tls.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(tls.privateKeyPEM.contains("PRIVATE KEY"))
    }

    @Test func mismatchedKeyIsRefused() throws {
        let dir = NSTemporaryDirectory() + "tandem-certs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = CertificateStore(directory: dir)
        _ = try store.tls()
        _ = try store.dtls()
        #expect(throws: CertificateError.self) {
            _ = try DTLSIdentity.load(certificatePath: store.tlsCertificatePath, keyPath: store.dtlsKeyPath)
        }
    }
}
