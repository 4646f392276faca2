import Foundation
import NIOCore
import NIOPosix

/// One 10 ms tick per event loop for all the call media on it, not a timer per call: a timer per call
/// wakes the loop a hundred times a second for each call, and the tick has nothing to wait for.
/// It also keeps how late its ticks ran: a loop with more work than time shows it there first.
final class MediaTicker: @unchecked Sendable {
    private static let perLoop = ThreadSpecificVariable<MediaTicker>()
    static let interval: UInt64 = 10_000_000
    private let loop: EventLoop
    private var members: [ObjectIdentifier: Member] = [:]
    private var task: RepeatedTask?
    /// When the last tick finished: the next is due `interval` later.
    private var lastTickEnd: UInt64?
    private(set) var lateness = TickLateness()

    private struct Member {
        weak var media: CallMedia?
    }

    private init(loop: EventLoop) {
        self.loop = loop
    }

    /// The ticker of `loop`, which this runs on.
    static func current(on loop: EventLoop) -> MediaTicker {
        loop.preconditionInEventLoop()
        if let ticker = perLoop.currentValue { return ticker }
        let ticker = MediaTicker(loop: loop)
        perLoop.currentValue = ticker
        return ticker
    }

    func add(_ media: CallMedia) {
        members[ObjectIdentifier(media)] = Member(media: media)
        guard task == nil else { return }
        task = loop.scheduleRepeatedTask(initialDelay: .milliseconds(10), delay: .milliseconds(10)) { [unowned self] _ in
            let now = NIODeadline.now().uptimeNanoseconds
            if let last = self.lastTickEnd {
                let gap = now &- last
                self.lateness.record(gap > Self.interval ? gap - Self.interval : 0)
            }
            for member in self.members.values { member.media?.tick(now: now) }
            self.lastTickEnd = NIODeadline.now().uptimeNanoseconds
        }
    }

    func remove(_ media: CallMedia) {
        members[ObjectIdentifier(media)] = nil
        if members.isEmpty {
            task?.cancel()
            task = nil
            lastTickEnd = nil
        }
    }

    func takeLateness() -> TickLateness {
        defer { lateness = TickLateness() }
        return lateness
    }
}

/// How late a loop's ticks ran after they were due, since the last look.
public struct TickLateness: Sendable, Equatable {
    public var ticks = 0
    public var totalNanoseconds: UInt64 = 0
    public var maxNanoseconds: UInt64 = 0

    public init() {}

    mutating func record(_ late: UInt64) {
        ticks += 1
        totalNanoseconds &+= late
        maxNanoseconds = max(maxNanoseconds, late)
    }
}

/// One look at an event loop: its thread's CPU time so far, and its ticks' lateness since the last look.
public struct MediaLoopSample: Sendable {
    public var cpuNanoseconds: UInt64
    public var uptimeNanoseconds: UInt64
    public var lateness: TickLateness

    /// Taken on `loop`: the thread's CPU clock counts only the time the loop spent working, not
    /// the time it slept waiting for sockets.
    public static func take(on loop: EventLoop) -> EventLoopFuture<MediaLoopSample> {
        loop.submit {
            var cpu = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu)
            return MediaLoopSample(cpuNanoseconds: UInt64(cpu.tv_sec) * 1_000_000_000 + UInt64(cpu.tv_nsec),
                                   uptimeNanoseconds: NIODeadline.now().uptimeNanoseconds,
                                   lateness: MediaTicker.current(on: loop).takeLateness())
        }
    }
}
