/// Limits challenges and failures per source address, so a flood of unauthenticated REGISTERs (a
/// scanner, a misconfigured phone in a loop) costs little: beyond `limit` in `window` seconds the
/// source gets no answer until the window passes.
public struct RegisterThrottle: Sendable {
    public let limit: Int
    public let window: Double
    private var counts: [String: (start: Double, count: Int)] = [:]

    public init(limit: Int = 30, window: Double = 10) {
        self.limit = limit
        self.window = window
    }

    /// Records one unauthenticated attempt from `source` at `now` (seconds); false when over the limit.
    public mutating func allow(_ source: String, now: Double) -> Bool {
        if counts.count > 10_000 { counts = counts.filter { now - $0.value.start < window } }
        var entry = counts[source] ?? (now, 0)
        if now - entry.start >= window { entry = (now, 0) }
        entry.count += 1
        counts[source] = entry
        return entry.count <= limit
    }
}
