/// Remembers the highest nonce count seen for recent nonces, so a captured Authorization cannot be
/// replayed (RFC 7616 §3.3, §5.12). Bounded: the oldest nonce is forgotten when full, and a
/// forgotten nonce presented with `nc` above 1 is answered as stale, forcing a fresh nonce.
public struct NonceCountTracker: Sendable {
    /// What a presented nonce count means.
    public enum Outcome: Sendable, Equatable {
        /// Higher than any seen for this nonce (or the first use of a new one): accept.
        case fresh
        /// Not above the last count seen: a replay.
        case replayed
        /// A nonce not remembered, presented with a count above 1: ask for a fresh nonce.
        case unknownNonce
    }

    public let capacity: Int
    private var highest: [String: UInt32] = [:]
    private var order: [String] = []
    private var head = 0

    public init(capacity: Int = 4096) {
        self.capacity = Swift.max(1, capacity)
    }

    public var count: Int { highest.count }

    /// Records `nonceCount` for `nonce` if it is higher than any seen before.
    public mutating func check(nonce: String, nonceCount: UInt32) -> Outcome {
        if let last = highest[nonce] {
            guard nonceCount > last else { return .replayed }
            highest[nonce] = nonceCount
            return .fresh
        }
        guard nonceCount == 1 else { return .unknownNonce }
        if order.count < capacity {
            order.append(nonce)
        } else {
            highest[order[head]] = nil
            order[head] = nonce
            head = (head + 1) % capacity
        }
        highest[nonce] = nonceCount
        return .fresh
    }
}
