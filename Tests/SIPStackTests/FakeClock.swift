@testable import SIPStack

/// A clock for transaction tests: timers fire only when the test advances time.
final class FakeScheduler: TransactionScheduler {
    final class Handle: TransactionTimerHandle {
        let due: UInt64
        let body: () -> Void
        var cancelled = false
        init(due: UInt64, body: @escaping () -> Void) { self.due = due; self.body = body }
        func cancel() { cancelled = true }
    }

    private(set) var now: UInt64 = 0
    private var pending: [Handle] = []

    func schedule(after nanoseconds: UInt64, _ body: @escaping () -> Void) -> TransactionTimerHandle {
        let h = Handle(due: now + nanoseconds, body: body)
        pending.append(h)
        return h
    }

    /// Fires every timer due up to `time`, in due order, moving `now` to each.
    func advance(to time: UInt64) {
        while let next = pending.filter({ !$0.cancelled && $0.due <= time }).min(by: { $0.due < $1.due }) {
            now = next.due
            next.cancelled = true
            next.body()
        }
        now = time
        pending.removeAll { $0.cancelled }
    }

    func advance(seconds: Double) { advance(to: now + UInt64(seconds * 1e9)) }
}

struct FakePeer: SIPPeerAddress {
    var isReliable: Bool
}

let second: UInt64 = 1_000_000_000
