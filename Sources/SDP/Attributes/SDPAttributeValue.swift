/// A typed view of one kind of value attribute (`a=<name>:<value>`), convertible both ways.
///
/// Conformers parse leniently and return nil for values they cannot make sense of; the raw attribute stays in
/// the list regardless, so a value we misread is never lost.
public protocol SDPAttributeValue: Sendable, Equatable {
    /// The attribute name this type reads and writes, e.g. `candidate`.
    static var attributeName: String { get }
    /// Parses the text after `a=<name>:`; nil when it is malformed.
    init?(attributeValue: String)
    /// The text to write after `a=<name>:`.
    var attributeValue: String { get }
}
