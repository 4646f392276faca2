import SIP

/// The timers of RFC 3261 §17 (and RFC 6026's L and M), named as the RFC names them.
public enum SIPTimer: String, Sendable, Hashable, CaseIterable {
    case A, B, D, E, F, G, H, I, J, K, L, M
}

/// T1, T2 and T4 of RFC 3261 §17.1.1.1 in nanoseconds: configuration, not scattered constants.
public struct SIPTimerSettings: Sendable, Equatable {
    public var t1: UInt64 = 500_000_000
    public var t2: UInt64 = 4_000_000_000
    public var t4: UInt64 = 5_000_000_000

    public init() {}

    public init(t1: UInt64, t2: UInt64, t4: UInt64) {
        self.t1 = t1
        self.t2 = t2
        self.t4 = t4
    }

    /// 64 × T1: how long a transaction waits for a final response or an ACK.
    public var transactionTimeout: UInt64 { 64 * t1 }
}

/// What a transaction state machine asks its driver to do. The machine itself never touches a
/// socket or a clock, so every transition is testable with a fake clock.
public enum TransactionAction: Sendable, Equatable {
    /// Put this message on the wire toward the transaction's peer.
    case send(SIPMessage)
    /// (Re)arm a timer to fire after the given nanoseconds.
    case startTimer(SIPTimer, UInt64)
    case cancelTimer(SIPTimer)
    /// Hand a response to the transaction user (client transactions).
    case deliver(SIPResponse)
    /// Timer B/F fired, or H for a server: the peer never answered.
    case timedOut
    /// The transaction is over and may be forgotten.
    case terminated
}
