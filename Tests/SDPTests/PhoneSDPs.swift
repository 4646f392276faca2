/// SDPs shaped like what real SIP phones and tools send. Written for these tests (not captured), each
/// modelled on the habits of the named implementation.
enum PhoneSDP {
    /// baresip 1.0: session-level c=, rtpmap even for static types, telephone-event 0-15, a=label.
    static let baresip = """
    v=0
    o=- 2047356014 1462617208 IN IP4 127.0.0.1
    s=-
    c=IN IP4 127.0.0.1
    t=0 0
    a=tool:baresip 1.0.0
    m=audio 10002 RTP/AVP 0 8 101
    b=AS:87
    a=rtpmap:0 PCMU/8000
    a=rtpmap:8 PCMA/8000
    a=rtpmap:101 telephone-event/8000
    a=fmtp:101 0-15
    a=sendrecv
    a=label:1
    a=ssrc:3309148720 cname:9c2c4a5d-0d3f-4c1e
    a=rtcp-rsize
    a=ptime:20
    """

    /// Asterisk (chan_pjsip): s=Asterisk, GSM by rtpmap, telephone-event 0-16, maxptime.
    static let asterisk = """
    v=0
    o=- 1681234567 1681234569 IN IP4 192.0.2.10
    s=Asterisk
    c=IN IP4 192.0.2.10
    t=0 0
    m=audio 17070 RTP/AVP 0 8 3 101
    a=rtpmap:0 PCMU/8000
    a=rtpmap:8 PCMA/8000
    a=rtpmap:3 GSM/8000
    a=rtpmap:101 telephone-event/8000
    a=fmtp:101 0-16
    a=ptime:20
    a=maxptime:150
    a=sendrecv
    """

    /// Asterisk putting the call on hold with a re-offer: same session id, higher version, a=sendonly.
    static let asteriskHoldReoffer = """
    v=0
    o=- 1681234567 1681234570 IN IP4 192.0.2.10
    s=Asterisk
    c=IN IP4 192.0.2.10
    t=0 0
    m=audio 17070 RTP/AVP 0 101
    a=rtpmap:0 PCMU/8000
    a=rtpmap:101 telephone-event/8000
    a=fmtp:101 0-16
    a=ptime:20
    a=sendonly
    """

    /// Linphone: dynamic Opus at pt 96, three telephone-event rates, rtcp-fb wildcards, the extmap with an
    /// extension attribute (`vad=off`) that trips aiortc, a session-level unknown attribute, and video.
    static let linphone = """
    v=0
    o=alice 2263 1234 IN IP4 192.168.1.20
    s=Talk
    c=IN IP4 192.168.1.20
    t=0 0
    a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics
    a=record:off
    m=audio 7078 RTP/AVP 96 97 0 8 18 101 99 100
    a=rtpmap:96 opus/48000/2
    a=fmtp:96 useinbandfec=1
    a=rtpmap:97 speex/16000
    a=fmtp:97 vbr=on
    a=fmtp:18 annexb=yes
    a=rtpmap:101 telephone-event/48000
    a=rtpmap:99 telephone-event/16000
    a=rtpmap:100 telephone-event/8000
    a=rtcp-fb:* trr-int 1000
    a=rtcp-fb:* ccm tmmbr
    a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=off
    m=video 9078 RTP/AVP 96
    a=rtpmap:96 VP8/90000
    a=rtcp-fb:* trr-int 1000
    a=rtcp-fb:96 nack pli
    a=rtcp-fb:96 ccm fir
    """

    /// Yealink/Polycom desk phone: G722 first, G729 with annexb=no, ptime 20, no session c= but one per media.
    static let yealink = """
    v=0
    o=- 20012 20012 IN IP4 10.0.0.20
    s=SDP data
    t=0 0
    m=audio 11780 RTP/AVP 9 8 0 18 101
    c=IN IP4 10.0.0.20
    a=rtpmap:9 G722/8000
    a=rtpmap:8 PCMA/8000
    a=rtpmap:0 PCMU/8000
    a=rtpmap:18 G729/8000
    a=fmtp:18 annexb=no
    a=ptime:20
    a=sendrecv
    a=rtpmap:101 telephone-event/8000
    a=fmtp:101 0-15
    """

    /// An old phone's hold: RFC 2543 style `c=IN IP4 0.0.0.0`, no direction attribute, static types only.
    static let oldStyleHold = """
    v=0
    o=- 3000 3001 IN IP4 10.0.0.30
    s=-
    c=IN IP4 0.0.0.0
    t=0 0
    m=audio 16384 RTP/AVP 0 8
    """

    /// A PCMA-only carrier: no rtpmap at all, c= only at media level, ptime 30, b=AS and b=TIAS.
    static let pcmaOnlyStatic = """
    v=0
    o=carrier 42 42 IN IP4 198.51.100.7
    s=-
    t=0 0
    m=audio 20000 RTP/AVP 8
    c=IN IP4 198.51.100.7
    b=AS:80
    b=TIAS:64000
    a=ptime:30
    """

    /// Static payload types with no rtpmap for the older codecs: G723, GSM, G729, CN.
    static let legacyStatic = """
    v=0
    o=- 7 7 IN IP4 10.1.1.1
    s=-
    c=IN IP4 10.1.1.1
    t=0 0
    m=audio 5004 RTP/AVP 4 3 18 13 9
    a=ptime:30
    """

    /// sipp's built-in uac scenario SDP.
    static let sipp = """
    v=0
    o=user1 53655765 2353687637 IN IP4 127.0.0.1
    s=-
    c=IN IP4 127.0.0.1
    t=0 0
    m=audio 6000 RTP/AVP 0
    a=rtpmap:0 PCMU/8000
    """

    /// A phone on IPv6, with a recvonly stream.
    static let ipv6 = """
    v=0
    o=- 99 1 IN IP6 2001:db8::10
    s=-
    c=IN IP6 2001:db8::10
    t=0 0
    m=audio 30000 RTP/AVP 0 101
    a=rtpmap:101 telephone-event/8000
    a=fmtp:101 0-16
    a=recvonly
    """

    /// A video phone offering audio and video plus a second audio stream.
    static let audioVideo = """
    v=0
    o=- 555 555 IN IP4 10.2.2.2
    s=-
    c=IN IP4 10.2.2.2
    t=0 0
    m=audio 40000 RTP/AVP 0 8 101
    a=rtpmap:101 telephone-event/8000
    a=fmtp:101 0-15
    m=video 40002 RTP/AVP 34 96
    a=rtpmap:96 H264/90000
    a=fmtp:96 profile-level-id=42801F;packetization-mode=1
    m=audio 40004 RTP/AVP 8
    """
}
