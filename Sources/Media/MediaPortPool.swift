/// Hands out UDP ports for call legs from the configured range: even ports (RTCP may take the odd one
/// above when rtcp-mux is not agreed), round-robin so a just-freed port is not reused at once (late
/// packets of the old call would land in the new one). Not thread-safe: owned by one event loop or
/// guarded by its owner.
public struct MediaPortPool: Sendable {
    public let range: ClosedRange<Int>
    private var next: Int
    private var inUse: Set<Int> = []

    public init(range: ClosedRange<Int>) {
        self.range = range
        let first = range.lowerBound + (range.lowerBound & 1)
        next = first
    }

    public var available: Int { (range.count / 2) - inUse.count }
    public var held: Int { inUse.count }

    /// The next free even port, or nil when every port is taken.
    public mutating func acquire() -> Int? {
        let evenCount = (range.upperBound - range.lowerBound + 1 + (range.lowerBound & 1 == 0 ? 1 : 0)) / 2
        for _ in 0..<evenCount {
            let port = next
            next += 2
            if next > range.upperBound - 1 { next = range.lowerBound + (range.lowerBound & 1) }
            if !inUse.contains(port) {
                inUse.insert(port)
                return port
            }
        }
        return nil
    }

    public mutating func release(_ port: Int) {
        inUse.remove(port)
    }
}
