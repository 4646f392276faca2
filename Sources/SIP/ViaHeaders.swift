import ByteText
/// Typed access to the Via headers, in the order a response travels back.
extension SIPHeaders {
    /// All Via values, top first, across every Via field and comma-separated element.
    public func via() throws(SIPParseError) -> [Via] {
        var result: [Via] = []
        // Parsed straight off each field's bytes, elements separated by commas: this runs for
        // every message received, so no intermediate strings.
        for field in fields where field.name == .via {
            var cursor = ByteCursor(field.value)
            while true {
                cursor.skipWhitespace()
                guard let next = cursor.peek(), next != ASCII.comma else {
                    throw SIPParseError(.invalidHeaderValue, "Empty Via value", header: HeaderName.via.name)
                }
                do {
                    result.append(try Via.parse(&cursor))
                } catch {
                    throw error.attributed(to: .via)
                }
                cursor.skipWhitespace()
                if cursor.isAtEnd { break }
                guard cursor.consume(ASCII.comma) else {
                    throw SIPParseError(.invalidHeaderValue, "unexpected text after Via value", header: HeaderName.via.name)
                }
            }
        }
        return result
    }

    /// The top Via: who sent this request, or where this response goes next.
    public func topVia() throws(SIPParseError) -> Via {
        guard let top = try via().first else {
            throw SIPParseError(.missingHeader, "Missing Via header", header: HeaderName.via.name)
        }
        return top
    }

    /// Replaces the top Via value, leaving the others (even ones sharing its field) untouched; how
    /// a server records `received` and `rport` (RFC 3261 §18.2.1, RFC 3581 §4).
    public mutating func setTopVia(_ via: Via) {
        guard let index = fields.firstIndex(where: { $0.name == .via }) else {
            add(.via, via.description)
            return
        }
        var elements = CommaList.split(fields[index].value)
        elements[0] = via.description
        var field = fields[index]
        field.value = elements.joined(separator: ", ")
        remove(at: index)
        insert(field, at: index)
    }

    /// Pushes a Via on top, as a client or proxy does before sending a request.
    public mutating func prependVia(_ via: Via) {
        prepend(.via, via.description)
    }

    /// Removes the top Via value, as a proxy does before forwarding a response.
    public mutating func removeTopVia() {
        guard let index = fields.firstIndex(where: { $0.name == .via }) else { return }
        var elements = CommaList.split(fields[index].value)
        elements.removeFirst()
        remove(at: index)
        if !elements.isEmpty {
            insert(SIPHeaderField(.via, elements.joined(separator: ", ")), at: index)
        }
    }

    /// Replaces all Via headers with these, one field each.
    public mutating func setVia(_ vias: [Via]) {
        setAll(.via, vias.map(\.description))
    }
}
