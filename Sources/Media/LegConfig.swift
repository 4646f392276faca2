import RTP

/// Which of the bridge's two legs a packet, setting or event belongs to. A bridge for a media app
/// (echo, tone, playback) has only leg `a`.
public enum LegSide: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case a = 0
    case b = 1

    public var other: LegSide { self == .a ? .b : .a }
    public var description: String { self == .a ? "a" : "b" }
}

/// The audio codecs the bridge can decode and encode, spelled as SDP spells them in `encodingName`.
public enum AudioCodec: String, Sendable, Hashable, CaseIterable {
    case opus
    case pcmu = "PCMU"
    case pcma = "PCMA"
    case g722 = "G722"

    /// From an SDP rtpmap encoding name, case-insensitively.
    public init?(encodingName: String) {
        switch encodingName.lowercased() {
        case "opus": self = .opus
        case "pcmu": self = .pcmu
        case "pcma": self = .pcma
        case "g722": self = .g722
        default: return nil
        }
    }

    public var encodingName: String { rawValue }

    /// The RTP clock rate on the wire: Opus is always 48 kHz (RFC 7587 §4.1) and G.722 is 8 kHz
    /// although it samples at 16 kHz (RFC 3551 §4.5.2, an error kept for compatibility).
    public var rtpClockRate: Int {
        switch self {
        case .opus: 48_000
        case .pcmu, .pcma, .g722: 8_000
        }
    }

    /// RFC 3551 static payload type, or nil for a dynamic one.
    public var staticPayloadType: UInt8? {
        switch self {
        case .pcmu: 0
        case .pcma: 8
        case .g722: 9
        case .opus: nil
        }
    }
}

/// A negotiated telephone-event format (RFC 4733): payload type and its RTP clock rate.
public struct TelephoneEventFormat: Sendable, Hashable {
    public var payloadType: UInt8
    /// 8000 beside G.711, 48000 beside Opus in Chrome's offer; whatever the answer kept.
    public var clockRate: Int

    public init(payloadType: UInt8, clockRate: Int) {
        self.payloadType = payloadType
        self.clockRate = clockRate
    }
}

/// How DTMF travels on one leg, in both directions.
public enum DTMFMode: String, Sendable, Hashable, CaseIterable {
    /// RFC 4733 telephone-events in the RTP stream.
    case rfc4733
    /// SIP INFO (`application/dtmf-relay` or `application/dtmf`); the bridge asks the gateway to send it.
    case info
    /// Tones in the audio: detected on input, generated into the output.
    case inband
    /// RFC 4733 when negotiated, else in-band; browsers too (libwebrtc's NetEq plays received
    /// telephone-events as tones, and aiortc, Pion or libwebrtc-native applications read them).
    case auto
}

/// Whether we may send to, and expect media from, a leg (its SDP direction seen from our side):
/// hold on either side becomes `sendOnly`/`receiveOnly`/`inactive` here.
public enum MediaDirection: String, Sendable, Hashable, CaseIterable {
    case sendReceive = "sendrecv"
    case sendOnly = "sendonly"
    case receiveOnly = "recvonly"
    case inactive

    public var sends: Bool { self == .sendReceive || self == .sendOnly }
    public var receives: Bool { self == .sendReceive || self == .receiveOnly }
}

/// The Opus encoder settings of one leg. nil fields are chosen by the bridge from the audio rate it
/// encodes at, to keep a transcoded call within the per-core budget (see `resolved(pcmRate:)`).
public struct OpusSettings: Sendable, Hashable {
    /// 0…10; nil: 0 at 8 kHz, 3 at 16 kHz, 5 at 48 kHz.
    public var complexity: Int?
    /// Bits per second; nil: 16 kbit/s at 8 kHz, 24 kbit/s at 16 kHz, 32 kbit/s at 48 kHz.
    public var bitrate: Int?
    /// Discontinuous transmission: fewer packets in silence, at the price of comfort-noise quality.
    public var dtx: Bool
    /// The remote's `useinbandfec=1`: it can use in-band FEC, so we send it.
    public var inbandFEC: Bool
    /// Expected loss that FEC is sized for.
    public var packetLossPercent: Int

    public init(complexity: Int? = nil, bitrate: Int? = nil, dtx: Bool = false, inbandFEC: Bool = true, packetLossPercent: Int = 5) {
        self.complexity = complexity
        self.bitrate = bitrate
        self.dtx = dtx
        self.inbandFEC = inbandFEC
        self.packetLossPercent = packetLossPercent
    }

    func resolvedComplexity(pcmRate: Int) -> Int {
        if let complexity { return max(0, min(10, complexity)) }
        return pcmRate <= 8_000 ? 0 : pcmRate <= 16_000 ? 3 : 5
    }

    func resolvedBitrate(pcmRate: Int) -> Int {
        if let bitrate { return max(6_000, min(510_000, bitrate)) }
        return pcmRate <= 8_000 ? 16_000 : pcmRate <= 16_000 ? 24_000 : 32_000
    }
}

/// Everything the bridge needs to know about one leg, from that leg's negotiated SDP: the codec we
/// send and accept, telephone-events, comfort noise, DTMF mode, our SSRC toward it and the Opus
/// encoder settings. `ptime` is what the leg asked to receive; what it sends us may differ.
public struct MediaLegConfig: Sendable, Hashable {
    public var codec: AudioCodec
    public var payloadType: UInt8
    /// Milliseconds of audio per packet we send (10…60; Opus is kept to 10, 20, 40 or 60).
    public var ptime: Int
    /// The telephone-event format we send digits on (and accept).
    public var telephoneEvent: TelephoneEventFormat?
    /// A second telephone-event format the leg agreed, accepted on receipt: a browser that answered
    /// both 48 and 8 kHz sends on whichever libwebrtc's rule picks, not necessarily ours.
    public var otherTelephoneEvent: TelephoneEventFormat?
    /// The CN payload type (RFC 3389), 13 when negotiated; nil when the leg did not offer CN.
    public var comfortNoisePayloadType: UInt8?
    public var dtmfMode: DTMFMode
    /// Our SSRC on this leg, for the life of the call (a re-INVITE keeps it).
    public var ssrc: UInt32
    /// Our RTCP CNAME on this leg.
    public var cname: String
    public var direction: MediaDirection
    public var opus: OpusSettings

    public init(codec: AudioCodec, payloadType: UInt8? = nil, ptime: Int = 20, telephoneEvent: TelephoneEventFormat? = nil,
                comfortNoisePayloadType: UInt8? = nil, dtmfMode: DTMFMode = .auto, ssrc: UInt32, cname: String = "tandem",
                direction: MediaDirection = .sendReceive, opus: OpusSettings = OpusSettings()) {
        self.codec = codec
        self.payloadType = payloadType ?? codec.staticPayloadType ?? 111
        self.ptime = ptime
        self.telephoneEvent = telephoneEvent
        self.comfortNoisePayloadType = comfortNoisePayloadType
        self.dtmfMode = dtmfMode
        self.ssrc = ssrc
        self.cname = cname
        self.direction = direction
        self.opus = opus
    }

    /// The telephone-event format of a received payload type, if it is one of the leg's.
    func receivedTelephoneEvent(_ payloadType: UInt8) -> TelephoneEventFormat? {
        if let te = telephoneEvent, te.payloadType == payloadType { return te }
        if let te = otherTelephoneEvent, te.payloadType == payloadType { return te }
        return nil
    }

    /// The packet duration actually used for sending, made valid for the codec.
    var effectivePtime: Int {
        let p = max(10, min(60, ptime))
        guard codec == .opus else { return p }
        switch p {
        case ..<15: return 10
        case ..<30: return 20
        case ..<50: return 40
        default: return 60
        }
    }

    /// How digits toward this leg are sent.
    var outgoingDTMF: OutgoingDTMF {
        switch dtmfMode {
        case .rfc4733: telephoneEvent == nil ? .inband : .rfc4733
        case .info: .info
        case .inband: .inband
        case .auto: telephoneEvent == nil ? .inband : .rfc4733
        }
    }

    /// Whether tones in this leg's audio are looked for (not when it sends RFC 4733 events, which
    /// would be counted twice if the phone also leaves the tone in its audio).
    var detectsInbandDTMF: Bool {
        switch dtmfMode {
        case .inband: true
        case .auto: telephoneEvent == nil
        case .rfc4733, .info: false
        }
    }
}

/// The resolved way digits are sent toward one leg.
enum OutgoingDTMF: Sendable {
    case rfc4733, info, inband
}
