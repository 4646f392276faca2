import CallState
import Dialplan
import Foundation
import Logging
import MediaTransport
import NIOCore
import SIP
import SIPStack
import WebRTC

/// The gateway's settings for calls, from the config file.
struct CallSettings: Sendable {
    /// Ring time when the plan gives none.
    var defaultRingTimeout: Duration = .seconds(60)
    /// Session timers (RFC 4028): the interval we ask for on outbound legs.
    var sessionExpires = 1800
    /// Silence on an answered SIP leg before the call is hung up; nil never.
    var rtpTimeout: Duration? = .seconds(60)
    /// ICE consent (RFC 7675) on browser legs.
    var consentTimeoutSeconds: UInt64 = 30
}

/// What every part of call handling reaches: signalling, registrations, plans, media resources.
struct CallServices: @unchecked Sendable {
    let endpoint: SIPEndpoint
    let registrar: Registrar
    let dialplans: DialplanStore
    let dtls: DTLSContext
    let ports: MediaPortAllocator
    let mediaLoops: EventLoopGroup
    /// The addresses our SDP names (candidates and c= lines), and the one our sockets bind.
    let advertise: [String]
    let bindHost: String
    let trunks: [GatewayConfig.Trunk]
    let cdr: CDRWriter?
    let logger: Logger
    let settings: CallSettings
    let metrics: GatewayMetrics
    let load: LoadMonitor
    /// The configured users by name (their context and DTMF mode).
    let users: [String: GatewayConfig.User]

    var requests: RequestBuilder { RequestBuilder(userAgent: endpoint.userAgent, allow: SignallingCore.allow) }

    /// The address our plain-RTP SDP names.
    var rtpAddress: String { advertise.first ?? "127.0.0.1" }

    func contact(for transport: SIPTransportKind) -> String {
        let (host, port) = endpoint.sentBy[transport] ?? endpoint.sentBy[.udp] ?? ("127.0.0.1", 5060)
        let h = host.contains(":") ? "[\(host)]" : host
        return "<sip:tandem@\(h):\(port)" + (transport == .udp ? "" : ";transport=\(transport.rawValue.lowercased())") + ">"
    }

    /// Where in-dialog requests of a branch go: a browser over its flow, a phone to the dialog's next hop.
    func peer(for branch: OutboundBranch, dialog: Dialog? = nil) -> SIPPeer {
        guard branch.peer.transport == .udp, let hop = (dialog ?? branch.dialog)?.nextHop,
              let address = try? SocketAddress(ipAddress: hop.host.unbracketed, port: Int(hop.port ?? 5060)) else {
            return branch.peer
        }
        return SIPPeer(transport: .udp, remote: address, channel: branch.peer.channel)
    }

    /// Runs `body` on the SIP loop, where every call's signalling state lives.
    func onSIPLoop(_ body: @escaping @Sendable () -> Void) { endpoint.loop.execute(body) }
}

/// The calls in progress and their dialogs. Touched only on the SIP loop.
final class CallTable {
    /// Calls by the caller's Call-ID (CANCEL and the INVITE's transaction find them there).
    var calls: [String: Call] = [:]
    /// Each leg's dialog by Call-ID and our tag (the forks of one branch share both): how in-dialog
    /// requests find their call and side.
    private var dialogs: [String: (call: Call, inbound: Bool)] = [:]

    func leg(callID: String, localTag: String) -> (call: Call, inbound: Bool)? { dialogs[callID + "|" + localTag] }
    func leg(_ id: Dialog.ID) -> (call: Call, inbound: Bool)? { leg(callID: id.callID, localTag: id.localTag) }
    func add(_ id: Dialog.ID, _ call: Call, inbound: Bool) { dialogs[id.callID + "|" + id.localTag] = (call, inbound) }
    func remove(_ id: Dialog.ID?) { if let id { dialogs[id.callID + "|" + id.localTag] = nil } }
}

/// One part of the controller's work (dialling, the caller's leg, in-dialog requests, ...): it
/// reaches the shared services and the call table, and hands the machine's actions back to the
/// controller to perform.
protocol CallPart {
    var controller: CallController { get }
}

extension CallPart {
    typealias Cause = CallController.Cause

    var services: CallServices { controller.services }
    var endpoint: SIPEndpoint { controller.services.endpoint }
    var logger: Logger { controller.services.logger }
    var table: CallTable { controller.table }

    func perform(_ actions: [CallStateMachine.Action], on call: Call, _ cause: Cause = Cause()) {
        controller.perform(actions, on: call, cause)
    }

    func fail(_ call: Call, code: Int, reason: String, side: String) { controller.fail(call, code: code, reason: reason, side: side) }
}
