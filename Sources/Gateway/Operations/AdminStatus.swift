import Foundation
import Media
import MediaTransport
import SIPStack

/// What `/admin/api/...` returns: the calls in progress with their legs and live quality, the
/// registrations, the trunks. Read on the SIP loop, then each call's media loop.
extension GatewayServer {
    func adminCalls() async -> [[String: Any]] {
        guard let endpoint, let core else { return [] }
        let coreT = LoopTransfer(core)
        let listed = (try? await endpoint.loop.submit { () -> LoopTransfer<[([String: Any], CallMedia?)]> in
            let now = Date()
            return LoopTransfer((coreT.value.calls?.table.calls.values.map { call -> ([String: Any], CallMedia?) in
                let r = call.record
                var legs: [[String: Any]] = [["side": "a", "kind": r.legA.kind, "codec": r.legA.codec ?? NSNull()]]
                if let b = r.legB { legs.append(["side": "b", "kind": b.kind, "codec": b.codec ?? NSNull()]) }
                let entry: [String: Any] = [
                    "id": call.id, "caller": r.caller, "callee": r.destination, "route": r.route ?? NSNull(), "context": r.context,
                    "target": r.target ?? NSNull(), "kind": call.kind, "answered": r.answer != nil,
                    "durationSeconds": Int(now.timeIntervalSince(r.answer ?? r.start)), "legs": legs,
                ]
                return (entry, call.media)
            } ?? []).sorted { ($0.0["id"] as? String ?? "") < ($1.0["id"] as? String ?? "") })
        }.get().value) ?? []
        var calls: [[String: Any]] = []
        for (var entry, media) in listed {
            if let media, let counts = try? await media.loop.submit({ LoopTransfer([LegCounts(media, .a), LegCounts(media, .b)]) }).get().value,
               var legs = entry["legs"] as? [[String: Any]] {
                let stats = counts.map(\.statistics)
                for i in legs.indices where i < stats.count {
                    guard let s = stats[i] else { continue }
                    legs[i]["packetsReceived"] = s.packetsReceived
                    legs[i]["lossPercent"] = (s.lossFraction * 1000).rounded() / 10
                    legs[i]["jitterMs"] = (s.jitterMs * 10).rounded() / 10
                    legs[i]["roundTripMs"] = s.roundTripMs.map { ($0 * 10).rounded() / 10 } ?? NSNull()
                    if s.packetsReceived > 0 { legs[i]["mos"] = (QualityEstimate(s).mos * 100).rounded() / 100 }
                }
                entry["legs"] = legs
            }
            calls.append(entry)
        }
        return calls
    }

    func adminRegistrations() async -> [[String: Any]] {
        guard let endpoint, let core else { return [] }
        let coreT = LoopTransfer(core)
        return (try? await endpoint.loop.submit { () -> LoopTransfer<[[String: Any]]> in
            let registrar = coreT.value.registrar, now = Date()
            return LoopTransfer(registrar.registeredUsers.flatMap { user in
                registrar.lookup(user, now: now).map { b -> [String: Any] in
                    ["user": user, "contact": b.contact.uri.description, "transport": b.peer.transport.rawValue.lowercased(),
                     "source": b.peer.remote.description, "expiresInSeconds": Int(b.expires.timeIntervalSince(now))]
                }
            })
        }.get().value) ?? []
    }

    func adminTrunks() async -> [[String: Any]] {
        let snapshot = await snapshot()
        return config.trunks.map { trunk in
            let state = snapshot.trunks[trunk.name]
            return ["name": trunk.name, "address": trunk.address, "transport": trunk.transport.rawValue,
                    "registered": state?.registered ?? NSNull(), "reachable": state?.reachable ?? NSNull()]
        }
    }

    /// A JSON answer of `object`; sorted keys so the output is stable to read and diff.
    static func json(_ object: Any) -> HTTPAnswer {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return HTTPAnswer(status: .ok, contentType: "application/json", body: Array(data) + [0x0A])
    }
}
