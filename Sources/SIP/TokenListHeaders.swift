/// Typed access to headers that are comma-separated lists of tokens: Allow, Supported, Require,
/// Proxy-Require, Unsupported.
extension SIPHeaders {
    /// The tokens of every field of that header, empty elements skipped.
    public func tokens(_ name: HeaderName) throws(SIPParseError) -> [String] {
        var result: [String] = []
        for element in listValues(name) where !element.isEmpty {
            guard element.isSIPToken else {
                throw SIPParseError(.invalidHeaderValue, "\(name.name) holds a non-token value", header: name.name)
            }
            result.append(element)
        }
        return result
    }

    public mutating func setTokens(_ name: HeaderName, _ tokens: [String]) {
        if tokens.isEmpty { remove(name) } else { set(name, tokens.joined(separator: ", ")) }
    }

    public func allow() throws(SIPParseError) -> [SIPMethod] { try tokens(.allow).map(SIPMethod.init(rawValue:)) }
    public func supported() throws(SIPParseError) -> [String] { try tokens(.supported) }
    public func require() throws(SIPParseError) -> [String] { try tokens(.require) }
    public func proxyRequire() throws(SIPParseError) -> [String] { try tokens(.proxyRequire) }

    public mutating func setAllow(_ methods: [SIPMethod]) { setTokens(.allow, methods.map(\.rawValue)) }
    public mutating func setSupported(_ options: [String]) { setTokens(.supported, options) }
    public mutating func setRequire(_ options: [String]) { setTokens(.require, options) }
}
