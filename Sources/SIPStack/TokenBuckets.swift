/// Token buckets by key (a source address): each key earns `rate` tokens a second up to `burst`,
/// and each request takes one. A key absent from the table has a full bucket, so the table only
/// holds sources that sent something lately.
public struct TokenBuckets: Sendable {
    public let rate: Double
    public let burst: Double
    private var buckets: [String: (tokens: Double, at: Double)] = [:]

    public init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = max(1, burst)
    }

    /// Takes a token for `key` at `now` (seconds); false when its bucket is empty.
    public mutating func take(_ key: String, now: Double) -> Bool {
        if buckets.count > 10_000 {
            // Buckets that have refilled since are the same as absent ones.
            let refill = burst / rate
            buckets = buckets.filter { now - $0.value.at < refill }
        }
        var bucket = buckets[key] ?? (burst, now)
        bucket.tokens = min(burst, bucket.tokens + max(0, now - bucket.at) * rate)
        bucket.at = now
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        buckets[key] = bucket
        return allowed
    }
}
