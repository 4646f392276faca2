import Foundation
import Media
import MediaTransport
import NIOCore
import NIOHTTP1
import SIPStack

/// The operator's side of a running node: liveness, readiness, metrics, and the drain that takes
/// it out of service without cutting calls (docs/operations.md).
extension GatewayServer {
    /// The operations routes on the HTTP and HTTPS listeners; nil for any other path.
    func answer(_ request: HTTPRequest, on loop: EventLoop) -> EventLoopFuture<HTTPAnswer>? {
        switch (request.method, request.path) {
        case (.GET, "/openapi.json") where apiDescription != nil:
            return loop.makeSucceededFuture(HTTPAnswer(status: .ok, contentType: "application/json", body: apiDescription ?? []))
        case (_, let path) where path.hasPrefix("/call/"): return answerCallRoute(request, on: loop)
        case (.GET, "/ice-servers"): return answerICEServers(request, on: loop)
        case (.GET, "/health"): return future(on: loop) { await self.liveness() }
        case (.GET, "/ready"): return loop.makeSucceededFuture(readiness())
        case (.GET, "/metrics"):
            return future(on: loop) {
                self.metrics.update(await self.snapshot())
                return HTTPAnswer(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: self.metrics.exposition())
            }
        case (_, let path) where path == "/admin" || path.hasPrefix("/admin/"):
            guard let token = config.admin.token else { return loop.makeSucceededFuture(.text(.notFound, "not found\n")) }
            // The page itself holds no data: it asks for the token and sends it with each API call.
            if request.method == .GET, let file = adminPage?.file(for: path) {
                return loop.makeSucceededFuture(HTTPAnswer(status: .ok, contentType: file.contentType, body: file.body))
            }
            guard request.headers.first(name: "Authorization") == "Bearer " + token else {
                var answer = HTTPAnswer.text(.unauthorized, "a bearer token is needed\n")
                answer.headers = [("WWW-Authenticate", #"Bearer realm="tandem""#)]
                return loop.makeSucceededFuture(answer)
            }
            return admin(request, on: loop)
        default: return nil
        }
    }

    private func admin(_ request: HTTPRequest, on loop: EventLoop) -> EventLoopFuture<HTTPAnswer> {
        switch (request.method, request.path) {
        case (.POST, "/admin/drain"):
            return future(on: loop) {
                let calls = await self.callsInProgress()
                self.startDrain()
                return .json(.accepted, #"{"draining":true,"calls":\#(calls)}"# + "\n")
            }
        case (.POST, "/admin/reload"):
            // Off the event loop: loading a large plan folder takes a while.
            return future(on: loop) {
                switch self.watcher?.reload() {
                case .loaded(_, let generation, let warnings)?:
                    return Self.json(["reloaded": true, "generation": generation, "warnings": warnings.map(\.description)])
                case .refused(let errors)?:
                    var answer = Self.json(["reloaded": false, "errors": errors.map(\.description)])
                    answer.status = .unprocessableEntity
                    return answer
                case nil:
                    return .json(.serviceUnavailable, #"{"reloaded":false,"errors":["not started"]}"# + "\n")
                }
            }
        case (.GET, "/admin/api/calls"): return future(on: loop) { Self.json(["calls": await self.adminCalls()]) }
        case (.GET, "/admin/api/registrations"): return future(on: loop) { Self.json(["registrations": await self.adminRegistrations()]) }
        case (.GET, "/admin/api/trunks"): return future(on: loop) { Self.json(["trunks": await self.adminTrunks()]) }
        default: return loop.makeSucceededFuture(.text(.notFound, "not found\n"))
        }
    }

    private func future(on loop: EventLoop, _ body: @escaping @Sendable () async -> HTTPAnswer) -> EventLoopFuture<HTTPAnswer> {
        let promise = loop.makePromise(of: HTTPAnswer.self)
        promise.completeWithTask { await body() }
        return promise.futureResult
    }

    // MARK: health

    /// Alive: the SIP loop runs work handed to it within two seconds.
    func liveness() async -> HTTPAnswer {
        guard let endpoint else { return .json(.serviceUnavailable, #"{"status":"stopped"}"# + "\n") }
        let answered = endpoint.loop.submit { true }
        let timeout = endpoint.loop.scheduleTask(in: .seconds(2)) { false }
        let alive = (try? await answered.get()) ?? false
        timeout.cancel()
        guard alive else { return .json(.serviceUnavailable, #"{"status":"stuck"}"# + "\n") }
        return .json(.ok, #"{"status":"ok","version":"\#(tandemVersion)"}"# + "\n")
    }

    /// Ready for new calls: listening, a dialplan loaded, not draining, not over the media load limit.
    func readiness() -> HTTPAnswer {
        var reasons: [String] = []
        if !isListening { reasons.append("not listening") }
        if dialplans.snapshot() == nil { reasons.append("no dialplan loaded") }
        if isDraining { reasons.append("draining") }
        let utilisation = load.highestUtilisation
        if utilisation > config.limits.maxMediaLoad {
            reasons.append("overloaded: media loop at \(Int(utilisation * 100))% (limit \(Int(config.limits.maxMediaLoad * 100))%)")
        }
        let list = reasons.map { #""\#($0)""# }.joined(separator: ",")
        return .json(reasons.isEmpty ? .ok : .serviceUnavailable, #"{"ready":\#(reasons.isEmpty),"reasons":[\#(list)]}"# + "\n")
    }

    // MARK: metrics

    /// Everything a scrape reads that is not counted as it happens, gathered from the SIP loop and
    /// then from each call's media loop.
    func snapshot() async -> GatewayMetrics.Snapshot {
        guard let endpoint, let core else { return GatewayMetrics.Snapshot() }
        let coreT = LoopTransfer(core), clients = LoopTransfer(registrations), probe = LoopTransfer(trunkProbe)
        typealias Gathered = (GatewayMetrics.Snapshot, [(CallMedia, String, String?)], [String: MediaTotals])
        guard let gathered = try? await endpoint.loop.submit({ () -> LoopTransfer<Gathered> in
            let core = coreT.value
            var snapshot = GatewayMetrics.Snapshot()
            snapshot.registrations = core.registrar.activeBindings()
            snapshot.draining = core.draining
            snapshot.sipTraffic = endpoint.traffic
            snapshot.sipMalformed = endpoint.counters.malformed
            for client in clients.value {
                if case .registered = client.state { snapshot.trunks[client.name] = (true, nil) } else { snapshot.trunks[client.name] = (false, nil) }
            }
            for (name, reachable) in probe.value?.reachable ?? [:] { snapshot.trunks[name, default: (nil, nil)].reachable = reachable }
            var media: [(CallMedia, String, String?)] = []
            for call in core.calls?.table.calls.values ?? [:].values {
                snapshot.callsByKind[call.kind, default: 0] += 1
                if let m = call.media { media.append((m, call.record.legA.kind, call.record.legB?.kind)) }
            }
            return LoopTransfer((snapshot, media, core.calls?.endedMedia ?? [:]))
        }).get().value else { return GatewayMetrics.Snapshot() }
        var (snapshot, live, totals) = gathered
        for (media, kindA, kindB) in live {
            let legs = try? await media.loop.submit { LoopTransfer((LegCounts(media, .a), LegCounts(media, .b))) }.get().value
            if let a = legs?.0 { totals[kindA, default: MediaTotals()].add(a) }
            if let b = legs?.1, let kindB { totals[kindB, default: MediaTotals()].add(b) }
        }
        snapshot.media = totals
        snapshot.loops = load.current
        snapshot.mediaPortsInUse = mediaPorts.held
        return snapshot
    }

    // MARK: drain

    var isDraining: Bool { drainTask != nil }

    func callsInProgress() async -> Int {
        guard let endpoint, let core else { return 0 }
        let coreT = LoopTransfer(core)
        return (try? await endpoint.loop.submit { coreT.value.calls?.table.calls.count ?? 0 }.get()) ?? 0
    }

    /// Starts a drain unless one runs: new INVITEs and OPTIONS get 503 from now on, calls in progress
    /// have `admin.drain_timeout` to finish, the rest are ended with BYE, and `onDrained` is called.
    public func startDrain() {
        guard drainTask == nil, !stopped, let endpoint, let core else { return }
        let coreT = LoopTransfer(core)
        endpoint.loop.execute { coreT.value.draining = true }
        drainTask = Task { await self.drain() }
    }

    private func drain() async {
        let deadline = ContinuousClock.now + .seconds(config.admin.drainTimeoutSeconds)
        var lastLog = ContinuousClock.now - .seconds(10)
        logger.notice("draining: new calls are refused", metadata: ["timeout": "\(config.admin.drainTimeoutSeconds) s"])
        while !Task.isCancelled {
            let calls = await callsInProgress()
            if calls == 0 { break }
            if ContinuousClock.now >= deadline {
                logger.notice("drain timed out: ending the calls left", metadata: ["calls": "\(calls)"])
                break
            }
            if ContinuousClock.now - lastLog >= .seconds(5) {
                logger.notice("draining", metadata: ["calls": "\(calls)"])
                lastLog = .now
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        await core?.calls?.shutdown(reason: "Node drained")
        logger.notice("drained")
        onDrained?()
    }
}
