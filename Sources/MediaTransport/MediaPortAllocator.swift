import Media
import NIOConcurrencyHelpers
import NIOCore

/// Hands out media ports from the configured range to the legs of every call and binds them: a port
/// another process holds is skipped and the next one tried. Shared by all event loops, so its pool is
/// behind a lock; it is used at call set-up and tear-down, never per packet.
public final class MediaPortAllocator: Sendable {
    private let pool: NIOLockedValueBox<MediaPortPool>
    public let range: ClosedRange<Int>

    public init(range: ClosedRange<Int>) {
        self.range = range
        pool = NIOLockedValueBox(MediaPortPool(range: range))
    }

    public var available: Int { pool.withLockedValue { $0.available } }
    public var held: Int { pool.withLockedValue { $0.held } }

    /// Runs `bind` with ports from the pool until one binds (at most `attempts`); the port is held
    /// until `release`. Throws the last bind error, or `noPortsLeft`.
    public func bind<T>(attempts: Int = 16, _ bind: (Int) async throws -> T) async throws -> (port: Int, value: T) {
        var lastError: Error = MediaPortError.noPortsLeft(range)
        for _ in 0..<attempts {
            guard let port = pool.withLockedValue({ $0.acquire() }) else { throw MediaPortError.noPortsLeft(range) }
            do {
                return (port, try await bind(port))
            } catch {
                // Held by someone else (another process, a lingering socket): give it back and move
                // on; round-robin means it is not tried again until the range wraps.
                pool.withLockedValue { $0.release(port) }
                lastError = error
            }
        }
        throw lastError
    }

    public func release(_ port: Int) {
        pool.withLockedValue { $0.release(port) }
    }
}

public enum MediaPortError: Error, CustomStringConvertible {
    case noPortsLeft(ClosedRange<Int>)
    public var description: String {
        switch self {
        case .noPortsLeft(let r): "no free media port in \(r.lowerBound)-\(r.upperBound)"
        }
    }
}
