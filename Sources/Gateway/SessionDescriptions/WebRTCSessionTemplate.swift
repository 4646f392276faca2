import SDP
import WebRTC

/// The one template every SDP we send to a browser is built from (DESIGN: "the browser's SDP is ours"):
/// ICE-lite, BUNDLE on one mid, rtcp-mux, our ICE credentials, our DTLS fingerprint, our real SSRC
/// and candidates for the leg's one port. Nothing is copied from the other leg's SDP, and the values
/// stay the same across re-offers so the browser never sees a new fingerprint or SSRC mid-call.
public struct WebRTCSessionTemplate: Sendable {
    public var sessionID: UInt64
    public var version: UInt64 = 1
    public var ufrag: String
    public var password: String
    public var fingerprint: CertificateFingerprint
    /// Addresses the leg's port is reachable at (local addresses, then a 1:1 NAT's public one).
    public var candidateAddresses: [String]
    public var port: UInt16
    public var ssrc: UInt32
    public var cname: String
    public var streamID: String
    public var trackID: String

    public init(ufrag: String, password: String, fingerprint: CertificateFingerprint, candidateAddresses: [String],
                port: UInt16, ssrc: UInt32 = UInt32.random(in: 1...UInt32.max)) {
        self.ufrag = ufrag
        self.password = password
        self.fingerprint = fingerprint
        self.candidateAddresses = candidateAddresses
        self.port = port
        self.ssrc = ssrc
        sessionID = UInt64.random(in: 1...(UInt64(Int64.max)))
        cname = ICELiteAgent.randomToken(length: 16)
        streamID = "tandem-" + ICELiteAgent.randomToken(length: 8).filter { $0.isLetter || $0.isNumber }
        trackID = "audio-" + ICELiteAgent.randomToken(length: 8).filter { $0.isLetter || $0.isNumber }
    }

    /// The codecs a browser leg can take, in Tandem's preference: Opus first (wideband, FEC), then
    /// G.711 for pass-through to phones, and telephone-event.
    public static let defaultCodecs = [
        CodecCapability(name: "opus", clockRate: 48_000, channels: 2),
        CodecCapability(name: "PCMU", clockRate: 8_000),
        CodecCapability(name: "PCMA", clockRate: 8_000),
        CodecCapability(name: "G722", clockRate: 8_000),
    ]

    var origin: Origin {
        Origin(username: "tandem", sessionID: String(sessionID), sessionVersion: String(version), networkType: "IN",
               addressType: (candidateAddresses.first ?? "0.0.0.0").contains(":") ? "IP6" : "IP4",
               unicastAddress: candidateAddresses.first ?? "0.0.0.0")
    }

    var connection: ConnectionData {
        let address = candidateAddresses.first ?? "0.0.0.0"
        return ConnectionData(addressType: address.contains(":") ? .ip6 : .ip4, address: address)
    }

    /// ICE, DTLS and identity lines of the media section. `setup` is ours: passive when answering an
    /// actpass offer, actpass when we offer.
    func mediaAttributes(setup: SetupRole) -> [Attribute] {
        var a: [Attribute] = [
            Attribute("ice-ufrag", ufrag),
            Attribute("ice-pwd", password),
            Attribute("fingerprint", "sha-256 \(fingerprint)"),
            Attribute("setup", setup.rawValue),
        ]
        for (i, address) in candidateAddresses.enumerated() {
            // Host candidates only (we are ICE-lite); priority per RFC 8445 §5.1.2 with local preference by order.
            let priority = UInt32(126) << 24 | UInt32(65_535 - i) << 8 | 255
            a.append(Attribute("candidate", "\(i + 1) 1 udp \(priority) \(address) \(port) typ host"))
        }
        a.append(Attribute("end-of-candidates"))
        a.append(Attribute("msid", "\(streamID) \(trackID)"))
        a.append(Attribute("ssrc", "\(ssrc) cname:\(cname)"))
        a.append(Attribute("ssrc", "\(ssrc) msid:\(streamID) \(trackID)"))
        return a
    }

    /// Answers a browser's offer; returns the answer and what was agreed, or nil when no audio codec
    /// matched (the caller rejects the call, with the reason from `Answer.media`).
    public func answer(_ offer: SessionDescription, codecs: [CodecCapability] = defaultCodecs,
                       localDirection: MediaDirection = .sendrecv) -> Answer {
        let offeredSetup = offer.media.first.flatMap { offer.setupRole(for: $0) } ?? .actpass
        let ours: SetupRole = offeredSetup == .passive ? .active : .passive
        var options = AnswerOptions(codecs: codecs, origin: origin, connection: connection, port: port)
        options.localDirection = localDirection
        options.acceptedProtocols = ["UDP/TLS/RTP/SAVPF", "UDP/TLS/RTP/SAVP"]
        options.rtcpMux = true
        options.rtcpReducedSize = true
        options.sessionAttributes = [Attribute("ice-lite"), Attribute("msid-semantic", " WMS \(streamID)")]
        options.mediaAttributes = mediaAttributes(setup: ours)
        return offer.answer(with: options)
    }

    /// Our DTLS role from the browser's setup attribute (RFC 5763 §5): we are the client only when the
    /// browser is passive. Answering actpass we say passive; an answer without setup means active.
    public static func dtlsRole(remoteSetup: SetupRole?) -> DTLSEndpoint.Role {
        remoteSetup == .passive ? .client : .server
    }

    /// What tells a browser's Opus encoder to stay narrowband (RFC 7587 §6.1) when the other leg is G.711:
    /// wideband it would only be thrown away, and narrowband Opus costs less on both ends.
    static let narrowbandOpus = "maxplaybackrate=8000;sprop-maxcapturerate=8000"

    /// `defaultCodecs`, with Opus held to narrowband when `narrowband`.
    public static func codecs(narrowband: Bool) -> [CodecCapability] {
        guard narrowband else { return defaultCodecs }
        var opus = CodecCapability.opus
        opus.formatParameters = narrowbandOpus.split(separator: ";").map { part in
            let pair = part.split(separator: "=", maxSplits: 1)
            return FormatParameters.Parameter(String(pair[0]), pair.count > 1 ? String(pair[1]) : nil)
        }
        return [opus] + defaultCodecs.dropFirst()
    }

    /// An offer for a browser (calls toward a browser user): Opus (narrowband when the other leg is
    /// G.711), G.711, telephone-event at 48 and 8 kHz, setup actpass.
    public func offer(narrowband: Bool = false, direction: MediaDirection = .sendrecv) -> SessionDescription {
        let opusFormat = "minptime=10;useinbandfec=1" + (narrowband ? ";" + Self.narrowbandOpus : "")
        let codecs: [(pt: UInt8, name: String, clockRate: UInt32, channels: UInt8, fmtp: String?)] = [
            (111, "opus", 48_000, 2, opusFormat), (0, "PCMU", 8_000, 1, nil), (8, "PCMA", 8_000, 1, nil),
            (110, "telephone-event", 48_000, 1, "0-16"), (126, "telephone-event", 8_000, 1, "0-16"),
        ]
        var media = MediaDescription(media: "audio", port: port, proto: "UDP/TLS/RTP/SAVPF", formats: codecs.map { String($0.pt) })
        media.connections = [connection]
        media.attributes.append(Attribute("mid", "0"))
        media.attributes += mediaAttributes(setup: .actpass)
        media.attributes.append(Attribute(direction.rawValue))
        media.attributes.append(Attribute("rtcp-mux"))
        media.attributes.append(Attribute("rtcp-rsize"))
        for c in codecs {
            media.attributes.append(Attribute("rtpmap", "\(c.pt) \(c.name)/\(c.clockRate)" + (c.channels > 1 ? "/\(c.channels)" : "")))
            if let f = c.fmtp { media.attributes.append(Attribute("fmtp", "\(c.pt) \(f)")) }
        }
        var session = SessionDescription(origin: origin, sessionName: "-", media: [media])
        session.attributes = [Attribute("ice-lite"), Attribute("group", "BUNDLE 0"), Attribute("msid-semantic", " WMS \(streamID)")]
        return session
    }
}
