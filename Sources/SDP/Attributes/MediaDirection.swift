/// The direction attributes `a=sendrecv`, `a=sendonly`, `a=recvonly` and `a=inactive` (RFC 8866 §6.7).
public enum MediaDirection: String, Sendable, Equatable, CaseIterable {
    case sendrecv
    case sendonly
    case recvonly
    case inactive

    public init(sending: Bool, receiving: Bool) {
        switch (sending, receiving) {
        case (true, true): self = .sendrecv
        case (true, false): self = .sendonly
        case (false, true): self = .recvonly
        case (false, false): self = .inactive
        }
    }

    public var isSending: Bool { self == .sendrecv || self == .sendonly }
    public var isReceiving: Bool { self == .sendrecv || self == .recvonly }

    /// The direction an answer may take to an offer in this direction (RFC 3264 §6.1): what the offerer sends
    /// we may receive, and what it receives we may send.
    public var reversed: MediaDirection {
        MediaDirection(sending: isReceiving, receiving: isSending)
    }

    /// The direction both sides allow: used to narrow the answer by what the answerer itself wants.
    public func intersection(_ other: MediaDirection) -> MediaDirection {
        MediaDirection(sending: isSending && other.isSending, receiving: isReceiving && other.isReceiving)
    }

    init?(attributeName: String) {
        self.init(rawValue: attributeName)
    }
}
