import Testing
@testable import SDP

/// RFC 3264 answers: codec choice, telephone-event matching, rejection, directions, holds.
@Suite struct OfferAnswerTests {
    private func options(_ codecs: [CodecCapability], port: UInt16 = 40000) -> AnswerOptions {
        AnswerOptions(
            codecs: codecs,
            origin: Origin(sessionID: "9000", sessionVersion: "1", unicastAddress: "192.0.2.1"),
            connection: ConnectionData(address: "192.0.2.1"),
            port: port
        )
    }

    private func chrome() throws -> SessionDescription {
        try SessionDescription(parsing: InteropData.text(InteropData.chromeOffer))
    }

    @Test func chromeWithPCMUGetsTelephoneEvent8000() throws {
        let answer = try chrome().answer(with: options([.pcmu]))
        let accepted = try #require(answer.accepted())
        #expect(accepted.codec?.payloadType == 0)
        #expect(accepted.telephoneEvent?.payloadType == 126)
        #expect(accepted.telephoneEvent?.clockRate == 8000)
        let media = answer.sessionDescription.media[0]
        #expect(media.port == 40000)
        #expect(media.proto == "UDP/TLS/RTP/SAVPF")
        #expect(media.formats == ["0", "126"])
        #expect(media.mid == "0")
        #expect(media.rtcpMux)
        #expect(media.direction == .sendrecv)
        #expect(answer.sessionDescription.bundleGroup == .bundle(["0"]))
        let text = answer.sessionDescription.serialized()
        #expect(text.contains("m=audio 40000 UDP/TLS/RTP/SAVPF 0 126\r\n"))
        #expect(text.contains("a=rtpmap:126 telephone-event/8000\r\na=fmtp:126 0-15\r\n"))
        #expect(!text.contains("a=rtcp-fb") && !text.contains("a=ssrc"))
        #expect(try SessionDescription(parsing: text) == answer.sessionDescription)
    }

    @Test func chromeWithOpusKeepsFmtpAndTelephoneEvent48000() throws {
        let answer = try chrome().answer(with: options([.opus, .pcmu]))
        let accepted = try #require(answer.accepted())
        #expect(accepted.codec?.payloadType == 111)
        #expect(accepted.telephoneEvent?.payloadType == 110)
        let media = answer.sessionDescription.media[0]
        #expect(media.formats == ["111", "110"])
        #expect(media.formatParameters(for: 111)?.attributeValue == "111 minptime=10;useinbandfec=1")
        #expect(media.rtpMap(for: 111)?.attributeValue == "111 opus/48000/2")
    }

    @Test func g722AnswersTelephoneEventAtItsRTPClock() throws {
        let answer = try chrome().answer(with: options([.g722]))
        #expect(answer.accepted()?.codec?.payloadType == 9)
        #expect(answer.accepted()?.telephoneEvent?.payloadType == 126)
    }

    @Test func offererPreferenceOrder() throws {
        var opts = options([.pcmu, .opus])
        #expect(try chrome().answer(with: opts).accepted()?.codec?.name == "PCMU")
        opts.preferenceOrder = .offerer
        #expect(try chrome().answer(with: opts).accepted()?.codec?.name == "opus")
        opts.answerAllCommonCodecs = true
        let media = try chrome().answer(with: opts).sessionDescription.media[0]
        #expect(media.formats == ["111", "0", "110"])
    }

    @Test func capabilityFormatParametersOverrideOffered() throws {
        let opus = CodecCapability(name: "opus", clockRate: 48000, channels: 2,
                                   formatParameters: [.init("useinbandfec", "0"), .init("usedtx", "1")])
        let media = try chrome().answer(with: options([opus])).sessionDescription.media[0]
        #expect(media.formatParameters(for: 111)?.attributeValue == "111 minptime=10;useinbandfec=0;usedtx=1")
    }

    @Test func phonePCMAOnlyWithPCMUFirstPreference() throws {
        let offer = try SessionDescription(parsing: PhoneSDP.pcmaOnlyStatic)
        let answer = offer.answer(with: options([.pcmu, .pcma]))
        let accepted = try #require(answer.accepted())
        #expect(accepted.codec == Codec(payloadType: 8, name: "PCMA", clockRate: 8000))
        #expect(accepted.telephoneEvent == nil)
        #expect(accepted.remoteConnection?.address == "198.51.100.7")
        #expect(accepted.remotePort == 20000)
        let media = answer.sessionDescription.media[0]
        #expect(media.proto == "RTP/AVP")
        #expect(media.formats == ["8"])
        #expect(media.packetTime == 30)
        #expect(!media.rtcpMux)
    }

    @Test func dynamicPayloadTypesKeepOffererNumbers() throws {
        let offer = try SessionDescription(parsing: PhoneSDP.linphone)
        let answer = offer.answer(with: options([.opus]))
        let media = answer.sessionDescription.media[0]
        #expect(media.formats == ["96", "101"])
        #expect(media.rtpMap(for: 96)?.encodingName == "opus")
        #expect(media.rtpMap(for: 101)?.clockRate == 48000)
        #expect(media.formatParameters(for: 96)?["useinbandfec"] == "1")
        // Linphone's video is rejected while its audio is answered.
        #expect(answer.sessionDescription.media[1].port == 0)
        #expect(answer.media[1].rejectionReason == .unsupportedMediaType("video"))
    }

    @Test func telephoneEventRangesAreMatched() throws {
        let asterisk = try SessionDescription(parsing: PhoneSDP.asterisk)
        var opts = options([.pcmu])
        #expect(asterisk.answer(with: opts).sessionDescription.media[0].formatParameters(for: 101)?.attributeValue == "101 0-16")
        opts.telephoneEvents = .dtmf
        #expect(asterisk.answer(with: opts).sessionDescription.media[0].formatParameters(for: 101)?.attributeValue == "101 0-15")
        opts.telephoneEvents = nil
        #expect(asterisk.answer(with: opts).sessionDescription.media[0].formats == ["0"])
        // A peer announcing only events we do not handle gets no telephone-event.
        opts.telephoneEvents = TelephoneEvents([32...40])
        #expect(asterisk.answer(with: opts).accepted()?.telephoneEvent == nil)
    }

    @Test func noCommonCodecRejectsWithReason() throws {
        let offer = try SessionDescription(parsing: PhoneSDP.legacyStatic)
        let answer = offer.answer(with: options([.pcmu, .opus]))
        #expect(answer.sessionDescription.media.count == 1)
        #expect(answer.sessionDescription.media[0].port == 0)
        #expect(answer.sessionDescription.media[0].formats == ["4", "3", "18", "13", "9"])
        #expect(answer.media[0].rejectionReason == .noCommonCodec(offered: ["G723", "GSM", "G729", "CN", "G722"]))
        #expect(answer.accepted() == nil)
        #expect(answer.sessionDescription.serialized().contains("m=audio 0 RTP/AVP 4 3 18 13 9\r\n"))
    }

    @Test func videoRejectedAudioAnsweredSecondAudioOverLimit() throws {
        let offer = try SessionDescription(parsing: PhoneSDP.audioVideo)
        let answer = offer.answer(with: options([.pcma, .pcmu]))
        let lines = answer.sessionDescription.media
        #expect(lines.map(\.media) == ["audio", "video", "audio"])
        #expect(lines.map(\.port) == [40000, 0, 0])
        #expect(lines[0].formats == ["8", "101"])
        #expect(lines[1].formats == ["34", "96"])
        #expect(answer.media.map(\.rejectionReason) == [nil, .unsupportedMediaType("video"), .streamLimitReached])
    }

    @Test func disabledAndWrongTransportStreams() throws {
        let text = "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\nm=audio 0 RTP/AVP 0\nm=audio 4000 RTP/SAVP 0\nm=image 4002 udptl t38\nm=audio 4004 RTP/AVP 0\n"
        let offer = try SessionDescription(parsing: text)
        var opts = options([.pcmu])
        opts.acceptedMediaTypes = ["audio", "image"]
        opts.acceptedProtocols = ["RTP/AVP"]
        let answer = offer.answer(with: opts)
        #expect(answer.media.map(\.rejectionReason) == [.disabledInOffer, .unsupportedTransport("RTP/SAVP"),
                                                       .unsupportedTransport("udptl"), nil])
    }

    @Test func directionsPerRFC3264() throws {
        func answered(_ direction: String, local: MediaDirection = .sendrecv) throws -> MediaDirection? {
            let offer = try SessionDescription(parsing: "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\nm=audio 4000 RTP/AVP 0\na=\(direction)\n")
            var opts = options([.pcmu])
            opts.localDirection = local
            return offer.answer(with: opts).sessionDescription.media[0].direction
        }
        #expect(try answered("sendrecv") == .sendrecv)
        #expect(try answered("sendonly") == .recvonly)
        #expect(try answered("recvonly") == .sendonly)
        #expect(try answered("inactive") == .inactive)
        #expect(try answered("sendrecv", local: .sendonly) == .sendonly)
        #expect(try answered("sendonly", local: .sendonly) == .inactive)
    }

    @Test func holdDetectionInAnswers() throws {
        let reoffer = try SessionDescription(parsing: PhoneSDP.asteriskHoldReoffer).answer(with: options([.pcmu]))
        #expect(reoffer.accepted()?.offerHold == .held(.sendonly))
        #expect(reoffer.accepted()?.direction == .recvonly)

        let old = try SessionDescription(parsing: PhoneSDP.oldStyleHold).answer(with: options([.pcmu]))
        #expect(old.accepted()?.offerHold == .held(.unspecifiedAddress))
        #expect(old.accepted()?.direction == .recvonly)

        let inactive = try SessionDescription(parsing: "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\na=inactive\nm=audio 4000 RTP/AVP 0\n")
        #expect(inactive.answer(with: options([.pcmu])).accepted()?.offerHold == .held(.inactive))

        // Chrome's c=0.0.0.0 with port 9 is ICE's placeholder, not a hold.
        let chromeAnswer = try chrome().answer(with: options([.opus]))
        #expect(chromeAnswer.accepted()?.offerHold == .active)
        #expect(chromeAnswer.accepted()?.direction == .sendrecv)
    }

    @Test func extraAttributesHeaderExtensionsAndPtime() throws {
        var opts = options([.opus])
        opts.sessionAttributes = [Attribute("ice-lite")]
        opts.mediaAttributes = [Attribute("ice-ufrag", "gw01"), Attribute("ice-pwd", "secretsecretsecretsecret"),
                                Attribute(Fingerprint(hashFunction: "sha-256", bytes: Array(repeating: 0xAB, count: 32))),
                                Attribute(SetupRole.passive)]
        opts.headerExtensions = ["urn:ietf:params:rtp-hdrext:ssrc-audio-level", "urn:example:not-offered"]
        opts.packetTime = 20
        opts.rtcpReducedSize = true
        let sdp = try chrome().answer(with: opts).sessionDescription
        #expect(sdp.isICELite)
        let media = sdp.media[0]
        #expect(media.attributes.map(\.name) == ["mid", "ice-ufrag", "ice-pwd", "fingerprint", "setup", "extmap",
                                                 "sendrecv", "rtcp-mux", "rtcp-rsize", "rtpmap", "fmtp", "rtpmap", "fmtp", "ptime"])
        #expect(media.extMaps == [ExtMap(id: 1, uri: "urn:ietf:params:rtp-hdrext:ssrc-audio-level")])
        #expect(media.fingerprint?.bytes.count == 32)
        #expect(media.packetTime == 20)
    }
}
