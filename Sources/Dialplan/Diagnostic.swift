/// One problem found while loading or checking dialplan files, placed so an editor can jump to it.
/// Errors keep a folder from loading; warnings are printed and the plan still loads.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    /// Whether the problem stops the folder from loading.
    public enum Severity: String, Sendable, Equatable {
        case error, warning
    }

    public var location: SourceLocation
    public var message: String
    public var severity: Severity

    public init(_ location: SourceLocation, _ message: String, severity: Severity = .error) {
        self.location = location
        self.message = message
        self.severity = severity
    }

    /// `file:line:column: message` for errors (the form compilers use, so editors jump to it), and
    /// `file:line:column: warning: message` for warnings.
    public var description: String {
        severity == .error ? "\(location): \(message)" : "\(location): warning: \(message)"
    }
}

/// A dialplan folder that failed to load or check: every error found, in file order.
public struct DialplanLoadError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}

extension SourceLocation {
    /// The location of an element's start tag, or of one of its attributes when the scan found it.
    static func of(_ node: XMLElementNode, attribute: String? = nil, file: String) -> SourceLocation {
        if let attribute, let p = node.attributePositions[attribute] {
            return SourceLocation(file: file, line: p.line, column: p.column)
        }
        if let p = node.position {
            return SourceLocation(file: file, line: p.line, column: p.column)
        }
        return SourceLocation(file: file, line: node.line)
    }
}
