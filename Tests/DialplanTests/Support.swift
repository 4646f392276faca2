import Foundation
import Testing
@testable import Dialplan

/// Helpers shared by the dialplan tests.
enum Support {
    /// Loads one in-memory file that must be free of errors.
    static func plan(_ text: String, file: String = "t.xml", environment: DialplanEnvironment = .unchecked,
                     sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Dialplan {
        let result = DialplanLoader.load(text: text, file: file, environment: environment)
        #expect(result.errors.isEmpty, "unexpected errors: \(result.errors)", sourceLocation: sourceLocation)
        return try #require(result.dialplan, sourceLocation: sourceLocation)
    }

    /// The diagnostics of one in-memory file, as `file:line:column: message` lines.
    static func diagnostics(_ text: String, file: String = "t.xml", environment: DialplanEnvironment = .unchecked) -> [String] {
        DialplanLoader.load(text: text, file: file, environment: environment).diagnostics.map(\.description)
    }

    /// A dialplan with one context `c` holding the given routes.
    static func context(_ routes: String, extra: String = "") -> String {
        "<dialplan>\n<context name=\"c\">\n\(routes)\n</context>\n\(extra)\n</dialplan>\n"
    }

    static let monday = DialplanTestCase.defaultTime

    static func route(_ plan: Dialplan, _ call: CallFields, context: String = "c", at: Date = monday) -> RoutingResult {
        plan.evaluate(call: call, context: context, at: at)
    }

    static func time(_ text: String) throws -> Date {
        try #require(Timestamp.parse(text))
    }

    /// The folder `dialplans/` of the repository, found from this file.
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}

extension RoutingResult {
    var stepNames: [String] { plan.map(\.name) }
}
