import SIP

/// Datagram parse, every typed header accessor, serialize and re-parse; the stream framer over uneven
/// chunks; the whole input as each kind of header value.
enum SIPHarness {
    static func run(_ bytes: [UInt8]) {
        let size = bytes.count

        func exerciseHeaders(_ headers: SIPHeaders) {
            if var via = try? headers.topVia() {
                via.received = "192.0.2.1"
                via.rport = .port(5060)
                var copy = headers
                copy.setTopVia(via)
                _ = try? copy.via()
                copy.removeTopVia()
            }
            _ = try? headers.via()
            if var to = try? headers.to() {
                to.tag = "t"
                _ = try? NameAddress(to.description)
            }
            _ = try? headers.from()
            if case .addresses(let contacts)? = try? headers.contacts() {
                for contact in contacts {
                    _ = (contact.expires, contact.q, contact.sipInstance, contact.regID)
                    _ = try? NameAddress(contact.description)
                }
            }
            _ = try? headers.route()
            _ = try? headers.recordRoute()
            _ = try? headers.callID()
            _ = try? headers.cseq()
            _ = try? headers.maxForwards()
            _ = try? headers.expires()
            _ = try? headers.contentLength()
            _ = try? headers.contentType()
            _ = try? headers.allow()
            _ = try? headers.supported()
            _ = try? headers.require()
            for challenge in (try? headers.wwwAuthenticate()) ?? [] {
                var client = DigestClient(username: "u", password: "p")
                _ = client.credentials(for: challenge, method: .register, uri: "sip:x", cnonce: "c").description
            }
            _ = try? headers.proxyAuthenticate()
            _ = try? headers.authorization()
            _ = try? headers.proxyAuthorization()
        }

        // Datagram path, then every typed accessor (so the header sub-parsers see fuzzed text), then
        // serialize and re-parse: what parsed once must parse again.
        if let message = try? SIPMessage(datagram: bytes) {
            exerciseHeaders(message.headers)
            if let request = message.request {
                _ = request.uri.description
                _ = try? URI(request.uri.description)
                _ = SIPResponse(replyingTo: request, statusCode: 200, toTag: "fuzz").serialized()
            }
            let wire = message.serialized()
            do {
                _ = try SIPMessage(datagram: wire)
            } catch {
                fatalError("serialized message failed to re-parse: \(error)")
            }
        } else {
            // Error path: building the 400 from whatever was salvaged.
            do {
                _ = try SIPMessage(datagram: bytes)
            } catch {
                _ = SIPResponse(replyingTo: error)?.serialized()
            }
        }

        // The Request-URI text, fed straight to the URI parser.
        if let space = bytes.firstIndex(of: 0x20) {
            let rest = bytes[(space + 1)...]
            let end = rest.firstIndex(of: 0x20) ?? rest.endIndex
            _ = try? URI(String(decoding: rest[..<end], as: UTF8.self))
        }

        // Stream path, fed in a few uneven chunks.
        var framer = SIPStreamFramer()
        let cuts = [0, size / 7, size / 2, size - size / 5, size].map { Swift.min(Swift.max($0, 0), size) }
        for i in 0..<(cuts.count - 1) where cuts[i] < cuts[i + 1] {
            framer.append(bytes[cuts[i]..<cuts[i + 1]])
            while true {
                do {
                    guard let message = try framer.next() else { break }
                    exerciseHeaders(message.headers)
                } catch {
                    if framer.isFailed { break }
                }
            }
            if framer.isFailed { break }
        }

        // Whole input as single header values of each kind.
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? Via(text)
        _ = try? NameAddress(text)
        _ = try? CSeq(text)
        _ = try? MediaType(text)
        _ = try? DigestChallenge(text)
        _ = try? DigestCredentials(text)
    }
}
