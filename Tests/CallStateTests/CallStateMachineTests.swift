import Dialplan
import Testing
@testable import CallState

/// One thing that happens to a call, as the controller reports it.
enum Event: Sendable {
    case routed(DialPlan), refused(Outcome), answeredLocally
    case kinds(Int), started(Int), settled(Outcome?)
    case provisional(Int, sdp: Bool), answered(Int, tag: String), failed(Int, Outcome), earlyBye(Int)
    case ringTimeout, callerCancelled, bye(Side)
    case reoffered(Side), reofferSent(Side), reofferAnswered(Side, Int)
    case referred(Side, DialPlan), end(Outcome)

    func apply(to m: inout CallStateMachine) -> [CallStateMachine.Action] {
        switch self {
        case .routed(let plan): return m.routed(plan)
        case .refused(let o): return m.refused(o)
        case .answeredLocally: m.answeredLocally(); return []
        case .kinds(let n): m.dialling(kinds: n); return []
        case .started(let b): m.branchStarted(BranchID(b)); return []
        case .settled(let failure): return m.dialSettled(failure: failure)
        case .provisional(let b, let sdp): return m.provisional(BranchID(b), hasSDP: sdp)
        case .answered(let b, let tag): return m.answered(BranchID(b), toTag: tag)
        case .failed(let b, let o): return m.failed(BranchID(b), o)
        case .earlyBye(let b): return m.earlyBye(BranchID(b))
        case .ringTimeout: return m.ringTimeout()
        case .callerCancelled: return m.callerCancelled()
        case .bye(let side): return m.bye(from: side)
        case .reoffered(let side): return m.reoffered(from: side)
        case .reofferSent(let side): m.reofferSent(to: side); return []
        case .reofferAnswered(let side, let code): return m.reofferAnswered(by: side, code: code)
        case .referred(let side, let plan): return m.referred(by: side, to: plan)
        case .end(let o): return m.end(o)
        }
    }
}

/// A call's course: events in order, each with the actions it must produce.
struct Script: CustomTestStringConvertible, Sendable {
    let name: String
    let browserCaller: Bool
    let steps: [(Event, [CallStateMachine.Action])]
    let ends: Outcome?
    var testDescription: String { name }

    init(_ name: String, browserCaller: Bool = true, ends: Outcome? = nil, _ steps: [(Event, [CallStateMachine.Action])]) {
        self.name = name
        self.browserCaller = browserCaller
        self.steps = steps
        self.ends = ends
    }
}

typealias A = CallStateMachine.Action
let b1 = BranchID(1), b2 = BranchID(2), b3 = BranchID(3)
let onBusy = FailoverPolicy(codes: [486...486], onTimeout: true)
let one = DialPlan(mode: .failover, failover: onBusy, targets: 1)
let two = DialPlan(mode: .failover, failover: onBusy, targets: 2)
let both = DialPlan(mode: .parallel, failover: onBusy, targets: 2)
let bye = Outcome(200, "BYE")
let elsewhere = Outcome(200, "Call completed elsewhere")
let terminated = Outcome(487, "Request Terminated")
let busy = Outcome(486, "Busy Here")
func answerActions(_ branch: BranchID, _ tag: String) -> [A] {
    [.acknowledge(branch, toTag: tag), .stopRingTimer, .answerCaller(branch)]
}

/// Dialled and answered on branch 1 with tag "t".
let answeredOnOne: [(Event, [A])] = [
    (.routed(one), [.dial(targets: [0])]), (.kinds(1), []), (.started(1), []), (.settled(nil), []),
    (.answered(1, tag: "t"), answerActions(b1, "t")),
]

let scripts: [Script] = [
    Script("browser caller hears ringback, then the answer, then the callee's BYE", ends: bye, [
        (.routed(one), [.dial(targets: [0])]), (.kinds(1), []), (.started(1), []), (.settled(nil), []),
        (.provisional(1, sdp: false), [.playRingback]),
        (.answered(1, tag: "t"), answerActions(b1, "t")),
        (.bye(.b), [.bye(.a, bye), .finish(bye, endedBy: "callee")]),
    ]),
    Script("a phone caller is told 180, and early media is bridged with our 183", browserCaller: false, [
        (.routed(one), [.dial(targets: [0])]), (.kinds(1), []), (.started(1), []),
        (.provisional(1, sdp: false), [.relayProvisional(b1)]),
        (.provisional(1, sdp: true), [.connectEarlyMedia(b1)]),
    ]),
    Script("failover moves on after a busy target; the last failure is what the caller hears", ends: Outcome(404, "Not Found"), [
        (.routed(two), [.dial(targets: [0])]), (.kinds(1), []), (.started(1), []), (.settled(nil), []),
        (.failed(1, busy), [.dial(targets: [1])]), (.kinds(1), []), (.started(2), []), (.settled(nil), []),
        (.failed(2, Outcome(404, "Not Found")), [.stopRingTimer, .rejectCaller(Outcome(404, "Not Found")), .finish(Outcome(404, "Not Found"), endedBy: "callee")]),
    ]),
    Script("failover stops on a code it does not retry", ends: Outcome(404, "Not Found"), [
        (.routed(two), [.dial(targets: [0])]), (.kinds(1), []), (.started(1), []), (.settled(nil), []),
        (.failed(1, Outcome(404, "Not Found")), [.stopRingTimer, .rejectCaller(Outcome(404, "Not Found")), .finish(Outcome(404, "Not Found"), endedBy: "callee")]),
    ]),
    Script("parallel: the first answer wins, the other is cancelled, and its late 2xx is hung up", [
        (.routed(both), [.dial(targets: [0, 1])]), (.kinds(1), []), (.started(1), []), (.started(2), []), (.settled(nil), []),
        (.answered(2, tag: "x"), [.acknowledge(b2, toTag: "x"), .cancel(b1), .stopRingTimer, .answerCaller(b2)]),
        (.failed(1, terminated), []),
        (.answered(1, tag: "y"), [.acknowledge(b1, toTag: "y"), .hangUp(b1, toTag: "y", elsewhere)]),
    ]),
    Script("the best failure (RFC 3261 §16.7): a 6xx beats all", ends: Outcome(603, "Decline"), [
        (.routed(DialPlan(mode: .parallel, failover: onBusy, targets: 3)), [.dial(targets: [0, 1, 2])]),
        (.kinds(1), []), (.started(1), []), (.started(2), []), (.started(3), []), (.settled(nil), []),
        (.failed(1, busy), []), (.failed(2, Outcome(603, "Decline")), []),
        (.failed(3, Outcome(404, "Not Found")), [.stopRingTimer, .rejectCaller(Outcome(603, "Decline")), .finish(Outcome(603, "Decline"), endedBy: "callee")]),
    ]),
    Script("a trunk's 407 is ours to answer: the caller hears 503", ends: Outcome(503, "Proxy Authentication Required"), [
        (.routed(one), [.dial(targets: [0])]), (.kinds(1), []), (.started(1), []), (.settled(nil), []),
        (.failed(1, Outcome(407, "Proxy Authentication Required")),
         [.stopRingTimer, .rejectCaller(Outcome(503, "Proxy Authentication Required")), .finish(Outcome(503, "Proxy Authentication Required"), endedBy: "callee")]),
    ]),
    Script("the caller's CANCEL crosses the callee's 200: the 200 is ACKed and hung up", ends: terminated, [
        (.routed(one), [.dial(targets: [0])]), (.kinds(1), []), (.started(1), []), (.settled(nil), []),
        (.callerCancelled, [.cancel(b1), .stopRingTimer, .rejectCaller(terminated), .finish(terminated, endedBy: "caller")]),
        (.answered(1, tag: "t"), [.acknowledge(b1, toTag: "t"), .hangUp(b1, toTag: "t", elsewhere)]),
        (.failed(1, terminated), []),
    ]),
    Script("our 200 crosses the caller's CANCEL: nothing is left to cancel", answeredOnOne + [
        (.callerCancelled, []),
    ]),
    Script("a second fork answers after the first: its dialog is ACKed and hung up; a retransmission is re-ACKed", answeredOnOne + [
        (.answered(1, tag: "other"), [.acknowledge(b1, toTag: "other"), .hangUp(b1, toTag: "other", elsewhere)]),
        (.answered(1, tag: "t"), [.acknowledge(b1, toTag: "t")]),
    ]),
    Script("glare: a re-INVITE from a side we are re-offering gets 491; ours is retried after its 491", answeredOnOne + [
        (.reofferSent(.b), []),
        (.reoffered(.b), [.respond(.b, 491)]),
        (.reoffered(.a), []),
        (.reofferAnswered(.b, 491), [.reoffer(to: .b)]),
        (.reofferSent(.b), []), (.reofferAnswered(.b, 200), []),
        (.reoffered(.b), []),
    ]),
    Script("a re-INVITE before the answer gets 491", [
        (.routed(one), [.dial(targets: [0])]), (.reoffered(.a), [.respond(.a, 491)]),
    ]),
    Script("the caller's BYE during a transfer cancels the target and ends the transferor", ends: bye, answeredOnOne + [
        (.referred(.b, one), [.respond(.b, 202), .notifyTransferor(.b, sipfrag: Outcome(100, "Trying"), final: false), .dial(targets: [0])]),
        (.kinds(1), []), (.started(2), []), (.settled(nil), []),
        (.referred(.b, one), [.respond(.b, 491)]),
        (.bye(.a), [.cancel(b2), .bye(.b, bye), .finish(bye, endedBy: "caller")]),
        (.answered(2, tag: "late"), [.acknowledge(b2, toTag: "late"), .hangUp(b2, toTag: "late", elsewhere)]),
    ]),
    Script("the transfer target answers: the transferor is told 200 and hung up", ends: bye, answeredOnOne + [
        (.referred(.b, one), [.respond(.b, 202), .notifyTransferor(.b, sipfrag: Outcome(100, "Trying"), final: false), .dial(targets: [0])]),
        (.kinds(1), []), (.started(2), []), (.settled(nil), []),
        (.provisional(2, sdp: false), [.relayProvisional(b2)]),
        (.answered(2, tag: "u"), [.acknowledge(b2, toTag: "u"), .stopRingTimer, .notifyTransferor(.b, sipfrag: Outcome(200, "OK"), final: true),
                                  .bye(.b, Outcome(200, "Transferred")), .connectTransferTarget(b2, replacing: .b)]),
        (.answered(2, tag: "u"), [.acknowledge(b2, toTag: "u")]),
        (.bye(.b), [.bye(.a, bye), .finish(bye, endedBy: "callee")]),
    ]),
    Script("the transferor hangs up after its 202; the target answers and nobody is told", answeredOnOne + [
        (.referred(.b, one), [.respond(.b, 202), .notifyTransferor(.b, sipfrag: Outcome(100, "Trying"), final: false), .dial(targets: [0])]),
        (.kinds(1), []), (.started(2), []), (.settled(nil), []),
        (.bye(.b), []),
        (.answered(2, tag: "u"), [.acknowledge(b2, toTag: "u"), .stopRingTimer, .connectTransferTarget(b2, replacing: .b)]),
    ]),
    Script("a failed transfer is reported and the call goes on", answeredOnOne + [
        (.referred(.a, one), [.respond(.a, 202), .notifyTransferor(.a, sipfrag: Outcome(100, "Trying"), final: false), .dial(targets: [0])]),
        (.kinds(1), []), (.started(2), []), (.settled(nil), []),
        (.failed(2, busy), [.stopRingTimer, .notifyTransferor(.a, sipfrag: busy, final: true)]),
        (.reoffered(.b), []),
    ]),
    Script("a failed transfer whose transferor left ends the call", ends: Outcome(480, "Transfer failed"), answeredOnOne + [
        (.referred(.a, one), [.respond(.a, 202), .notifyTransferor(.a, sipfrag: Outcome(100, "Trying"), final: false), .dial(targets: [0])]),
        (.kinds(1), []), (.started(2), []), (.settled(nil), []), (.bye(.a), []),
        (.failed(2, busy), [.bye(.b, Outcome(480, "Transfer failed")), .finish(Outcome(480, "Transfer failed"), endedBy: "gateway")]),
    ]),
    Script("nobody answers in the ring time: failover on timeout dials the next target", [
        (.routed(two), [.dial(targets: [0])]), (.kinds(1), []), (.started(1), []), (.settled(nil), []),
        (.ringTimeout, [.cancel(b1), .dial(targets: [1])]),
        (.failed(1, terminated), []),
        (.kinds(1), []), (.started(2), []), (.settled(nil), []),
        (.answered(2, tag: "t"), answerActions(b2, "t")),
    ]),
    Script("no one registered: the caller hears 480", ends: Outcome(480, "User Not Registered"), [
        (.routed(one), [.dial(targets: [0])]), (.kinds(1), []),
        (.settled(Outcome(480, "User Not Registered")),
         [.stopRingTimer, .rejectCaller(Outcome(480, "User Not Registered")), .finish(Outcome(480, "User Not Registered"), endedBy: "callee")]),
    ]),
    Script("browsers and SIP targets ring together: the target fails only when both kinds have", ends: busy, [
        (.routed(one), [.dial(targets: [0])]), (.kinds(2), []),
        (.started(1), []), (.settled(nil), []),
        (.failed(1, busy), []),
        (.started(2), []), (.settled(nil), []),
        (.failed(2, Outcome(404, "Not Found")), [.stopRingTimer, .rejectCaller(busy), .finish(busy, endedBy: "callee")]),
    ]),
    Script("a BYE on an early dialog ends that branch only", ends: Outcome(480, "Ended in early dialog"), [
        (.routed(one), [.dial(targets: [0])]), (.kinds(1), []), (.started(1), []), (.settled(nil), []),
        (.earlyBye(1), [.stopRingTimer, .rejectCaller(Outcome(480, "Ended in early dialog")), .finish(Outcome(480, "Ended in early dialog"), endedBy: "callee")]),
    ]),
    Script("media failure while ringing cancels and rejects", ends: Outcome(480, "Media failed"), [
        (.routed(one), [.dial(targets: [0])]), (.kinds(1), []), (.started(1), []),
        (.end(Outcome(480, "Media failed")), [.cancel(b1), .stopRingTimer, .rejectCaller(Outcome(480, "Media failed")), .finish(Outcome(480, "Media failed"), endedBy: "gateway")]),
        (.end(Outcome(480, "Media failed")), []),
    ]),
    Script("the maximum duration ends an answered call on both legs", ends: Outcome(200, "Maximum call duration"), answeredOnOne + [
        (.end(Outcome(200, "Maximum call duration")), [.bye(.a, Outcome(200, "Maximum call duration")), .bye(.b, Outcome(200, "Maximum call duration")),
                                                       .finish(Outcome(200, "Maximum call duration"), endedBy: "gateway")]),
        (.bye(.a), []),
    ]),
    Script("a media app answers; the caller's BYE ends it with no one else to tell", ends: bye, [
        (.answeredLocally, []), (.reoffered(.a), []),
        (.bye(.a), [.bye(.b, bye), .finish(bye, endedBy: "caller")]),
    ]),
    Script("a CANCEL while the dialplan is still routing", ends: terminated, [
        (.callerCancelled, [.rejectCaller(terminated), .finish(terminated, endedBy: "caller")]),
        (.routed(one), []),
    ]),
    Script("the callee hangs up as soon as it answered", ends: bye, answeredOnOne + [
        (.bye(.b), [.bye(.a, bye), .finish(bye, endedBy: "callee")]),
        (.answered(1, tag: "t"), [.acknowledge(b1, toTag: "t"), .hangUp(b1, toTag: "t", elsewhere)]),
    ]),
    Script("a refused call is rejected once", ends: Outcome(404, "No route"), [
        (.refused(Outcome(404, "No route")), [.rejectCaller(Outcome(404, "No route")), .finish(Outcome(404, "No route"), endedBy: "gateway")]),
        (.routed(one), []), (.callerCancelled, []),
    ]),
]

@Suite("The call state machine")
struct CallStateMachineTests {
    @Test(arguments: scripts)
    func script(_ script: Script) {
        var machine = CallStateMachine(callerIsBrowser: script.browserCaller)
        for (index, (event, expected)) in script.steps.enumerated() {
            let actions = event.apply(to: &machine)
            #expect(actions == expected, "step \(index + 1): \(event)")
        }
        if let ends = script.ends {
            #expect(machine.state == .ended(ends))
        } else if case .ended = machine.state {
            Issue.record("the call ended but the script expects it to go on: \(machine.state)")
        }
    }

    @Test func betterFollowsRFC3261() {
        typealias D = CallStateMachine.Dialling
        #expect(D.better(603, than: 486))
        #expect(!D.better(486, than: 603))
        #expect(D.better(486, than: 503))
        #expect(D.better(401, than: 404))
        #expect(!D.better(404, than: 486))
    }
}
