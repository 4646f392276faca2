import CallState
import Dialplan
import Foundation
import Logging
import Media
import MediaTransport
import NIOCore
import RTP
import SDP
import SIP
import SIPStack
import WebRTC

/// Timers that end calls, and ending them: BYE on each leg, media freed, the CDR written.
extension CallController {
    func mediaFailed(_ call: Call, side: LegSide, why: String) {
        logger.warning("media failed", metadata: ["call": "\(call.id)", "side": "\(side)", "why": "\(why)"])
        fail(call, code: 480, reason: "Media failed: \(why)", side: "gateway")
    }

    func armRingTimer(_ call: Call, _ leg: BridgeLeg) {
        let timeout = leg.timeout ?? call.step?.timeout ?? defaultRingTimeout
        call.ringTimer?.cancel()
        let callT = LoopTransfer(call)
        let loop = endpoint.loop
        call.ringTimer = Task {
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            loop.execute { self.perform(callT.value.machine.ringTimeout(), on: callT.value) }
        }
    }

    /// `<max-duration>` counts from the answer, as billing does.
    func armMaxDuration(_ call: Call, _ limit: Duration) {
        let callT = LoopTransfer(call)
        let loop = endpoint.loop
        call.maxDurationTimer = Task {
            try? await Task.sleep(for: limit)
            guard !Task.isCancelled else { return }
            loop.execute { self.fail(callT.value, code: 200, reason: "Maximum call duration", side: "gateway") }
        }
    }

    func hangUp(_ branch: OutboundBranch, status: Int = 200, reason: String) {
        bye(.branch(branch), status: status, reason: reason)
    }

    /// Sends a BYE on a leg, saying why.
    func bye(_ leg: DialogLeg, status: Int, reason: String) {
        let why = Reason(cause: status, text: reason)
        guard let (bye, peer) = request(in: leg, { $0.bye(in: &$1, via: $2, reason: why) }) else { return }
        endpoint.send(bye, to: peer) { _ in }
    }

    /// Forgets the call, frees its media and writes its record.
    func finish(_ call: Call, status: Int, reason: String, side: String) {
        call.phase = .ended
        call.ringTimer?.cancel()
        call.maxDurationTimer?.cancel()
        for timer in call.sessionTimers.values { timer.task?.cancel() }
        calls[call.id] = nil
        if let id = call.inbound.dialog?.id { dialogs[key(id)] = nil }
        for branch in call.outbound.values {
            if let id = branch.dialog?.id { dialogs[key(id)] = nil }
        }
        call.record.end = Date()
        call.record.status = status
        call.record.reason = reason
        call.record.hangupSide = side
        logger.info("call ended", metadata: ["call": "\(call.id)", "status": "\(status)", "reason": "\(reason)", "side": "\(side)"])
        let recordT = LoopTransfer(call.record)
        let cdr = cdr
        guard let media = call.media else {
            cdr?.write(recordT.value)
            return
        }
        let mediaT = LoopTransfer(media)
        let id = UUID()
        tasks[id] = Task {
            let media = mediaT.value
            var record = recordT.value
            if let stats = try? await media.loop.submit({ () -> LoopTransfer<(MediaLegStatistics?, MediaLegStatistics?)> in
                LoopTransfer((media.bridge?.statistics(for: .a), media.bridge?.statistics(for: .b)))
            }).get().value {
                if let a = stats.0 { record.legA.take(a) }
                if let b = stats.1 { record.legB?.take(b) }
            }
            await media.close()
            cdr?.write(record)
            self.endpoint.loop.execute { self.tasks[id] = nil }
        }
    }

    /// Ends every call and waits for work in flight; run before the event loops shut down.
    func shutdown() async {
        for _ in 0..<3 {
            let pending = try? await endpoint.loop.submit { () -> LoopTransfer<[Task<Void, Never>]> in
                for call in Array(self.calls.values) { self.fail(call, code: 503, reason: "Shutting down", side: "gateway") }
                return LoopTransfer(Array(self.tasks.values))
            }.get()
            guard let tasks = pending?.value, !tasks.isEmpty else { break }
            for task in tasks { await task.value }
        }
        cdr?.flush()
    }
}
