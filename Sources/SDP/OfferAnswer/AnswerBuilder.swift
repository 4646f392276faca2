/// Builds an RFC 3264 answer to an offer: the same m= lines in the same order, each accepted with the
/// chosen codecs or rejected with port 0.
struct AnswerBuilder {
    let offer: SessionDescription
    let options: AnswerOptions

    func build() -> Answer {
        var answer = SessionDescription(
            origin: options.origin, sessionName: options.sessionName, connection: options.connection,
            timings: [.permanent]
        )
        var outcomes: [MediaAnswer] = []
        var acceptedPerType: [String: Int] = [:]

        for (index, offered) in offer.media.enumerated() {
            let outcome = decide(offered, alreadyAccepted: acceptedPerType[offered.media, default: 0])
            if case .accepted = outcome { acceptedPerType[offered.media, default: 0] += 1 }
            switch outcome {
            case .accepted(let accepted):
                answer.media.append(acceptedSection(for: offered, accepted))
            case .rejected:
                answer.media.append(rejectedSection(for: offered))
            }
            outcomes.append(MediaAnswer(index: index, mediaType: offered.media, mid: offered.mid, outcome: outcome))
        }

        // RFC 8843 §7.3: the answer's BUNDLE group lists only the accepted sections of the offered group.
        let acceptedMIDSet = Set(outcomes.compactMap { $0.isAccepted ? $0.mid : nil })
        for group in offer.groups where group.isBundle {
            let acceptedMIDs = group.mids.filter { acceptedMIDSet.contains($0) }
            if !acceptedMIDs.isEmpty { answer.appendAttribute(Group.bundle(acceptedMIDs)) }
        }
        answer.attributes += options.sessionAttributes
        return Answer(sessionDescription: answer, media: outcomes)
    }

    private func decide(_ offered: MediaDescription, alreadyAccepted: Int) -> MediaAnswer.Outcome {
        guard offered.port != 0 else { return .rejected(.disabledInOffer) }
        guard options.acceptedMediaTypes.contains(offered.media) else {
            return .rejected(.unsupportedMediaType(offered.media))
        }
        let protocolAccepted = options.acceptedProtocols.map { $0.contains(offered.proto) } ?? offered.isRTP
        guard protocolAccepted else { return .rejected(.unsupportedTransport(offered.proto)) }
        guard alreadyAccepted < options.maximumStreamsPerMediaType else { return .rejected(.streamLimitReached) }

        let offeredCodecs = offered.codecs
        let common = MediaDescription.commonCodecs(in: offeredCodecs, with: options.codecs,
                                                   order: options.preferenceOrder)
        guard let best = common.first else {
            return .rejected(.noCommonCodec(offered: offeredCodecs.map(\.name)))
        }
        let chosen = options.answerAllCommonCodecs ? common : [best]

        var telephoneEvent: Codec? = nil
        if let supported = options.telephoneEvents,
           var offeredEvent = MediaDescription.telephoneEvent(in: offeredCodecs, forClockRate: best.clockRate),
           let offeredEvents = offeredEvent.telephoneEvents {
            let events = offeredEvents.intersection(supported)
            if !events.isEmpty {
                offeredEvent.formatParameters = FormatParameters(
                    payloadType: offeredEvent.payloadType,
                    parameters: [FormatParameters.Parameter(events.parameterText)]
                )
                offeredEvent.feedback = []
                telephoneEvent = offeredEvent
            }
        }
        let comfortNoise = options.comfortNoise
            ? MediaDescription.comfortNoise(in: offeredCodecs, forClockRate: best.clockRate) : nil

        return .accepted(AcceptedMedia(
            codecs: chosen.map { var codec = $0; codec.feedback = []; return codec },
            telephoneEvent: telephoneEvent,
            comfortNoise: comfortNoise,
            direction: offer.effectiveDirection(of: offered).reversed.intersection(options.localDirection),
            offerHold: offer.holdState(of: offered),
            remoteConnection: offer.effectiveConnection(for: offered),
            remotePort: offered.port,
            rtcpMux: options.rtcpMux && offered.rtcpMux
        ))
    }

    private func acceptedSection(for offered: MediaDescription, _ accepted: AcceptedMedia) -> MediaDescription {
        var section = MediaDescription(media: offered.media, port: options.port, proto: offered.proto, formats: [])
        if let mid = offered.mid { section.mid = mid }
        section.attributes += options.mediaAttributes
        for uri in options.headerExtensions {
            if var extMap = offered.extMaps.first(where: { $0.uri == uri }) {
                extMap.direction = extMap.direction?.reversed
                section.appendAttribute(extMap)
            }
        }
        section.direction = accepted.direction
        if accepted.rtcpMux { section.rtcpMux = true }
        if options.rtcpReducedSize && offered.rtcpReducedSize { section.rtcpReducedSize = true }
        let codecs = accepted.codecs + [accepted.telephoneEvent, accepted.comfortNoise].compactMap { $0 }
        section.setCodecs(codecs)
        if let ptime = options.packetTime ?? offered.packetTime { section.packetTime = ptime }
        return section
    }

    /// RFC 3264 §6: a rejected stream keeps media type, transport and formats, with port 0.
    private func rejectedSection(for offered: MediaDescription) -> MediaDescription {
        var section = MediaDescription(media: offered.media, port: 0, proto: offered.proto,
                                       formats: offered.formats.isEmpty ? ["0"] : offered.formats)
        if let mid = offered.mid { section.mid = mid }
        return section
    }
}

extension SessionDescription {
    /// Answers this offer (RFC 3264): codecs chosen by `options.codecs` and `options.preferenceOrder`, the
    /// offerer's payload type numbers kept, directions answered per §6.1, old-style holds recognised.
    public func answer(with options: AnswerOptions) -> Answer {
        AnswerBuilder(offer: self, options: options).build()
    }
}
