import Foundation
import NIOCore
import NIOHTTP1

/// Where one `GET …/events` stream writes: `send` one Server-Sent Event frame, `close` at the end.
/// Both hop to the stream's own channel loop.
struct EventSink: Sendable {
    let send: @Sendable (String) -> Void
    let close: @Sendable () -> Void
}

/// A call placed by HTTP (docs/http-calls.md): its resource, the POST still waiting for its answer,
/// and the events its streams have been sent, replayed to a stream that subscribes late. Touched
/// only on the SIP loop.
final class HTTPCallSession {
    /// The resource's id: 128 random bits, since the event stream is read by its URL alone
    /// (`EventSource` cannot send an Authorization header).
    let id: String
    let destination: String
    /// Whose token placed the call: only it may hang up or send digits.
    let user: String
    /// The caller's Call-ID inside the gateway (logs, CDR).
    let callID: String
    /// Headers every answer about this call carries (CORS, ICE servers).
    let headers: [(String, String)]
    private var pending: EventLoopPromise<HTTPAnswer>?
    private(set) var frames: [String] = []
    private var lastEvent: String?
    private var sinks: [Int: EventSink] = [:]
    private var nextSink = 0
    private(set) var ended = false

    init(id: String, destination: String, user: String, callID: String, headers: [(String, String)], answer: EventLoopPromise<HTTPAnswer>) {
        self.id = id
        self.destination = destination
        self.user = user
        self.callID = callID
        self.headers = headers
        pending = answer
    }

    var location: String { Self.location(destination: destination, id: id) }

    /// 32 lowercase hex digits, as `HTTPCalls` makes ids.
    static func isID(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    static func location(destination: String, id: String) -> String {
        "/call/" + (destination.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? destination) + "/" + id
    }

    /// Side a's SDP is settled: the POST gets 201 with our answer, before the far end is dialled.
    func created(answer sdp: [UInt8]) {
        guard let pending else { return }
        self.pending = nil
        var answer = HTTPAnswer(status: .created, contentType: "application/sdp", body: sdp)
        answer.headers = headers + [("Location", location), ("ETag", "\"\(id)\"")]
        pending.succeed(answer)
    }

    /// The call failed before its 201: the POST hears why, as HTTP (docs/http-calls.md has the map).
    /// After the 201 the call's `ended` event says it instead.
    func refused(_ code: Int, _ reason: String) {
        guard let pending else { return }
        self.pending = nil
        var answer = Self.refusal(code, reason)
        answer.headers += headers
        pending.succeed(answer)
    }

    /// An error answer with the SIP status and reason it stands for.
    static func refusal(_ code: Int, _ reason: String, retryAfter: Int? = nil) -> HTTPAnswer {
        var answer = HTTPAnswer.json(httpStatus(forSIP: code), json(["sipStatus": code, "reason": reason]) + "\n")
        if let retryAfter { answer.headers.append(("Retry-After", String(retryAfter))) }
        return answer
    }

    /// How a SIP final response before the answer reads to a web developer: a route that does not
    /// exist is 404, one refused 403, a codec or SDP the far end cannot take 422, and anything
    /// that may work later (busy, unavailable, limits, draining) 503.
    static func httpStatus(forSIP code: Int) -> HTTPResponseStatus {
        switch code {
        case 404, 484, 604: .notFound
        case 415, 488, 606: .unprocessableEntity
        case 400: .badRequest
        case 401, 403, 407: .forbidden
        case 408, 480, 486, 487, 500..<600, 600, 603: .serviceUnavailable
        case 400..<500: .forbidden
        default: .serviceUnavailable
        }
    }

    /// Sends an event to every stream and keeps it for late ones; `ringing` and `early-media`
    /// repeated (a second 180, ringback then a 183 of the same state) are sent once.
    func emit(_ event: String, _ fields: [String: Any] = [:]) {
        guard !ended, !(event == lastEvent && (event == "ringing" || event == "early-media")) else { return }
        lastEvent = event
        let frame = "event: \(event)\ndata: \(Self.json(fields))\n\n"
        frames.append(frame)
        for sink in sinks.values { sink.send(frame) }
    }

    /// The call is over: `ended` with the SIP status and reason, and every stream closes.
    func end(status: Int, reason: String, by side: String) {
        refused(status, reason)
        emit("ended", ["sipStatus": status, "reason": reason, "by": side])
        ended = true
        for sink in sinks.values { sink.close() }
        sinks = [:]
    }

    /// Adds a stream: it first gets every event so far; one added after the end gets them and closes.
    func subscribe(_ sink: EventSink) -> Int? {
        for frame in frames { sink.send(frame) }
        guard !ended else {
            sink.close()
            return nil
        }
        nextSink += 1
        sinks[nextSink] = sink
        return nextSink
    }

    func unsubscribe(_ id: Int) { sinks[id] = nil }

    static func json(_ object: [String: Any]) -> String {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
