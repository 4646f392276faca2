import RTP
import Testing
import WebRTC

/// Proves libsrtp2 is linked and protecting: a packet round-trips, and tampering and replays are caught.
@Suite struct SRTPTests {
    static func packet(sequence: UInt16, payload: [UInt8]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: RTPHeader.fixedLength + payload.count + SRTPSession.maxTrailerLength)
        bytes.withUnsafeMutableBytes {
            RTPHeader(payloadType: 0, sequenceNumber: sequence, timestamp: 160 * UInt32(sequence), ssrc: 0x1234_5678).write(to: $0)
        }
        bytes.replaceSubrange(12..<12 + payload.count, with: payload)
        return bytes
    }

    static func pair(_ profile: SRTPProfile) throws -> (SRTPSession, SRTPSession) {
        let key = (0..<(profile.masterKeyLength + profile.masterSaltLength)).map { UInt8($0 * 7 & 0xff) }
        return (try SRTPSession(profile: profile, keyAndSalt: key, direction: .outbound),
                try SRTPSession(profile: profile, keyAndSalt: key, direction: .inbound))
    }

    @Test(arguments: SRTPProfile.allCases)
    func protectThenUnprotect(profile: SRTPProfile) throws {
        let (sender, receiver) = try Self.pair(profile)
        let payload = (0..<160).map { UInt8($0 & 0xff) }
        var buf = Self.packet(sequence: 1, payload: payload)
        let plainLength = 12 + payload.count
        let protectedLength = try buf.withUnsafeMutableBytes { try sender.protectRTP($0.baseAddress!, length: plainLength, capacity: $0.count) }
        #expect(protectedLength == plainLength + profile.rtpTrailerLength)
        #expect(Array(buf[12..<plainLength]) != payload, "payload must be encrypted")
        let length = try buf.withUnsafeMutableBytes { try receiver.unprotectRTP($0.baseAddress!, length: protectedLength) }
        #expect(length == plainLength)
        #expect(Array(buf[12..<plainLength]) == payload)
    }

    @Test(arguments: SRTPProfile.allCases)
    func tamperingAndReplayAreRefused(profile: SRTPProfile) throws {
        let (sender, receiver) = try Self.pair(profile)
        var buf = Self.packet(sequence: 7, payload: [1, 2, 3, 4])
        let n = try buf.withUnsafeMutableBytes { try sender.protectRTP($0.baseAddress!, length: 16, capacity: $0.count) }
        var tampered = buf
        tampered[13] ^= 0x01
        #expect(throws: SRTPError.authenticationFailed) {
            _ = try tampered.withUnsafeMutableBytes { try receiver.unprotectRTP($0.baseAddress!, length: n) }
        }
        var first = buf
        _ = try first.withUnsafeMutableBytes { try receiver.unprotectRTP($0.baseAddress!, length: n) }
        var again = buf
        #expect(throws: SRTPError.replayed) {
            _ = try again.withUnsafeMutableBytes { try receiver.unprotectRTP($0.baseAddress!, length: n) }
        }
    }

    @Test func bufferWithoutRoomForTheTagIsRefused() throws {
        let (sender, _) = try Self.pair(.aes128CmHmacSha1_80)
        var buf = Self.packet(sequence: 1, payload: [0, 0, 0, 0])
        #expect(throws: SRTPError.bufferTooSmall) {
            _ = try buf.withUnsafeMutableBytes { try sender.protectRTP($0.baseAddress!, length: 16, capacity: 20) }
        }
    }

    @Test func wrongKeyLengthIsRefused() {
        #expect(throws: SRTPError.malformed) {
            _ = try SRTPSession(profile: .aes128CmHmacSha1_80, keyAndSalt: [1, 2, 3], direction: .inbound)
        }
    }
}
