/// Typed access to the headers whose values are addresses: From, To, Contact, Route, Record-Route.
extension SIPHeaders {
    private func single(_ name: HeaderName) throws(SIPParseError) -> NameAddress {
        guard let value = self[name] else {
            throw SIPParseError(.missingHeader, "Missing \(name.name) header", header: name.name)
        }
        do {
            return try NameAddress(value)
        } catch {
            throw error.attributed(to: name)
        }
    }

    func list(_ name: HeaderName) throws(SIPParseError) -> [NameAddress] {
        var result: [NameAddress] = []
        for element in listValues(name) {
            guard !element.isEmpty else {
                throw SIPParseError(.invalidHeaderValue, "Empty \(name.name) value", header: name.name)
            }
            do {
                result.append(try NameAddress(element))
            } catch {
                throw error.attributed(to: name)
            }
        }
        return result
    }

    public func from() throws(SIPParseError) -> NameAddress { try single(.from) }
    public func to() throws(SIPParseError) -> NameAddress { try single(.to) }
    public mutating func setFrom(_ address: NameAddress) { set(.from, address.description) }
    public mutating func setTo(_ address: NameAddress) { set(.to, address.description) }

    /// The Contact headers: `*`, or every address across all Contact fields (none when absent).
    public func contacts() throws(SIPParseError) -> ContactList {
        let elements = listValues(.contact)
        if elements.count == 1, elements[0] == "*" { return .wildcard }
        if elements.count > 1, elements.contains("*") {
            throw SIPParseError(.invalidHeaderValue, "Contact * mixed with addresses", header: HeaderName.contact.name)
        }
        return .addresses(try list(.contact))
    }

    public mutating func setContacts(_ contacts: ContactList) {
        switch contacts {
        case .wildcard: set(.contact, "*")
        case .addresses(let addresses): setAll(.contact, addresses.map(\.description))
        }
    }

    /// The Route set, first hop first.
    public func route() throws(SIPParseError) -> [NameAddress] { try list(.route) }
    /// The Record-Route set in message order.
    public func recordRoute() throws(SIPParseError) -> [NameAddress] { try list(.recordRoute) }
    public mutating func setRoute(_ route: [NameAddress]) { setAll(.route, route.map(\.description)) }
    public mutating func setRecordRoute(_ route: [NameAddress]) { setAll(.recordRoute, route.map(\.description)) }
}
