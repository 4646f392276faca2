import Foundation
import Media

/// One call's detail record: a JSON line per call, written when it ends.
struct CallRecord: Encodable {
    struct Leg: Encodable {
        var kind: String
        var codec: String?
        var packetsReceived = 0
        var packetsSent = 0
        var lost: Int64 = 0
        var jitterMs: Double = 0
        var roundTripMs: Double?
        /// The E-model estimate from the loss, jitter and round trip above (`QualityEstimate`).
        var rFactor: Double?
        var mos: Double?

        init(kind: String) { self.kind = kind }

        mutating func take(_ s: MediaLegStatistics) {
            packetsReceived = s.packetsReceived
            packetsSent = s.packetsSent
            lost = s.cumulativeLost
            jitterMs = (s.jitterMs * 10).rounded() / 10
            roundTripMs = s.roundTripMs.map { ($0 * 10).rounded() / 10 }
            guard s.packetsReceived > 0 else { return }
            let quality = QualityEstimate(s)
            rFactor = (quality.rFactor * 10).rounded() / 10
            mos = (quality.mos * 100).rounded() / 100
        }
    }

    var id: String
    var caller: String
    var destination: String
    var context: String
    var route: String?
    var source: String
    var target: String?
    var start: Date
    var answer: Date?
    var end: Date?
    var status: Int?
    var reason: String?
    /// Who ended the call: `caller`, `callee` or `gateway`.
    var hangupSide: String?
    var legA: Leg
    var legB: Leg?
}

/// Appends call records to a file, one JSON object per line, off the call path: encoding and the
/// write happen on a queue of their own.
final class CDRWriter: Sendable {
    let path: String
    private let queue = DispatchQueue(label: "tandem.cdr")

    init(path: String) { self.path = path }

    func write(_ record: CallRecord) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(record) else { return }
        line.append(0x0A)
        let data = line, path = path
        queue.async {
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: path) else { return }
            defer { try? handle.close() }
            _ = try? handle.seekToEnd()
            try? handle.write(contentsOf: data)
        }
    }

    /// Waits until every record handed over so far is on disk.
    func flush() {
        queue.sync {}
    }
}
