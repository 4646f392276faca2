/// A codec the answering side can handle, as an entry of its preference list: matched against offered
/// codecs by encoding name and, when given, clock rate and channels.
public struct CodecCapability: Sendable, Equatable {
    public var name: String
    /// nil matches any clock rate.
    public var clockRate: UInt32?
    /// nil matches any channel count.
    public var channels: UInt8?
    /// fmtp parameters to state in the answer for this codec, replacing offered ones of the same name.
    public var formatParameters: [FormatParameters.Parameter]

    public init(name: String, clockRate: UInt32? = nil, channels: UInt8? = nil,
                formatParameters: [FormatParameters.Parameter] = []) {
        self.name = name
        self.clockRate = clockRate
        self.channels = channels
        self.formatParameters = formatParameters
    }

    public static let pcmu = CodecCapability(name: "PCMU", clockRate: 8000)
    public static let pcma = CodecCapability(name: "PCMA", clockRate: 8000)
    /// G.722 at its RTP clock of 8000 (RFC 3551 §4.5.2), though it samples at 16 kHz.
    public static let g722 = CodecCapability(name: "G722", clockRate: 8000)
    /// Opus is always `opus/48000/2` in SDP whatever it really carries (RFC 7587 §7).
    public static let opus = CodecCapability(name: "opus", clockRate: 48000, channels: 2)
    public static let gsm = CodecCapability(name: "GSM", clockRate: 8000)
    public static let g729 = CodecCapability(name: "G729", clockRate: 8000)

    public func matches(_ codec: Codec) -> Bool {
        codec.isNamed(name)
            && (clockRate.map { $0 == codec.clockRate } ?? true)
            && (channels.map { $0 == codec.channels } ?? true)
    }
}

/// Whose order decides when several codecs are common to offer and answerer.
public enum CodecPreferenceOrder: Sendable, Equatable {
    /// The answerer's capability list order: the gateway picks what is cheapest for it.
    case answerer
    /// The m= line order: honour what the caller prefers.
    case offerer
}
