import CallState
import Dialplan
import Foundation
import SIP
import Media
import MediaTransport
import SIPStack

/// The timers of a call: ringing, `<max-duration>`, a glare's retry, and each leg's session timer
/// (RFC 4028). Each fires on the SIP loop.
struct CallTimers: CallPart {
    let controller: CallController

    /// Runs `body` on the SIP loop after `wait`, unless the returned task is cancelled first.
    @discardableResult
    func after(_ wait: Duration, _ call: Call, _ body: @escaping @Sendable (Call) -> Void) -> Task<Void, Never> {
        let callT = LoopTransfer(call), loop = endpoint.loop
        return Task {
            try? await Task.sleep(for: wait)
            guard !Task.isCancelled else { return }
            loop.execute { body(callT.value) }
        }
    }

    func armRingTimer(_ call: Call, _ leg: BridgeLeg) {
        call.ringTimer?.cancel()
        call.ringTimer = after(leg.timeout ?? call.step?.timeout ?? services.settings.defaultRingTimeout, call) { call in
            self.perform(call.machine.ringTimeout(), on: call)
        }
    }

    /// `<max-duration>` counts from the answer, as billing does.
    func armMaxDuration(_ call: Call, _ limit: Duration) {
        call.maxDurationTimer = after(limit, call) { call in
            self.fail(call, code: 200, reason: "Maximum call duration", side: "gateway")
        }
    }

    /// Arms a leg's session timer: our refresh (UPDATE) at half the interval, or, when the other side
    /// refreshes, the end of the call if no refresh came by the interval less min(32 s, a third).
    func armSessionTimer(_ call: Call, _ side: LegSide, interval: Int, weRefresh: Bool) {
        call.sessionTimers[side]?.task?.cancel()
        let wait: Duration = weRefresh ? .milliseconds(interval * 500) : .seconds(interval - min(32, interval / 3))
        let task = after(wait, call) { call in
            guard call.phase == .answered else { return }
            if weRefresh {
                self.refreshSession(call, side, interval: interval)
            } else {
                self.fail(call, code: 408, reason: "Session timer expired", side: "gateway")
            }
        }
        call.sessionTimers[side] = SessionTimer(interval: interval, weRefresh: weRefresh, task: task)
    }

    /// A leg's session timer as the 2xx to our INVITE granted it, if it did.
    func armSessionTimer(_ call: Call, _ side: LegSide, grantedIn response: SIPResponse) {
        guard let granted = try? response.headers.sessionExpires() else { return }
        armSessionTimer(call, side, interval: granted.interval, weRefresh: granted.refresher != .uas)
    }

    /// Our session refresh on a leg: UPDATE without a body (no new offer); a failure ends the call.
    func refreshSession(_ call: Call, _ side: LegSide, interval: Int) {
        let requests = controller.dialogRequests
        let expires = SessionExpires(interval: interval, refresher: requests.weAreUAS(call, side) ? .uas : .uac)
        guard let (r, peer) = requests.request(in: .side(call, side), { $0.refresh(in: &$1, via: $2, sessionExpires: expires) }) else {
            return
        }
        endpoint.send(r, to: peer) { [weak call] event in
            guard let call else { return }
            switch event {
            case .response(let response) where response.isSuccess:
                self.armSessionTimer(call, side, interval: (try? response.headers.sessionExpires())?.interval ?? interval, weRefresh: true)
            case .response(let response) where response.isProvisional:
                break
            default:
                self.fail(call, code: 408, reason: "Session refresh failed", side: "gateway")
            }
        }
    }
}
