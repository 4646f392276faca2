/// The direction attribute. RFC 8866 §6.7 allows it at session level as a default for media sections
/// that have none; `SessionDescription.direction(of:)` applies that rule.
extension AttributeCarrying {
    /// The direction written at this level, if any.
    public var direction: MediaDirection? {
        get {
            for attribute in attributes where attribute.value == nil {
                if let direction = MediaDirection(attributeName: attribute.name) { return direction }
            }
            return nil
        }
        set {
            let index = attributes.firstIndex { $0.value == nil && MediaDirection(attributeName: $0.name) != nil }
            attributes.removeAll { $0.value == nil && MediaDirection(attributeName: $0.name) != nil }
            guard let newValue else { return }
            let attribute = Attribute(newValue.rawValue)
            if let index, index <= attributes.count {
                attributes.insert(attribute, at: index)
            } else {
                attributes.append(attribute)
            }
        }
    }
}

extension SessionDescription {
    /// The direction that applies to `media`: its own, else the session's, else sendrecv.
    public func direction(of media: MediaDescription) -> MediaDirection {
        media.direction ?? direction ?? .sendrecv
    }
}
