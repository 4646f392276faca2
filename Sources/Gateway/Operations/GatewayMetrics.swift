import Foundation
import Media
import MediaTransport
import NIOConcurrencyHelpers
import Prometheus
import SIPStack

/// Tandem's metrics, served at `GET /metrics` in the Prometheus text format (docs/operations.md
/// lists each). Kept in a swift-prometheus registry of the node's own, through the registry's API
/// rather than swift-metrics' factory: the factory has no way to give a metric its HELP text, and
/// `promtool check metrics` refuses metrics without one.
///
/// Events (a call ends, an INVITE is refused) count as they happen, on the SIP loop; what a scrape
/// reads (calls up, SIP and media totals, loop load, memory) is taken from a `Snapshot` made just
/// before it, so the media path never touches a metric.
final class GatewayMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Counters set from running totals: the total each one was last raised to, by name and labels.
    private let exported = NIOLockedValueBox<[String: Int]>([:])

    static let setupBuckets: [Duration] = [.milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
                                           .seconds(5), .seconds(10), .seconds(20), .seconds(30), .seconds(60)]
    static let mosBuckets = [1.0, 2.0, 2.5, 3.0, 3.5, 3.8, 4.0, 4.2, 4.4, 4.5]
    static let jitterBuckets = [0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2]
    static let rttBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0]

    private func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "tandem", metricName: metric, unitName: unit, helpText: help)
    }

    private func counter(_ metric: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        registry.makeCounter(descriptor: name(metric, "total", help), labels: labels)
    }

    private func gauge(_ metric: String, _ unit: String, _ help: String, _ labels: [(String, String)] = []) -> Gauge {
        registry.makeGauge(descriptor: name(metric, unit, help), labels: labels)
    }

    /// Registers every metric family up front, so the first scrape already names them all.
    init() {
        for result in ["answered", "cancelled", "failed_4xx", "failed_5xx", "failed_6xx"] { callEnded(result, count: 0) }
        _ = registry.makeDurationHistogram(descriptor: name("call_setup", "seconds", Help.setup), labels: [], buckets: Self.setupBuckets)
        for result in ["ok", "refused"] { _ = counter("dialplan_reloads", Help.reloads, [("result", result)]) }
        _ = counter("admission_refusals", Help.refusals, [("reason", "draining")])
        for leg in ["webrtc", "rtp"] { callQuality(leg: leg, nil) }
    }

    // MARK: events

    func callEnded(_ result: String, count: Int64 = 1) {
        counter("calls", Help.calls, [("result", result)]).increment(by: count)
    }

    func callAnswered(setUpIn duration: Duration) {
        registry.makeDurationHistogram(descriptor: name("call_setup", "seconds", Help.setup), labels: [], buckets: Self.setupBuckets)
            .record(duration)
    }

    func refused(_ reason: String) {
        counter("admission_refusals", Help.refusals, [("reason", reason)]).increment()
    }

    func dialplanReloaded(ok: Bool) {
        counter("dialplan_reloads", Help.reloads, [("result", ok ? "ok" : "refused")]).increment()
    }

    /// A leg's quality at the end of its call; nil only registers the families.
    func callQuality(leg: String, _ statistics: MediaLegStatistics?) {
        let labels = [("leg", leg)]
        let mos = registry.makeValueHistogram(descriptor: name("call_mos", "ratio", Help.mos), labels: labels, buckets: Self.mosBuckets)
        let jitter = registry.makeValueHistogram(descriptor: name("media_jitter", "seconds", Help.jitter), labels: labels,
                                                 buckets: Self.jitterBuckets)
        let rtt = registry.makeValueHistogram(descriptor: name("media_round_trip", "seconds", Help.rtt), labels: labels,
                                              buckets: Self.rttBuckets)
        guard let statistics, statistics.packetsReceived > 0 else { return }
        mos.record(QualityEstimate(statistics).mos)
        jitter.record(statistics.jitterMs / 1000)
        if let ms = statistics.roundTripMs { rtt.record(ms / 1000) }
    }

    // MARK: what a scrape reads

    /// The node as one scrape sees it.
    struct Snapshot {
        var callsByKind: [String: Int] = [:]
        var registrations = 0
        var mediaPortsInUse = 0
        var draining = false
        var sipTraffic: [SIPTrafficKey: Int] = [:]
        var sipMalformed = 0
        /// Per trunk: registered (nil when it does not register) and answering OPTIONS (nil before the first probe).
        var trunks: [String: (registered: Bool?, reachable: Bool?)] = [:]
        var media: [String: MediaTotals] = [:]
        var loops: [LoadMonitor.Loop] = []
    }

    func update(_ snapshot: Snapshot) {
        for kind in ["transcoded", "pass_through", "app"] {
            gauge("calls_active", "", Help.active, [("kind", kind)]).set(Int64(snapshot.callsByKind[kind] ?? 0))
        }
        gauge("registrations_active", "", Help.registrations).set(Int64(snapshot.registrations))
        gauge("media_ports_in_use", "", Help.ports).set(Int64(snapshot.mediaPortsInUse))
        gauge("draining", "", Help.draining).set(snapshot.draining ? 1.0 : 0.0)
        for (key, count) in snapshot.sipTraffic {
            var labels = [("direction", key.inbound ? "in" : "out"), ("method", key.method.rawValue),
                          ("transport", key.transport.rawValue.lowercased())]
            if let status = key.statusClass {
                labels.append(("status_class", "\(status)xx"))
                raise("sip_responses", Help.responses, labels, to: count)
            } else {
                raise("sip_requests", Help.requests, labels, to: count)
            }
        }
        raise("sip_malformed", Help.malformed, [], to: snapshot.sipMalformed)
        for (trunk, state) in snapshot.trunks {
            if let registered = state.registered {
                gauge("trunk_registered", "", Help.trunkRegistered, [("trunk", trunk)]).set(registered ? 1.0 : 0.0)
            }
            if let reachable = state.reachable {
                gauge("trunk_reachable", "", Help.trunkReachable, [("trunk", trunk)]).set(reachable ? 1.0 : 0.0)
            }
        }
        for leg in ["webrtc", "rtp"] {
            let totals = snapshot.media[leg] ?? MediaTotals()
            for (direction, packets, bytes) in [("in", totals.packetsIn, totals.bytesIn), ("out", totals.packetsOut, totals.bytesOut)] {
                raise("media_packets", Help.packets, [("leg", leg), ("direction", direction)], to: packets)
                raise("media_bytes", Help.bytes, [("leg", leg), ("direction", direction)], to: bytes)
            }
            raise("media_packets_lost", Help.lost, [("leg", leg)], to: totals.lost)
            for (reason, count) in totals.dropped { raise("media_packets_dropped", Help.dropped, [("leg", leg), ("reason", reason)], to: count) }
            raise("dtmf_digits_relayed", Help.digits, [("from_leg", leg)], to: totals.digits)
        }
        for (i, loop) in snapshot.loops.enumerated() {
            let labels = [("loop", "\(i)")]
            gauge("event_loop_utilisation", "ratio", Help.utilisation, labels).set(loop.utilisation)
            gauge("media_tick_lateness_max", "seconds", Help.latenessMax, labels).set(Double(loop.lateness.maxNanoseconds) / 1e9)
            let mean = loop.lateness.ticks == 0 ? 0 : Double(loop.lateness.totalNanoseconds) / Double(loop.lateness.ticks) / 1e9
            gauge("media_tick_lateness_mean", "seconds", Help.latenessMean, labels).set(mean)
        }
        let process = ProcessReading.now()
        gauge("process_resident_memory", "bytes", Help.memory).set(Int64(process.residentBytes))
        gauge("process_open_sockets", "", Help.sockets).set(Int64(process.openSockets))
        gauge("process_open_fds", "", Help.fds).set(Int64(process.openFiles))
    }

    /// Raises a counter to a running total; a total that went down (a call between the table and
    /// the ended totals) waits until it is past what was exported.
    private func raise(_ metric: String, _ help: String, _ labels: [(String, String)], to total: Int) {
        let key = metric + labels.map { "|\($0.0)=\($0.1)" }.joined()
        let delta = exported.withLockedValue { exported -> Int in
            let before = exported[key] ?? 0
            guard total > before else { return 0 }
            exported[key] = total
            return total - before
        }
        counter(metric, help, labels).increment(by: Int64(delta))
    }

    func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }

    private enum Help {
        static let calls = "Calls ended, by result: answered, cancelled by the caller, or failed by the final status class."
        static let setup = "Time from a call's INVITE to its answer."
        static let reloads = "Dialplan reloads, by result: ok, or refused (the previous plan kept serving)."
        static let refusals = "New INVITEs refused before they became calls, by reason."
        static let mos = "Estimated MOS of each leg at call end (E-model from loss, jitter and round trip)."
        static let jitter = "RFC 3550 interarrival jitter of each leg at call end."
        static let rtt = "RTCP round-trip time of each leg at call end."
        static let active = "Calls in progress, by kind: transcoded (browser and phone), pass_through, app."
        static let registrations = "Browser registrations (bindings) currently held."
        static let draining = "1 while the node is draining: new calls are refused."
        static let requests = "SIP requests received and sent, by method and transport."
        static let responses = "SIP responses received and sent, by request method, status class and transport."
        static let malformed = "SIP messages that did not parse (answered with 400 when they were requests)."
        static let trunkRegistered = "1 while Tandem is registered with the trunk."
        static let trunkReachable = "1 while the trunk answers Tandem's OPTIONS."
        static let packets = "RTP packets of calls, by leg kind and direction."
        static let bytes = "RTP payload and header bytes of calls, by leg kind and direction."
        static let lost = "RTP packets lost on the way to Tandem (RFC 3550 cumulative loss), by leg kind."
        static let dropped = "Packets Tandem received on a media port and did not use, by leg kind and reason (socket or bridge)."
        static let digits = "DTMF digits relayed from one leg to the other, by the leg they came from."
        static let utilisation = "Share of the last second each event loop spent working (thread CPU time over wall time)."
        static let latenessMax = "Latest a media tick ran after it was due in the last second, per loop."
        static let latenessMean = "Mean lateness of media ticks in the last second, per loop."
        static let memory = "Resident memory of the Tandem process."
        static let sockets = "Sockets the Tandem process holds open."
        static let fds = "File descriptors the Tandem process holds open."
        static let ports = "Media ports (from media.rtp_ports) held by calls."
    }
}

/// One leg's counts as metrics read them: the bridge's, and what its socket turned away before.
struct LegCounts: Sendable {
    var statistics: MediaLegStatistics?
    var socketDrops: [String: Int] = [:]

    /// Taken on the media loop.
    init(_ media: CallMedia, _ side: LegSide) {
        statistics = media.bridge?.statistics(for: side)
        if let phone = media.phone(side) {
            let c = phone.counters
            socketDrops = ["not_rtp": c.notRTP, "unexpected_payload_type": c.unexpectedPayloadType, "foreign_source": c.foreignSource]
        } else if let browser = media.browser(side) {
            let c = browser.transport.counters
            socketDrops = ["unvalidated_source": c.fromUnvalidatedAddress, "stun_malformed": c.stunMalformed,
                           "stun_unauthenticated": c.stunUnauthenticated, "srtp_authentication": c.srtpAuthenticationFailed,
                           "srtp_replayed": c.srtpReplayed, "srtp_before_keys": c.srtpBeforeKeys, "unknown": c.unknownPackets]
        }
    }
}

/// Media counts summed over calls: the ended ones and, at each scrape, those in progress.
struct MediaTotals: Sendable {
    var packetsIn = 0, packetsOut = 0, bytesIn = 0, bytesOut = 0, lost = 0, digits = 0
    var dropped: [String: Int] = [:]

    mutating func add(_ leg: LegCounts) {
        if let s = leg.statistics { add(s) }
        for (reason, count) in leg.socketDrops { dropped[reason, default: 0] += count }
    }

    mutating func add(_ s: MediaLegStatistics) {
        packetsIn += s.packetsReceived
        packetsOut += s.packetsSent
        bytesIn += s.bytesReceived
        bytesOut += s.bytesSent
        lost += Int(max(0, s.cumulativeLost))
        digits += s.digitsRelayed
        for (reason, count) in [("malformed", s.dropped.malformed), ("unknown_payload_type", s.dropped.unknownPayloadType),
                                ("late", s.dropped.late), ("undecodable", s.dropped.undecodable), ("on_hold", s.dropped.onHold)] {
            dropped[reason, default: 0] += count
        }
    }
}

/// The process as Linux reports it in /proc: resident memory and open descriptors.
struct ProcessReading {
    var residentBytes = 0
    var openFiles = 0
    var openSockets = 0

    static func now() -> ProcessReading {
        var reading = ProcessReading()
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
            let fields = statm.split(separator: " ")
            if fields.count > 1, let pages = Int(fields[1]) { reading.residentBytes = pages * Int(sysconf(Int32(_SC_PAGESIZE))) }
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        reading.openFiles = entries.count
        reading.openSockets = entries.filter {
            ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)) ?? "").hasPrefix("socket:")
        }.count
        return reading
    }
}
