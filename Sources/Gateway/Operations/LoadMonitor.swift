import MediaTransport
import NIOConcurrencyHelpers
import NIOCore

/// How busy each event loop is, looked at once a second: the share of the last second its thread
/// spent working, and how late its media ticks ran. Admission reads it before taking a call that
/// would transcode; metrics export it.
final class LoadMonitor: Sendable {
    struct Loop: Sendable, Equatable {
        var utilisation = 0.0
        var lateness = TickLateness()
    }

    private let loops: [EventLoop]
    private let state = NIOLockedValueBox<(previous: [MediaLoopSample?], current: [Loop], task: RepeatedTask?)>(([], [], nil))

    init(group: EventLoopGroup) {
        loops = Array(group.makeIterator())
        state.withLockedValue { $0 = (Array(repeating: nil, count: loops.count), Array(repeating: Loop(), count: loops.count), nil) }
    }

    /// Each loop's last reading, in the group's order.
    var current: [Loop] { state.withLockedValue { $0.current } }
    /// The busiest loop's share of time spent working, 0...1.
    var highestUtilisation: Double { current.map(\.utilisation).max() ?? 0 }

    func start(on loop: EventLoop, every interval: TimeAmount = .seconds(1)) {
        let task = loop.scheduleRepeatedAsyncTask(initialDelay: .zero, delay: interval) { [self] _ in
            let samples = loops.map { MediaLoopSample.take(on: $0) }
            return EventLoopFuture.whenAllComplete(samples, on: loop).map { results in
                self.record(results.map { try? $0.get() })
            }
        }
        state.withLockedValue { $0.task = task }
    }

    func stop() {
        state.withLockedValue { $0.task?.cancel() }
    }

    private func record(_ samples: [MediaLoopSample?]) {
        state.withLockedValue { state in
            for (i, sample) in samples.enumerated() {
                guard let sample else { continue }
                if let before = state.previous[i], sample.uptimeNanoseconds > before.uptimeNanoseconds {
                    let worked = Double(sample.cpuNanoseconds &- before.cpuNanoseconds)
                    let elapsed = Double(sample.uptimeNanoseconds - before.uptimeNanoseconds)
                    state.current[i] = Loop(utilisation: min(1, worked / elapsed), lateness: sample.lateness)
                }
                state.previous[i] = sample
            }
        }
    }
}
