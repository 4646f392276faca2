/// Reading the answer to an offer we made (RFC 3264 §7): what the answerer picked.
extension SessionDescription {
    /// What this answer agreed for its first `mediaType` stream, seen from the offerer: the answered
    /// codecs in the answerer's order (the first is the one to send), telephone-event and CN, the
    /// direction the answerer wrote, and where it wants media. Nil when the stream was rejected (port
    /// 0), is missing, or names no audio codec.
    public func acceptedByAnswer(_ mediaType: String = "audio") -> AcceptedMedia? {
        guard let section = media.first(where: { $0.media == mediaType }), !section.isRejected else { return nil }
        let all = section.codecs
        let codecs = all.filter { !$0.isAuxiliary }
        guard let first = codecs.first else { return nil }
        let event = MediaDescription.telephoneEvent(in: all, forClockRate: first.clockRate)
        return AcceptedMedia(
            codecs: codecs,
            telephoneEvent: event,
            otherTelephoneEvent: all.first { $0.isTelephoneEvent && $0.payloadType != event?.payloadType },
            comfortNoise: MediaDescription.comfortNoise(in: all, forClockRate: first.clockRate),
            direction: effectiveDirection(of: section),
            offerHold: holdState(of: section),
            remoteConnection: effectiveConnection(for: section),
            remotePort: section.port,
            rtcpMux: section.rtcpMux)
    }
}
