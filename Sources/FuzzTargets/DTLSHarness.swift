import WebRTC

/// DTLS records from a browser, at both ends of the handshake: the first byte picks our role (the
/// client speaks first), the rest are datagrams fed to the endpoint with timer runs between them.
/// The same datagrams then go through a whole WebRTC transport (after a valid ICE check from their
/// source), where the RFC 7983 demultiplexer decides which of them DTLS sees.
enum DTLSHarness {
    static let context: DTLSContext = {
        do {
            return try DTLSContext(identity: DTLSIdentity.generate())
        } catch {
            fatalError("DTLS set-up: \(error)")
        }
    }()

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first else { return }
        let role: DTLSEndpoint.Role = first & 1 == 0 ? .server : .client
        let datagrams = UnsafeRawBufferPointer(rebasing: input.dropFirst())
        do {
            let endpoint = try DTLSEndpoint(context: context, role: role, expectedFingerprint: nil)
            if role == .client { _ = try? endpoint.start() }
            for datagram in Chunks(datagrams, limit: 16) {
                do { _ = try endpoint.receive(datagram) } catch { break }
                _ = endpoint.handleTimeout()
            }
            if endpoint.isConnected { _ = try? endpoint.srtpKeys() }

            let transport = WebRTCTransport(
                ice: ICELiteAgent(localUfrag: STUNHarness.localUfrag, localPassword: STUNHarness.password, remoteUfrag: STUNHarness.remoteUfrag),
                dtls: try DTLSEndpoint(context: context, role: role, expectedFingerprint: nil), send: { _, _ in }, onEvent: { _ in })
            var check = STUNMessageBuilder(type: .bindingRequest, transactionID: .random())
            check.addUsername("\(STUNHarness.localUfrag):\(STUNHarness.remoteUfrag)")
            check.addPriority(1)
            check.addICEControlling(1)
            check.addUseCandidate()
            check.addMessageIntegrity(key: Array(STUNHarness.password.utf8))
            check.addFingerprint()
            var checkBytes = check.bytes
            _ = checkBytes.withUnsafeMutableBytes { transport.receive($0, from: STUNHarness.source, now: 1) }
            var buffer = [UInt8](repeating: 0, count: 1500)
            var now: UInt64 = 2
            for datagram in Chunks(datagrams, limit: 16) {
                let n = min(datagram.count, buffer.count)
                buffer.withUnsafeMutableBytes { b in
                    b.copyMemory(from: UnsafeRawBufferPointer(rebasing: datagram[datagram.startIndex..<datagram.startIndex + n]))
                    _ = transport.receive(UnsafeMutableRawBufferPointer(rebasing: b[0..<n]), from: STUNHarness.source, now: now)
                }
                now += 1_000_000_000
                transport.poll(now: now)
            }
        } catch {
            fatalError("DTLS endpoint set-up: \(error)")
        }
    }
}
