/// Attributes that name things: mid, BUNDLE and other groups, msid, SSRCs.
extension AttributeCarrying {
    /// `a=mid`, the media section's identification tag (RFC 5888).
    public var mid: String? {
        get { stringValue("mid") }
        set { setStringValue("mid", newValue) }
    }

    /// Every well-formed `a=group` (session level).
    public var groups: [Group] { values(of: Group.self) }

    /// The first `a=group:BUNDLE`.
    public var bundleGroup: Group? { groups.first { $0.isBundle } }

    /// `a=msid`.
    public var msid: MSID? {
        get { firstValue(of: MSID.self) }
        set { setValue(newValue) }
    }

    /// `a=msid-semantic` (session level).
    public var msidSemantic: MSIDSemantic? {
        get { firstValue(of: MSIDSemantic.self) }
        set { setValue(newValue) }
    }

    /// Every well-formed `a=ssrc`.
    public var ssrcAttributes: [SSRCAttribute] { values(of: SSRCAttribute.self) }

    /// Every well-formed `a=ssrc-group`.
    public var ssrcGroups: [SSRCGroup] { values(of: SSRCGroup.self) }

    /// The distinct SSRCs announced with `a=ssrc`, in first-seen order.
    public var ssrcs: [UInt32] {
        var seen = Set<UInt32>()
        return ssrcAttributes.compactMap { seen.insert($0.ssrc).inserted ? $0.ssrc : nil }
    }

    /// The cname of `ssrc`.
    public func cname(of ssrc: UInt32) -> String? {
        ssrcAttributes.first { $0.ssrc == ssrc && $0.attribute == "cname" }?.value
    }
}
