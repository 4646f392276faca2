import Testing
@testable import SDP

/// Parsing what SIP phones send: static payload types, c= placement, holds, IPv6, several m= lines.
@Suite struct PhoneSDPTests {
    @Test func baresipSessionLevelConnection() throws {
        let sdp = try SessionDescription(parsing: crlf(PhoneSDP.baresip))
        let audio = sdp.media[0]
        #expect(sdp.connection == ConnectionData(networkType: "IN", addressType: .ip4, address: "127.0.0.1"))
        #expect(audio.connections.isEmpty)
        #expect(sdp.effectiveConnection(for: audio)?.address == "127.0.0.1")
        #expect(sdp.attributeValue("tool") == .some("baresip 1.0.0"))
        #expect(audio.bandwidths == [Bandwidth(type: "AS", value: 87)])
        #expect(audio.packetTime == 20)
        #expect(audio.codecs.map(\.name) == ["PCMU", "PCMA", "telephone-event"])
        #expect(audio.codec(for: 101)?.telephoneEvents == .dtmf)
        #expect(audio.ssrcs == [3309148720])
    }

    @Test func asteriskTelephoneEvent0to16() throws {
        let sdp = try SessionDescription(parsing: PhoneSDP.asterisk)
        let audio = sdp.media[0]
        #expect(sdp.sessionName == "Asterisk")
        #expect(audio.codecs.map(\.payloadType) == [0, 8, 3, 101])
        #expect(audio.codec(for: 3)?.name == "GSM")
        #expect(audio.codec(for: 101)?.telephoneEvents == .dtmfAndFlash)
        #expect(audio.maximumPacketTime == 150)
        #expect(sdp.holdState(of: audio) == .active)
    }

    @Test func sendonlyReofferIsHold() throws {
        let sdp = try SessionDescription(parsing: PhoneSDP.asteriskHoldReoffer)
        #expect(sdp.origin.sessionVersionNumber == 1681234570)
        #expect(sdp.direction(of: sdp.media[0]) == .sendonly)
        #expect(sdp.holdState(of: sdp.media[0]) == .held(.sendonly))
    }

    @Test func oldStyleHoldWithZeroAddress() throws {
        let sdp = try SessionDescription(parsing: PhoneSDP.oldStyleHold)
        let audio = sdp.media[0]
        #expect(sdp.connection?.isUnspecifiedIPv4 == true)
        #expect(sdp.direction(of: audio) == .sendrecv)
        #expect(sdp.holdState(of: audio) == .held(.unspecifiedAddress))
        #expect(sdp.effectiveDirection(of: audio) == .sendonly)
        #expect(audio.codecs.map(\.name) == ["PCMU", "PCMA"])
        #expect(audio.rtpMaps.isEmpty)
    }

    @Test func linphoneDynamicOpusExtMapAndVideo() throws {
        let sdp = try SessionDescription(parsing: crlf(PhoneSDP.linphone))
        #expect(sdp.media.map(\.media) == ["audio", "video"])
        let audio = sdp.media[0]
        let codecs = audio.codecs
        #expect(codecs.map(\.payloadType) == [96, 97, 0, 8, 18, 101, 99, 100])
        #expect(codecs[0].name == "opus" && codecs[0].clockRate == 48000 && codecs[0].channels == 2)
        #expect(codecs[1].name == "speex" && codecs[1].clockRate == 16000)
        #expect(codecs[4].name == "G729" && codecs[4].formatParameters?["annexb"] == "yes")
        #expect(codecs.filter(\.isTelephoneEvent).map(\.clockRate) == [48000, 16000, 8000])
        // Wildcard feedback applies to every payload type.
        #expect(codecs[2].feedback.map(\.type) == ["trr-int", "ccm"])
        let extMap = try #require(audio.extMaps.first)
        #expect(extMap == ExtMap(id: 2, uri: "urn:ietf:params:rtp-hdrext:ssrc-audio-level", extensionAttributes: "vad=off"))
        #expect(extMap.attributeValue == "2 urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=off")
        let video = sdp.media[1]
        #expect(video.codecs.first?.name == "VP8")
        #expect(video.codecs.first?.feedback.map(\.attributeValue) == ["* trr-int 1000", "96 nack pli", "96 ccm fir"])
        #expect(sdp.serialized() == crlf(PhoneSDP.linphone) + "\r\n")
    }

    @Test func yealinkMediaLevelConnectionAndG722Clock() throws {
        let sdp = try SessionDescription(parsing: PhoneSDP.yealink)
        let audio = sdp.media[0]
        #expect(sdp.connection == nil)
        #expect(audio.connection?.address == "10.0.0.20")
        #expect(sdp.effectiveConnection(for: audio)?.address == "10.0.0.20")
        let g722 = try #require(audio.codec(for: 9))
        #expect(g722.name == "G722" && g722.clockRate == 8000)
        #expect(audio.codec(for: 18)?.formatParameters?["annexb"] == "no")
    }

    @Test func pcmaOnlyWithoutRtpmapBandwidthAndPtime30() throws {
        let sdp = try SessionDescription(parsing: PhoneSDP.pcmaOnlyStatic)
        let audio = sdp.media[0]
        #expect(audio.codecs == [Codec(payloadType: 8, name: "PCMA", clockRate: 8000)])
        #expect(audio.bandwidths == [.applicationSpecific(kilobitsPerSecond: 80), .transportIndependent(bitsPerSecond: 64000)])
        #expect(audio.packetTime == 30)
        #expect(sdp.origin.username == "carrier")
    }

    @Test func legacyStaticPayloadTypes() throws {
        let audio = try SessionDescription(parsing: PhoneSDP.legacyStatic).media[0]
        #expect(audio.codecs.map(\.name) == ["G723", "GSM", "G729", "CN", "G722"])
        #expect(audio.codecs.allSatisfy { $0.clockRate == 8000 && $0.channels == 1 })
        #expect(audio.codec(for: 13)?.isComfortNoise == true)
    }

    @Test func ipv6Connection() throws {
        let sdp = try SessionDescription(parsing: PhoneSDP.ipv6)
        #expect(sdp.origin.addressType == "IP6")
        #expect(sdp.connection == ConnectionData(addressType: .ip6, address: "2001:db8::10"))
        #expect(sdp.media[0].direction == .recvonly)
        #expect(sdp.holdState(of: sdp.media[0]) == .active)
    }

    @Test func severalMediaLines() throws {
        let sdp = try SessionDescription(parsing: PhoneSDP.audioVideo)
        #expect(sdp.media.map(\.media) == ["audio", "video", "audio"])
        #expect(sdp.media.map(\.port) == [40000, 40002, 40004])
        #expect(sdp.media[1].codecs.map(\.name) == ["H263", "H264"])
        #expect(sdp.media[1].codecs[1].formatParameters?["packetization-mode"] == "1")
    }

    @Test func sippMinimal() throws {
        let sdp = try SessionDescription(parsing: PhoneSDP.sipp)
        #expect(sdp.media[0].codecs == [Codec(payloadType: 0, name: "PCMU", clockRate: 8000)])
        #expect(sdp.serialized() == crlf(PhoneSDP.sipp) + "\r\n")
    }

    @Test func everyPhoneSDPRoundTrips() throws {
        for text in [PhoneSDP.baresip, PhoneSDP.asterisk, PhoneSDP.asteriskHoldReoffer, PhoneSDP.linphone,
                     PhoneSDP.yealink, PhoneSDP.oldStyleHold, PhoneSDP.pcmaOnlyStatic, PhoneSDP.legacyStatic,
                     PhoneSDP.sipp, PhoneSDP.ipv6, PhoneSDP.audioVideo] {
            let sdp = try SessionDescription(parsing: text)
            #expect(sdp.serialized() == crlf(text) + "\r\n")
            #expect(try SessionDescription(parsing: sdp.serialized()) == sdp)
        }
    }
}
