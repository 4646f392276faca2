import Foundation
import NIOCore
import SIP
import SIPStack

/// OPTIONS to each trunk every `options_interval` seconds, as a dispatcher would: a trunk that
/// answers (anything but 408 or 503) is reachable. Metrics export the result; the state lives on
/// the SIP loop.
final class TrunkProbe: @unchecked Sendable {
    private let endpoint: SIPEndpoint
    private let trunks: [GatewayConfig.Trunk]
    private let requests: RequestBuilder
    private let realm: String
    private var tasks: [RepeatedTask] = []
    /// By trunk name, once its first probe has an outcome.
    private(set) var reachable: [String: Bool] = [:]

    init(endpoint: SIPEndpoint, trunks: [GatewayConfig.Trunk], realm: String) {
        self.endpoint = endpoint
        self.trunks = trunks.filter { $0.optionsIntervalSeconds > 0 }
        self.realm = realm
        requests = RequestBuilder(userAgent: endpoint.userAgent, allow: SignallingCore.allow)
    }

    func start() {
        for trunk in trunks {
            tasks.append(endpoint.loop.scheduleRepeatedTask(initialDelay: .zero, delay: .seconds(Int64(trunk.optionsIntervalSeconds))) {
                [weak self] _ in self?.probe(trunk)
            })
        }
    }

    func stop() {
        for task in tasks { task.cancel() }
        tasks = []
    }

    private func probe(_ trunk: GatewayConfig.Trunk) {
        let endpoint = endpoint
        Task {
            // Resolving the trunk's host may block: off the loop, as for calls.
            guard let peer = try? await endpoint.peer(host: trunk.host, port: trunk.port ?? 5060, transport: SIPTransportKind(trunk.transport)),
                  let uri = try? URI("sip:\(trunk.address)") else {
                return endpoint.loop.execute { self.reachable[trunk.name] = false }
            }
            endpoint.loop.execute {
                var from = NameAddress(uri: SIPURI(user: "tandem", host: self.realm))
                from.tag = SIPEndpoint.randomToken(10)
                let request = self.requests.options(uri, from: from, to: NameAddress(uri: uri.sipURI ?? SIPURI(host: trunk.host)),
                                                    callID: SIPEndpoint.randomToken(24), via: endpoint.makeVia(peer.transport))
                endpoint.send(request, to: peer) { event in
                    switch event {
                    case .response(let r) where r.isFinal: self.reachable[trunk.name] = r.statusCode != 408 && r.statusCode != 503
                    case .response: break
                    case .timeout: self.reachable[trunk.name] = false
                    }
                }
            }
        }
    }
}
