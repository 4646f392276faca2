import ByteText

/// One payload format of a media section as a whole: its payload type, encoding, clock rate, channels and
/// fmtp, gathered from rtpmap/fmtp/rtcp-fb or, for static payload types without rtpmap, from RFC 3551.
public struct Codec: Sendable, Equatable {
    public var payloadType: UInt8
    /// As written in the rtpmap, or RFC 3551's name for static types.
    public var name: String
    public var clockRate: UInt32
    public var channels: UInt8
    public var formatParameters: FormatParameters?
    public var feedback: [RTCPFeedback]

    public init(
        payloadType: UInt8, name: String, clockRate: UInt32, channels: UInt8 = 1,
        formatParameters: FormatParameters? = nil, feedback: [RTCPFeedback] = []
    ) {
        self.payloadType = payloadType
        self.name = name
        self.clockRate = clockRate
        self.channels = channels
        self.formatParameters = formatParameters
        self.feedback = feedback
    }

    /// True when the encoding is `name`, ignoring case as RFC 4855 §3 asks.
    public func isNamed(_ name: String) -> Bool {
        ASCII.equalsIgnoringCase(self.name, name)
    }

    /// RFC 4733 events rather than audio.
    public var isTelephoneEvent: Bool { isNamed("telephone-event") }

    /// Comfort noise (RFC 3389).
    public var isComfortNoise: Bool { isNamed("CN") }

    /// Formats that ride along a real codec rather than being one: DTMF, comfort noise, redundancy,
    /// FEC and retransmission. Codec selection skips them.
    public var isAuxiliary: Bool {
        isTelephoneEvent || isComfortNoise || isNamed("red") || isNamed("ulpfec") || isNamed("flexfec-03")
            || isNamed("rtx")
    }

    /// The events a telephone-event format carries; RFC 4733 §2.4.1's default 0-15 without fmtp.
    public var telephoneEvents: TelephoneEvents? {
        guard isTelephoneEvent else { return nil }
        return formatParameters.flatMap(TelephoneEvents.init(formatParameters:)) ?? .dtmf
    }

    /// The rtpmap describing this codec.
    public var rtpMap: RTPMap {
        RTPMap(payloadType: payloadType, encodingName: name, clockRate: clockRate,
               channels: channels == 1 ? nil : channels)
    }
}

extension MediaDescription {
    /// The formats of this section as codecs, in m= line (preference) order. Dynamic payload types without
    /// an rtpmap are left out: nothing says what they are.
    public var codecs: [Codec] {
        // Indexed once so a section with many formats stays linear; the first line for a payload type wins.
        var maps: [UInt8: RTPMap] = [:]
        for map in rtpMaps where maps[map.payloadType] == nil { maps[map.payloadType] = map }
        var fmtps: [UInt8: FormatParameters] = [:]
        for fmtp in formatParameters {
            if let pt = fmtp.payloadType, fmtps[pt] == nil { fmtps[pt] = fmtp }
        }
        var feedback: [UInt8: [RTCPFeedback]] = [:]
        var wildcardFeedback: [RTCPFeedback] = []
        for item in rtcpFeedback {
            if item.payloadType == "*" {
                wildcardFeedback.append(item)
            } else if let pt = SDPText.uint8(item.payloadType, maximum: 127) {
                feedback[pt, default: []].append(item)
            }
        }
        var seen = Set<UInt8>()
        var result: [Codec] = []
        for pt in payloadTypes where seen.insert(pt).inserted {
            guard let map = maps[pt] ?? StaticPayloadType.rtpMap(for: pt) else { continue }
            // Keep rtcp-fb in attribute order whether it names the payload type or `*`.
            let applicable = wildcardFeedback.isEmpty ? (feedback[pt] ?? [])
                : rtcpFeedback.filter { $0.applies(to: pt) }
            result.append(Codec(
                payloadType: pt, name: map.encodingName, clockRate: map.clockRate, channels: map.channels ?? 1,
                formatParameters: fmtps[pt], feedback: applicable
            ))
        }
        return result
    }

    /// The codec for payload type `pt`, if it is offered here.
    public func codec(for pt: UInt8) -> Codec? {
        codecs.first { $0.payloadType == pt }
    }

    /// Replaces the formats, rtpmap, fmtp and rtcp-fb lines with those of `codecs`, in that order. Other
    /// attributes keep their places; the new lines go where the first old rtpmap was, or at the end.
    public mutating func setCodecs(_ codecs: [Codec]) {
        formats = codecs.map { String($0.payloadType) }
        let codecAttributes: Set<String> = [RTPMap.attributeName, FormatParameters.attributeName,
                                           RTCPFeedback.attributeName]
        // Everything before the first codec line is kept, so that index is also the insertion point.
        let position = attributes.firstIndex { codecAttributes.contains($0.name) }
        var kept = attributes.filter { !codecAttributes.contains($0.name) }
        var lines: [Attribute] = []
        for codec in codecs {
            lines.append(Attribute(codec.rtpMap))
            for item in codec.feedback { lines.append(Attribute(item)) }
            if let fmtp = codec.formatParameters {
                var fmtp = fmtp
                fmtp.format = String(codec.payloadType)
                lines.append(Attribute(fmtp))
            }
        }
        kept.insert(contentsOf: lines, at: min(position ?? kept.count, kept.count))
        attributes = kept
    }
}
