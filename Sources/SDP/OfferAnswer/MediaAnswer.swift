/// The result of answering an offer: the answer SDP and, per offered m= line, what was decided and why.
public struct Answer: Sendable, Equatable {
    public var sessionDescription: SessionDescription
    /// One entry per offered m= line, in order.
    public var media: [MediaAnswer]

    /// The first accepted stream of `mediaType`, which for a call is its audio.
    public func accepted(_ mediaType: String = "audio") -> AcceptedMedia? {
        for entry in media {
            if case .accepted(let accepted) = entry.outcome, entry.mediaType == mediaType { return accepted }
        }
        return nil
    }
}

/// What the answer did with one offered m= line.
public struct MediaAnswer: Sendable, Equatable {
    /// Accepted with what was agreed, or rejected (port 0) with the reason, for logs and SIP responses.
    public enum Outcome: Sendable, Equatable {
        case accepted(AcceptedMedia)
        case rejected(RejectionReason)
    }

    /// Position of the m= line in offer and answer alike.
    public var index: Int
    public var mediaType: String
    public var mid: String?
    public var outcome: Outcome

    public var isAccepted: Bool {
        if case .accepted = outcome { return true }
        return false
    }

    /// Why the stream was rejected, or nil if it was accepted.
    public var rejectionReason: RejectionReason? {
        if case .rejected(let reason) = outcome { return reason }
        return nil
    }
}

/// What was agreed for an accepted stream, as the media plan needs it.
public struct AcceptedMedia: Sendable, Equatable {
    /// The answered codecs, best first; the first is the one to send.
    public var codecs: [Codec]
    public var telephoneEvent: Codec?
    /// Another telephone-event format in the answer (a browser answers 48 and 8 kHz and sends on
    /// whichever its own rule picks): accepted when it arrives, never sent.
    public var otherTelephoneEvent: Codec? = nil
    public var comfortNoise: Codec?
    /// The direction written in the answer, from the answerer's point of view.
    public var direction: MediaDirection
    /// Whether the offerer holds the stream, and how.
    public var offerHold: HoldState
    /// Where the offerer wants media, from its c= and m= port (before any ICE or latching).
    public var remoteConnection: ConnectionData?
    public var remotePort: UInt16
    public var rtcpMux: Bool

    /// The codec to send and expect.
    public var codec: Codec? { codecs.first }
}

/// Why an offered stream got port 0 in the answer.
public enum RejectionReason: Sendable, Equatable {
    /// The offer itself had port 0.
    case disabledInOffer
    case unsupportedMediaType(String)
    case unsupportedTransport(String)
    /// None of the offered codecs is in the answerer's list; carries the offered encoding names.
    case noCommonCodec(offered: [String])
    /// Another stream of the same type was already accepted.
    case streamLimitReached
}
