import Foundation

/// A loaded, compiled dialplan folder: immutable, so a call can keep the one it started with while a
/// reload swaps in another. Build one with `DialplanLoader`; route calls with `evaluate`.
public struct Dialplan: Sendable {
    public let contexts: [String: Context]
    public let routeGroups: [String: RouteGroup]
    public let userGroups: [String: UserGroup]
    /// `<test>` cases from every file, in file order.
    public let tests: [DialplanTestCase]
    /// Every file read, includes too, in load order.
    public let files: [String]
    /// Context names in definition order, for listings.
    public let contextOrder: [String]

    init(contexts: [String: Context], routeGroups: [String: RouteGroup], userGroups: [String: UserGroup],
         tests: [DialplanTestCase], files: [String], contextOrder: [String]) {
        self.contexts = contexts
        self.routeGroups = routeGroups
        self.userGroups = userGroups
        self.tests = tests
        self.files = files
        self.contextOrder = contextOrder
    }

    /// Routes a call: tests the context's routes in order and returns the plan of actions for the
    /// gateway to carry out, with a trace of every test made. Pure: no I/O, same input, same result.
    public func evaluate(call: CallFields, context: String, at date: Date) -> RoutingResult {
        var evaluation = Evaluation(dialplan: self, call: call, context: context, at: date)
        return evaluation.run()
    }

    /// How many routes the plan holds, groups included.
    public var routeCount: Int {
        contexts.values.reduce(0) { $0 + $1.routeCount } + routeGroups.values.reduce(0) { $0 + $1.routeCount }
    }
}

/// A place routing starts (`from-browser`, `from-trunk`): ordered routes, and uses of route groups.
public struct Context: Sendable {
    public var name: String
    public var location: SourceLocation
    public var entries: [RouteEntry]

    var routeCount: Int { entries.reduce(0) { if case .route = $1 { $0 + 1 } else { $0 } } }
}

/// Reusable routes (`<route-group>`), run from a context with `<use>` or from a route with `<call>`,
/// like a subroutine.
public struct RouteGroup: Sendable {
    public var name: String
    public var location: SourceLocation
    public var entries: [RouteEntry]

    var routeCount: Int { entries.reduce(0) { if case .route = $1 { $0 + 1 } else { $0 } } }
}

/// Browser users rung together when a bridge targets the group.
public struct UserGroup: Sendable {
    public var name: String
    public var members: [String]
    public var location: SourceLocation
    /// Where the `members` attribute is, for reference errors.
    public var membersLocation: SourceLocation
}

/// One item of a context or route group.
public enum RouteEntry: Sendable {
    case route(Route)
    /// `<use group="..."/>`: the group's routes, tested here as if written in place.
    case use(group: String, location: SourceLocation)
}

/// Tests and actions: when every test passes, the actions run (otherwise the `<else>` actions, if
/// any). Routing stops at the first route that ran actions unless it says `continue="true"`.
/// A class, so walking a context costs one reference per route rather than a copy of its fields.
public final class Route: Sendable {
    public let name: String
    public let location: SourceLocation
    public let conditions: [Condition]
    public let actions: [Action]
    /// nil without an `<else>`; a route with one always runs some actions.
    public let elseActions: [Action]?
    public let continues: Bool

    init(name: String, location: SourceLocation, conditions: [Condition], actions: [Action], elseActions: [Action]?,
         continues: Bool) {
        self.name = name
        self.location = location
        self.conditions = conditions
        self.actions = actions
        self.elseActions = elseActions
        self.continues = continues
    }

    /// Whether the route runs actions for every call, so routes after it (unless it continues) are dead.
    public var alwaysRuns: Bool { conditions.isEmpty || elseActions != nil }
}
