import Foundation
import Testing
import TestSupport

/// RFC 4475 §3, every message as its real bytes (Tests/SIPTests/Fixtures/rfc4475) sent over UDP to
/// a running gateway on the shipped dialplan: each gets the final answer the RFC calls for, or none
/// where it is a response (nothing answers a response), and the node answers OPTIONS afterwards.
/// Requests from unknown parties meet digest before anything that needs the caller known
/// (RFC 3261 §10.3: a registrar authenticates before it reads To and Contact), so the valid and
/// merely odd REGISTERs and INVITEs get 401 and 407.
@Suite(.serialized) struct TortureTests {
    static let expected: [String: Int?] = [
        // §3.1.1 valid messages
        "wsinv": 481,  // its To has a tag: a re-INVITE for a dialog we do not have
        "intmeth": 501, "esc01": 407, "escnull": 401, "esc02": 501, "lwsdisp": 200, "longreq": 407, "dblreq": 401,
        "semiuri": 200, "transports": 200, "mpart01": 501, "unreason": nil, "noreason": nil,
        // §3.1.2 invalid messages: 400 with the parser's reason, 505 for the version
        "badinv01": 400, "clerr": 400, "scalar02": 400, "scalarlg": nil, "quotbal": 400, "ltgtruri": 400, "lwsruri": 400,
        "lwsstart": 407, "trws": 200, "escruri": 407, "baddate": 407, "regbadct": 401, "badaspec": 200, "baddn": 200,
        "badvers": 505, "mismatch01": 400, "mismatch02": 400, "bigcode": nil, "badbranch": 200,
        // §3.2 transaction layer
        "zeromf": 200, "cparam01": 401, "cparam02": 401, "regescrt": 401, "sdp01": 406,
        // §3.3 application layer
        "unkscm": 416, "novelsc": 416, "unksm2": 401, "bext01": 420, "invut": 415, "regaut01": 401, "multi01": 400,
        "mcl01": 400, "bcast": nil, "ncl": 400, "insuf": 400,
        // §3.4 backward compatibility
        "inv2543": 407,
    ]

    static let fixtures = URL(fileURLWithPath: repositoryRoot + "/Tests/SIPTests/Fixtures/rfc4475")

    @Test func everyTortureMessageGetsTheAnswerTheRFCCallsFor() async throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path).filter { $0.hasSuffix(".dat") }
        #expect(Set(names.map { String($0.dropLast(4)) }) == Set(Self.expected.keys), "every message has an expected answer")
        let gateway = TestGateway()
        try await gateway.start()
        let port = gateway.sipPort
        let answers = await offPool { () -> [String: [Int]] in
            var answers: [String: [Int]] = [:]
            for name in names.sorted() {
                let bytes = (try? Data(contentsOf: Self.fixtures.appendingPathComponent(name))).map { [UInt8]($0) } ?? []
                let key = String(name.dropLast(4))
                // A response is never answered: a short bounded wait shows nothing came.
                answers[key] = Self.exchange(bytes, port: port, wait: Self.expected[key]! == nil ? 0.3 : 2)
            }
            return answers
        }
        for (name, want) in Self.expected.sorted(by: { $0.key < $1.key }) {
            let got = answers[name] ?? []
            #expect(got.last(where: { $0 >= 200 }) == want, "\(name): answered \(got)")
        }
        #expect(Self.options(port: port) == 200, "the node still answers after the torture run")
        await gateway.stop()
    }

    /// The statuses of every response to `bytes` until a final one, or what came within `wait` seconds.
    static func exchange(_ bytes: [UInt8], port: Int, wait: Double) -> [Int] {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { a in
            a.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, sa, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        let deadline = Date().addingTimeInterval(wait)
        var statuses: [Int] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while statuses.last.map({ $0 < 200 }) ?? true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { break }
            var tv = timeval(tv_sec: Int(left), tv_usec: Int((left - left.rounded(.down)) * 1_000_000))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { break }
            let line = String(decoding: buffer[0..<n], as: UTF8.self).prefix { $0 != "\r" }
            if let code = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) { statuses.append(code) }
        }
        return statuses
    }

    static func options(port: Int) -> Int? {
        let text = "OPTIONS sip:tandem@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-after\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:tandem@127.0.0.1>\r\nCall-ID: after-torture\r\n"
            + "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        return exchange(Array(text.utf8), port: port, wait: 2).last
    }
}
