import CSRTP

/// Why libsrtp refused a packet; counted per reason by the caller rather than logged per packet.
public enum SRTPError: Error, Sendable, Equatable {
    case authenticationFailed
    case replayed
    case replayTooOld
    case bufferTooSmall
    case malformed
    case other(Int32)

    init(_ status: srtp_err_status_t) {
        switch status {
        case srtp_err_status_auth_fail: self = .authenticationFailed
        case srtp_err_status_replay_fail: self = .replayed
        case srtp_err_status_replay_old: self = .replayTooOld
        case srtp_err_status_bad_param, srtp_err_status_parse_err: self = .malformed
        default: self = .other(Int32(status.rawValue))
        }
    }
}

/// One direction of SRTP and SRTCP for a call leg: owns a libsrtp session keyed with one master key.
/// Protects or unprotects packets in place in a caller-owned buffer, so the hot path allocates nothing.
/// Not thread-safe: it lives on its call's event loop.
public final class SRTPSession {
    public enum Direction: Sendable { case inbound, outbound }

    /// Spare bytes a buffer needs past the packet for `protect` to append its tag (and SRTCP index).
    public static let maxTrailerLength = 144

    private var session: srtp_t?
    public let profile: SRTPProfile
    public let direction: Direction

    /// `keyAndSalt` is the master key followed by the master salt, as `SRTPKeyingMaterial` cuts it.
    public init(profile: SRTPProfile, keyAndSalt: [UInt8], direction: Direction, replayWindow: Int = 1024) throws(SRTPError) {
        SRTPLibrary.initializeOnce()
        guard keyAndSalt.count == profile.masterKeyLength + profile.masterSaltLength else { throw .malformed }
        self.profile = profile
        self.direction = direction
        var policy = srtp_policy_t()
        profile.apply(to: &policy)
        policy.ssrc.type = direction == .inbound ? ssrc_any_inbound : ssrc_any_outbound
        policy.window_size = UInt(replayWindow)
        // A retransmitted packet from our own encoder never happens; keep libsrtp strict.
        policy.allow_repeat_tx = 0
        var key = keyAndSalt
        var created: srtp_t?
        let status = key.withUnsafeMutableBufferPointer { buf -> srtp_err_status_t in
            policy.key = buf.baseAddress
            return srtp_create(&created, &policy)
        }
        guard status == srtp_err_status_ok, let created else { throw SRTPError(status) }
        session = created
    }

    deinit {
        if let session { srtp_dealloc(session) }
    }

    /// Encrypts the RTP packet of `length` bytes at `packet` in place; returns the SRTP length.
    /// `capacity` must leave the profile's trailer length spare.
    public func protectRTP(_ packet: UnsafeMutableRawPointer, length: Int, capacity: Int) throws(SRTPError) -> Int {
        guard capacity - length >= profile.rtpTrailerLength else { throw .bufferTooSmall }
        return try run(packet, length: length, srtp_protect)
    }

    /// Decrypts and authenticates the SRTP packet in place; returns the plain RTP length.
    public func unprotectRTP(_ packet: UnsafeMutableRawPointer, length: Int) throws(SRTPError) -> Int {
        try run(packet, length: length, srtp_unprotect)
    }

    public func protectRTCP(_ packet: UnsafeMutableRawPointer, length: Int, capacity: Int) throws(SRTPError) -> Int {
        guard capacity - length >= profile.rtcpTrailerLength else { throw .bufferTooSmall }
        return try run(packet, length: length, srtp_protect_rtcp)
    }

    public func unprotectRTCP(_ packet: UnsafeMutableRawPointer, length: Int) throws(SRTPError) -> Int {
        try run(packet, length: length, srtp_unprotect_rtcp)
    }

    @inline(__always)
    private func run(
        _ packet: UnsafeMutableRawPointer, length: Int,
        _ op: (srtp_t?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?) -> srtp_err_status_t
    ) throws(SRTPError) -> Int {
        guard length >= 8, length <= 65_535 else { throw .malformed }
        var len = Int32(length)
        let status = op(session, packet, &len)
        guard status == srtp_err_status_ok else { throw SRTPError(status) }
        return Int(len)
    }
}

/// libsrtp needs one `srtp_init` per process before any session exists.
enum SRTPLibrary {
    private static let initialized: Bool = {
        srtp_init() == srtp_err_status_ok
    }()

    static func initializeOnce() { _ = initialized }
}
