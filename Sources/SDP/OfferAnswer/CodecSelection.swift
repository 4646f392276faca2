/// Choosing codecs from an offered media section (RFC 3264 §6.1).
extension MediaDescription {
    /// The offered codecs the answerer supports, best first by `order`, each with the offerer's payload type
    /// and its fmtp: offered parameters kept (Opus's `useinbandfec`, `minptime`...), then the capability's
    /// own parameters applied on top. Auxiliary formats (telephone-event, CN, RED, FEC, RTX) are never
    /// chosen here; see `telephoneEvent(forClockRate:)`.
    public func commonCodecs(with capabilities: [CodecCapability],
                             order: CodecPreferenceOrder = .answerer) -> [Codec] {
        Self.commonCodecs(in: codecs, with: capabilities, order: order)
    }

    /// The selection over an already computed codec list, so the answer builder reads the section once.
    static func commonCodecs(in codecs: [Codec], with capabilities: [CodecCapability],
                             order: CodecPreferenceOrder) -> [Codec] {
        let offered = codecs.filter { !$0.isAuxiliary }
        var pairs: [(Codec, CodecCapability)] = []
        switch order {
        case .answerer:
            for capability in capabilities {
                for codec in offered where capability.matches(codec) {
                    if !pairs.contains(where: { $0.0.payloadType == codec.payloadType }) {
                        pairs.append((codec, capability))
                    }
                }
            }
        case .offerer:
            for codec in offered {
                if let capability = capabilities.first(where: { $0.matches(codec) }) {
                    pairs.append((codec, capability))
                }
            }
        }
        return pairs.map { codec, capability in
            var chosen = codec
            guard !capability.formatParameters.isEmpty else { return chosen }
            var fmtp = codec.formatParameters ?? FormatParameters(payloadType: codec.payloadType, parameters: [])
            for parameter in capability.formatParameters {
                if let value = parameter.value {
                    fmtp.set(parameter.name, value)
                } else if !fmtp.contains(parameter.name) {
                    fmtp.parameters.append(parameter)
                }
            }
            chosen.formatParameters = fmtp
            return chosen
        }
    }

    /// The offered telephone-event to answer beside a codec of `clockRate`: the one at that rate, since RFC
    /// 4733 events share the audio codec's clock, else the first offered one. Chrome offers /48000 (for
    /// Opus) and /8000 (for G.711), so both cases arise.
    public func telephoneEvent(forClockRate clockRate: UInt32) -> Codec? {
        Self.telephoneEvent(in: codecs, forClockRate: clockRate)
    }

    static func telephoneEvent(in codecs: [Codec], forClockRate clockRate: UInt32) -> Codec? {
        let events = codecs.filter(\.isTelephoneEvent)
        return events.first { $0.clockRate == clockRate } ?? events.first
    }

    /// The offered comfort-noise format at `clockRate`, if any.
    public func comfortNoise(forClockRate clockRate: UInt32) -> Codec? {
        Self.comfortNoise(in: codecs, forClockRate: clockRate)
    }

    static func comfortNoise(in codecs: [Codec], forClockRate clockRate: UInt32) -> Codec? {
        codecs.first { $0.isComfortNoise && $0.clockRate == clockRate }
    }
}
