/// Size limits the parser and the stream framer enforce, gathered in one place so a deployment can
/// tune them (a trunk that sends huge multipart bodies, a WebSocket listener that wants them small)
/// without hunting for constants.
public struct SIPLimits: Sendable, Equatable {
    /// Largest whole message (start line, headers and body) accepted, in bytes.
    public var maxMessageBytes: Int
    /// Most header fields a message may carry; folded lines count once.
    public var maxHeaderCount: Int
    /// Longest start line or header field (after unfolding continuation lines), in bytes.
    public var maxHeaderLineLength: Int
    /// Largest body accepted, in bytes.
    public var maxBodyBytes: Int

    public init(maxMessageBytes: Int = 65_536, maxHeaderCount: Int = 256,
                maxHeaderLineLength: Int = 8_192, maxBodyBytes: Int = 65_536) {
        self.maxMessageBytes = maxMessageBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxHeaderLineLength = maxHeaderLineLength
        self.maxBodyBytes = maxBodyBytes
    }

    /// Limits suitable for real SIP traffic: a UDP datagram can never exceed 64 KiB anyway.
    public static let `default` = SIPLimits()
}
