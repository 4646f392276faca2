import Testing
@testable import SDP

/// Typed setters edit the raw attribute list in place, so unrelated lines keep their order.
@Suite struct MutationTests {
    @Test func settersReplaceInPlace() throws {
        var sdp = try SessionDescription(parsing: InteropData.text(InteropData.chromeOffer))
        var audio = sdp.media[0]
        let before = audio.attributes.map(\.name)
        audio.direction = .sendonly
        audio.setupRole = .active
        audio.iceUsernameFragment = "abcd"
        audio.packetTime = 20
        audio.rtcpReducedSize = false
        audio.removeAttributes(named: "ssrc")
        #expect(audio.direction == .sendonly)
        #expect(audio.attributes.firstIndex { $0.name == "sendonly" } == before.firstIndex(of: "sendrecv"))
        #expect(audio.attributes.firstIndex { $0.name == "setup" } == before.firstIndex(of: "setup"))
        #expect(audio.attributeValue("ice-ufrag") == .some("abcd"))
        #expect(audio.attributes.last == Attribute("ptime", "20"))
        #expect(!audio.hasAttribute("rtcp-rsize") && audio.ssrcs.isEmpty)
        sdp.media[0] = audio
        let reparsed = try SessionDescription(parsing: sdp.serialized())
        #expect(reparsed == sdp)
        #expect(reparsed.media[0].setupRole == .active)
    }

    @Test func setCodecsRewritesFormatsAndCodecLines() throws {
        var sdp = try SessionDescription(parsing: InteropData.text(InteropData.chromeOffer))
        let codecs = sdp.media[0].codecs.filter { [0, 126].contains($0.payloadType) }
        sdp.media[0].setCodecs(codecs)
        #expect(sdp.media[0].formats == ["0", "126"])
        #expect(sdp.media[0].rtpMaps.map(\.attributeValue) == ["0 PCMU/8000", "126 telephone-event/8000"])
        #expect(sdp.media[0].formatParameters.isEmpty && sdp.media[0].rtcpFeedback.isEmpty)
        // The codec lines sit where Chrome's rtpmaps were: after rtcp-xr, before the ssrc lines.
        let names = sdp.media[0].attributes.map(\.name)
        #expect(names.suffix(5) == ["rtcp-xr", "rtpmap", "rtpmap", "ssrc", "ssrc"])
    }

    @Test func buildFromScratch() {
        var media = MediaDescription(media: "audio", port: 30000, proto: "RTP/AVP", formats: [])
        media.setCodecs([Codec(payloadType: 0, name: "PCMU", clockRate: 8000),
                         Codec(payloadType: 101, name: "telephone-event", clockRate: 8000,
                               formatParameters: FormatParameters(format: "101", parameters: [.init("0-16")]))])
        media.direction = .sendrecv
        media.packetTime = 20
        let sdp = SessionDescription(
            origin: Origin(sessionID: "1", sessionVersion: "1", unicastAddress: "192.0.2.1"),
            connection: ConnectionData(address: "192.0.2.1"), media: [media])
        #expect(sdp.serialized() == """
        v=0\r
        o=- 1 1 IN IP4 192.0.2.1\r
        s=-\r
        c=IN IP4 192.0.2.1\r
        t=0 0\r
        m=audio 30000 RTP/AVP 0 101\r
        a=rtpmap:0 PCMU/8000\r
        a=rtpmap:101 telephone-event/8000\r
        a=fmtp:101 0-16\r
        a=sendrecv\r
        a=ptime:20\r

        """)
    }

    @Test func sessionLevelDefaults() throws {
        let sdp = try SessionDescription(parsing: "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nt=0 0\na=inactive\na=ice-ufrag:sess\na=fingerprint:sha-256 AA:BB\na=setup:passive\nm=audio 4000 RTP/AVP 0\nm=audio 4002 RTP/AVP 0\na=ice-ufrag:own\na=sendrecv\n")
        #expect(sdp.direction(of: sdp.media[0]) == .inactive)
        #expect(sdp.direction(of: sdp.media[1]) == .sendrecv)
        #expect(sdp.iceUsernameFragment(for: sdp.media[0]) == "sess")
        #expect(sdp.iceUsernameFragment(for: sdp.media[1]) == "own")
        #expect(sdp.fingerprint(for: sdp.media[1])?.bytes == [0xAA, 0xBB])
        #expect(sdp.setupRole(for: sdp.media[0]) == .passive)
    }
}
