import SDP

/// The SDP of a plain-RTP leg toward a phone, PBX or trunk (RTP/AVP, no ICE, no DTLS): our address
/// and port, the codecs the route allows, telephone-event/8000, 20 ms. Built once per leg so that
/// re-offers keep the session id and only bump the version, as RFC 3264 §8 asks.
public struct RTPSessionTemplate: Sendable {
    public var sessionID = UInt64.random(in: 1...UInt64(Int64.max))
    public var version: UInt64 = 1
    public var address: String
    public var port: UInt16
    /// Codec names in preference order, as the config and dialplan spell them (`PCMU`, `G722`, `opus`).
    public var codecs: [String]

    public init(address: String, port: UInt16, codecs: [String]) {
        self.address = address
        self.port = port
        self.codecs = codecs
    }

    /// The capabilities `codecs` names, in order; unknown names are skipped.
    public static func capabilities(_ names: [String]) -> [CodecCapability] {
        names.compactMap { name -> CodecCapability? in
            switch name.lowercased() {
            case "pcmu": .pcmu
            case "pcma": .pcma
            case "g722": .g722
            case "opus": .opus
            default: nil
            }
        }
    }

    private var connection: ConnectionData { ConnectionData(addressType: address.contains(":") ? .ip6 : .ip4, address: address) }

    private var origin: Origin {
        Origin(username: "tandem", sessionID: String(sessionID), sessionVersion: String(version), networkType: "IN",
               addressType: address.contains(":") ? "IP6" : "IP4", unicastAddress: address)
    }

    /// An offer for a new outbound leg, or a re-offer (hold) with `direction`.
    public func offer(direction: MediaDirection = .sendrecv) -> SessionDescription {
        var formats: [(pt: UInt8, map: String, fmtp: String?)] = []
        for capability in Self.capabilities(codecs) {
            switch capability.name {
            case "PCMU": formats.append((0, "PCMU/8000", nil))
            case "PCMA": formats.append((8, "PCMA/8000", nil))
            case "G722": formats.append((9, "G722/8000", nil))
            default: formats.append((111, "opus/48000/2", "useinbandfec=1"))
            }
        }
        formats.append((101, "telephone-event/8000", "0-16"))
        var media = MediaDescription(media: "audio", port: port, proto: "RTP/AVP", formats: formats.map { String($0.pt) })
        for f in formats {
            media.attributes.append(Attribute("rtpmap", "\(f.pt) \(f.map)"))
            if let fmtp = f.fmtp { media.attributes.append(Attribute("fmtp", "\(f.pt) \(fmtp)")) }
        }
        media.attributes.append(Attribute("ptime", "20"))
        media.attributes.append(Attribute(direction.rawValue))
        var session = SessionDescription(origin: origin, sessionName: "-", media: [media])
        session.connection = connection
        return session
    }

    /// Answers a phone's offer with the first of our codecs it offers, telephone-event beside it.
    public func answer(_ offer: SessionDescription, localDirection: MediaDirection = .sendrecv) -> Answer {
        var options = AnswerOptions(codecs: Self.capabilities(codecs), origin: origin, connection: connection, port: port)
        options.acceptedProtocols = ["RTP/AVP", "RTP/AVPF"]
        options.localDirection = localDirection
        options.rtcpMux = false
        options.comfortNoise = true
        return offer.answer(with: options)
    }
}
