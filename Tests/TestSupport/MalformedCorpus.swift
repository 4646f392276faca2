/// Malformed SIP requests, each with the status a server must answer (400 with a reason unless noted),
/// for the transport tests over UDP, TCP and WebSocket. Hand-written, each broken in one way.
public enum MalformedCorpus {
    public struct Case: Sendable {
        public let name: String
        public let text: String
        public let status: Int
    }

    static func request(method: String = "OPTIONS", uri: String = "sip:tandem@127.0.0.1", version: String = "SIP/2.0",
                        cseq: String = "1 OPTIONS", extra: [String] = [], drop: Set<String> = [], contentLength: String = "0",
                        body: String = "") -> String {
        var lines = ["\(method) \(uri) \(version)"]
        let headers = [
            ("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-\(method.lowercased())-\(cseq.utf8.reduce(0) { $0 &* 31 &+ Int($1) } & 0xffffff)"),
            ("Max-Forwards", "70"), ("From", "<sip:probe@192.0.2.1>;tag=x1"), ("To", "<sip:tandem@127.0.0.1>"),
            ("Call-ID", "malformed-\(method)-\(cseq.count)"), ("CSeq", cseq),
        ]
        for (k, v) in headers where !drop.contains(k) { lines.append("\(k): \(v)") }
        lines += extra
        if !drop.contains("Content-Length") { lines.append("Content-Length: \(contentLength)") }
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    public static let requests: [Case] = [
        Case(name: "CSeq not a number", text: request(cseq: "one OPTIONS"), status: 400),
        Case(name: "CSeq too large", text: request(cseq: "4294967296 OPTIONS"), status: 400),
        Case(name: "CSeq method mismatch", text: request(cseq: "1 INVITE"), status: 400),
        Case(name: "missing Call-ID", text: request(drop: ["Call-ID"]), status: 400),
        Case(name: "missing From", text: request(drop: ["From"]), status: 400),
        Case(name: "bad Request-URI", text: request(uri: "sip:"), status: 400),
        Case(name: "Request-URI with spaces", text: request(uri: "sip:a b@127.0.0.1"), status: 400),
        Case(name: "negative Max-Forwards", text: request(extra: []).replacingMaxForwards("-1"), status: 400),
        Case(name: "Content-Length not a number", text: request(contentLength: "ten"), status: 400),
        Case(name: "unsupported version", text: request(version: "SIP/7.0"), status: 505),
        Case(name: "unterminated quote in From", text: request(extra: ["From: \"Eve <sip:eve@192.0.2.1>;tag=y"], drop: ["From"]), status: 400),
    ]
}

extension String {
    func replacingMaxForwards(_ value: String) -> String {
        split(separator: "\r\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("Max-Forwards:") ? "Max-Forwards: \(value)" : String($0) }
            .joined(separator: "\r\n")
    }
}
