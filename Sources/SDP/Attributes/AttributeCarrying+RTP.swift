/// RTP and RTCP attributes of a media section (and the session-level `extmap-allow-mixed`).
extension AttributeCarrying {
    /// Every well-formed `a=rtpmap`, in attribute order.
    public var rtpMaps: [RTPMap] { values(of: RTPMap.self) }

    /// Every well-formed `a=fmtp`, in attribute order.
    public var formatParameters: [FormatParameters] { values(of: FormatParameters.self) }

    /// Every well-formed `a=rtcp-fb`.
    public var rtcpFeedback: [RTCPFeedback] { values(of: RTCPFeedback.self) }

    /// Every well-formed `a=extmap`.
    public var extMaps: [ExtMap] { values(of: ExtMap.self) }

    /// The rtpmap for payload type `pt`.
    public func rtpMap(for pt: UInt8) -> RTPMap? {
        rtpMaps.first { $0.payloadType == pt }
    }

    /// The fmtp for payload type `pt`.
    public func formatParameters(for pt: UInt8) -> FormatParameters? {
        formatParameters.first { $0.payloadType == pt }
    }

    /// `a=ptime` in milliseconds.
    public var packetTime: UInt32? {
        get { stringValue("ptime").flatMap { SDPText.uint32($0) } }
        set { setStringValue("ptime", newValue.map(String.init)) }
    }

    /// `a=maxptime` in milliseconds.
    public var maximumPacketTime: UInt32? {
        get { stringValue("maxptime").flatMap { SDPText.uint32($0) } }
        set { setStringValue("maxptime", newValue.map(String.init)) }
    }

    /// `a=rtcp`.
    public var rtcpAddress: RTCPAddress? {
        get { firstValue(of: RTCPAddress.self) }
        set { setValue(newValue) }
    }

    /// `a=rtcp-mux`: RTP and RTCP share one port (RFC 5761).
    public var rtcpMux: Bool {
        get { flag("rtcp-mux") }
        set { setFlag("rtcp-mux", newValue) }
    }

    /// `a=rtcp-rsize`: reduced-size RTCP allowed (RFC 5506).
    public var rtcpReducedSize: Bool {
        get { flag("rtcp-rsize") }
        set { setFlag("rtcp-rsize", newValue) }
    }

    /// `a=extmap-allow-mixed`: one- and two-byte header extensions may mix (RFC 8285 §6).
    public var extMapAllowMixed: Bool {
        get { flag("extmap-allow-mixed") }
        set { setFlag("extmap-allow-mixed", newValue) }
    }
}
