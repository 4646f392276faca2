import RTP
import WebRTC

/// Datagrams after DTLS: each unprotected as SRTP or SRTCP (by RFC 5761 payload-type ranges, as the
/// demultiplexer does) with a fixed key, so seeds protected with that key reach the decrypted side.
/// Each packet is also protected and unprotected again with a second key pair: what we protect
/// must come back byte for byte, or be refused only as a replay.
enum SRTPHarness {
    static func key(_ profile: SRTPProfile, _ seed: UInt8) -> [UInt8] {
        (0..<(profile.masterKeyLength + profile.masterSaltLength)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(seed)) }
    }

    /// Made once per profile: Debian's libsrtp keys through NSS, whose per-session set-up costs
    /// a thousand times the packet work. Replay windows therefore carry over between inputs, which
    /// only changes which packets count as replays.
    nonisolated(unsafe) static let sessions: [SRTPProfile: (inbound: SRTPSession, protector: SRTPSession, checker: SRTPSession)] = {
        var made: [SRTPProfile: (SRTPSession, SRTPSession, SRTPSession)] = [:]
        for profile in SRTPProfile.allCases {
            do {
                made[profile] = (try SRTPSession(profile: profile, keyAndSalt: key(profile, 1), direction: .inbound),
                                 try SRTPSession(profile: profile, keyAndSalt: key(profile, 2), direction: .outbound),
                                 try SRTPSession(profile: profile, keyAndSalt: key(profile, 2), direction: .inbound))
            } catch {
                fatalError("SRTP set-up: \(error)")
            }
        }
        return made
    }()

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first else { return }
        let profile: SRTPProfile = first & 1 == 0 ? .aes128CmHmacSha1_80 : .aeadAes128Gcm
        let (inbound, protector, checker) = sessions[profile]!
        let mtu = 1500
        var buffer = [UInt8](repeating: 0, count: mtu + SRTPSession.maxTrailerLength)
        for packet in Chunks(UnsafeRawBufferPointer(rebasing: input.dropFirst())) {
            let n = min(packet.count, mtu)
            let bytes = UnsafeRawBufferPointer(rebasing: packet[packet.startIndex..<packet.startIndex + n])
            let isRTCP = PacketKind.classify(bytes) == .rtcp
            buffer.withUnsafeMutableBytes { b in
                b.copyMemory(from: bytes)
                _ = isRTCP ? try? inbound.unprotectRTCP(b.baseAddress!, length: n) : try? inbound.unprotectRTP(b.baseAddress!, length: n)
            }
            // Round trip, for what is well-formed enough to protect.
            let wellFormed = isRTCP ? RTCPPacketIterator.validate(bytes) : (try? RTPHeader(parsing: bytes)) != nil
            guard wellFormed, n >= (isRTCP ? 8 : RTPHeader.fixedLength) else { continue }
            buffer.withUnsafeMutableBytes { b in
                b.copyMemory(from: bytes)
                let capacity = b.count
                guard let protected = isRTCP ? try? protector.protectRTCP(b.baseAddress!, length: n, capacity: capacity)
                                             : try? protector.protectRTP(b.baseAddress!, length: n, capacity: capacity) else { return }
                let result = Result { () throws(SRTPError) in
                    isRTCP ? try checker.unprotectRTCP(b.baseAddress!, length: protected)
                           : try checker.unprotectRTP(b.baseAddress!, length: protected)
                }
                switch result {
                case .success(let m):
                    precondition(m == n && UnsafeRawBufferPointer(rebasing: b[0..<n]).elementsEqual(bytes),
                                 "SRTP round trip changed the packet")
                case .failure(.replayed), .failure(.replayTooOld):
                    break
                case .failure(let error):
                    fatalError("a packet we protected failed to unprotect: \(error)")
                }
            }
        }
    }
}
