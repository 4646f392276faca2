import SDP

/// Parse, read every typed view, answer, serialize, re-parse. Anything that traps, or a
/// serialization that does not parse back to the same value, is a finding.
enum SDPHarness {
    static func run(_ bytes: [UInt8]) {
        guard let sdp = try? SessionDescription(parsing: bytes) else { return }

        // Typed views at session level and per media section; results are summed so none is optimised away.
        var touched = sdp.bundleGroup?.mids.count ?? 0
        touched &+= sdp.groups.count &+ sdp.iceOptions.count &+ (sdp.msidSemantic?.identifiers.count ?? 0)
        touched &+= (sdp.isICELite ? 1 : 0) &+ (sdp.extMapAllowMixed ? 1 : 0) &+ (sdp.fingerprint?.bytes.count ?? 0)
        _ = sdp.origin.sessionVersionNumber
        for media in sdp.media {
            touched &+= media.candidates.reduce(0) { $0 &+ Int($1.port) &+ $1.attributeValue.utf8.count }
            touched &+= sdp.fingerprint(for: media)?.hexString.utf8.count ?? 0
            touched &+= media.fingerprints.count &+ (sdp.setupRole(for: media)?.answer().rawValue.count ?? 0)
            touched &+= (sdp.iceUsernameFragment(for: media)?.utf8.count ?? 0) &+ (sdp.icePassword(for: media)?.utf8.count ?? 0)
            touched &+= media.extMaps.reduce(0) { $0 &+ Int($1.id) &+ $1.attributeValue.utf8.count }
            touched &+= media.rtcpFeedback.count &+ media.ssrcGroups.count &+ media.ssrcs.count
            touched &+= media.ssrcAttributes.reduce(0) { $0 &+ $1.attributeValue.utf8.count }
            touched &+= (media.msid?.attributeValue.utf8.count ?? 0) &+ (media.rtcpAddress?.attributeValue.utf8.count ?? 0)
            touched &+= Int(media.packetTime ?? 0) &+ Int(media.maximumPacketTime ?? 0) &+ media.payloadTypes.count
            touched &+= (media.rtcpMux ? 1 : 0) &+ (media.rtcpReducedSize ? 1 : 0) &+ (media.endOfCandidates ? 1 : 0)
            touched &+= (media.mid?.utf8.count ?? 0) &+ media.formatParameters.count &+ media.rtpMaps.count
            _ = sdp.holdState(of: media)
            _ = sdp.effectiveDirection(of: media)
            _ = sdp.effectiveConnection(for: media)
            let codecs = media.codecs
            for codec in codecs {
                touched &+= Int(codec.clockRate % 7) &+ codec.rtpMap.attributeValue.utf8.count
                touched &+= codec.telephoneEvents?.parameterText.utf8.count ?? 0
                touched &+= codec.formatParameters?.attributeValue.utf8.count ?? 0
            }
            touched &+= Int(media.telephoneEvent(forClockRate: codecs.first?.clockRate ?? 8000)?.payloadType ?? 0)
            _ = media.commonCodecs(with: [.opus, .pcmu, .pcma, .g722], order: .offerer)
        }

        // Serialize and re-parse: what we accepted must come back identical.
        let text = sdp.serialized()
        guard let again = try? SessionDescription(parsing: text) else {
            fatalError("serialized SDP does not parse:\n\(text)")
        }
        precondition(again == sdp, "re-parsed SDP differs from the first parse:\n\(text)")
        precondition(again.serialized() == text, "second serialization differs")

        // Answer it both ways round and check the answer is itself valid SDP with the same m= count.
        for order in [CodecPreferenceOrder.answerer, .offerer] {
            var options = AnswerOptions(
                codecs: [.pcmu, .pcma, .opus, .g722],
                origin: Origin(sessionID: "1", sessionVersion: "1", unicastAddress: "192.0.2.1"),
                connection: ConnectionData(address: "192.0.2.1"), port: 40000, preferenceOrder: order
            )
            options.answerAllCommonCodecs = order == .offerer
            options.comfortNoise = order == .offerer
            options.headerExtensions = ["urn:ietf:params:rtp-hdrext:ssrc-audio-level"]
            let answer = sdp.answer(with: options)
            precondition(answer.sessionDescription.media.count == sdp.media.count, "answer changed the m= count")
            let answerText = answer.sessionDescription.serialized()
            guard let parsedAnswer = try? SessionDescription(parsing: answerText) else {
                fatalError("answer does not parse:\n\(answerText)")
            }
            precondition(parsedAnswer == answer.sessionDescription, "answer re-parse differs:\n\(answerText)")
            touched &+= answer.media.filter(\.isAccepted).count
        }
        if touched == Int.min { print("") }
    }
}
