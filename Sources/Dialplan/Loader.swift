import Foundation

/// Where dialplan files are read from: the disk in production, memory in tests and the fuzzer.
public protocol DialplanFileSystem: Sendable {
    func read(_ path: String) throws -> [UInt8]
    /// The `*.xml` files directly inside `directory`, as paths (`directory/name.xml`), sorted.
    func xmlFiles(in directory: String) throws -> [String]
    func isDirectory(_ path: String) -> Bool
}

/// The local disk.
public struct LocalFileSystem: DialplanFileSystem {
    public init() {}

    public func read(_ path: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }

    public func xmlFiles(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".xml") && !$0.hasPrefix(".") }
            .sorted()
            .map { DialplanPath.join(directory, $0) }
    }

    public func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}

/// Files held in memory, by path.
public struct InMemoryFileSystem: DialplanFileSystem {
    public var files: [String: [UInt8]]

    public init(_ files: [String: String]) {
        self.files = files.mapValues { Array($0.utf8) }
    }

    public init(bytes: [String: [UInt8]]) {
        self.files = bytes
    }

    public func read(_ path: String) throws -> [UInt8] {
        guard let f = files[DialplanPath.normalize(path)] ?? files[path] else {
            throw CocoaError(.fileNoSuchFile)
        }
        return f
    }

    public func xmlFiles(in directory: String) throws -> [String] {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return files.keys.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".xml") && !$0.dropFirst(prefix.count).contains("/") }.sorted()
    }

    public func isDirectory(_ path: String) -> Bool {
        let prefix = path.hasSuffix("/") ? path : path + "/"
        return files.keys.contains { $0.hasPrefix(prefix) }
    }
}

/// Lexical path handling for includes, so the same file named two ways is read once.
enum DialplanPath {
    static func join(_ directory: String, _ name: String) -> String {
        if name.hasPrefix("/") || directory.isEmpty || directory == "." { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var out: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == "..", let last = out.last, last != ".." {
                out.removeLast()
                continue
            }
            if part == ".." && absolute { continue }
            out.append(part)
        }
        let joined = out.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}

/// The outcome of loading a folder: the plan when it is clean, and every diagnostic either way.
public struct DialplanLoadResult: Sendable {
    /// nil when any error was found.
    public var dialplan: Dialplan?
    public var diagnostics: [Diagnostic]

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }

    /// The plan, or every error.
    public func get() throws(DialplanLoadError) -> Dialplan {
        guard let dialplan else { throw DialplanLoadError(diagnostics: errors) }
        return dialplan
    }
}

/// Reads, compiles and checks dialplan files: a folder's `*.xml` (not its subfolders, which hold
/// files meant for `<include>`), following includes, then the checker's cross-references.
public enum DialplanLoader {
    /// Loads a folder's `*.xml` (a folder is what a running node serves), or one file and what it
    /// includes (`tandem dialplan check FILE`).
    public static func load(path: String, environment: DialplanEnvironment = .unchecked,
                            fileSystem: any DialplanFileSystem = LocalFileSystem()) -> DialplanLoadResult {
        fileSystem.isDirectory(path)
            ? load(directory: path, environment: environment, fileSystem: fileSystem)
            : load(files: [path], environment: environment, fileSystem: fileSystem)
    }

    /// Loads every `*.xml` in `directory`.
    public static func load(directory: String, environment: DialplanEnvironment = .unchecked,
                            fileSystem: any DialplanFileSystem = LocalFileSystem()) -> DialplanLoadResult {
        let roots: [String]
        do {
            roots = try fileSystem.xmlFiles(in: directory)
        } catch {
            return DialplanLoadResult(dialplan: nil, diagnostics: [
                Diagnostic(SourceLocation(file: directory, line: 0), "cannot read the dialplan folder: \(Self.describe(error))"),
            ])
        }
        guard !roots.isEmpty else {
            return DialplanLoadResult(dialplan: nil, diagnostics: [
                Diagnostic(SourceLocation(file: directory, line: 0), "no *.xml files in the dialplan folder"),
            ])
        }
        return load(files: roots, environment: environment, fileSystem: fileSystem)
    }

    /// Loads the given files (and what they include).
    public static func load(files roots: [String], environment: DialplanEnvironment = .unchecked,
                            fileSystem: any DialplanFileSystem = LocalFileSystem()) -> DialplanLoadResult {
        var compiler = Compiler()
        var queue: [(path: String, includedFrom: SourceLocation?)] = roots.map { (DialplanPath.normalize($0), nil) }
        var seen = Set<String>()
        var index = 0
        while index < queue.count {
            let (path, includedFrom) = queue[index]
            index += 1
            guard seen.insert(path).inserted else { continue }
            let bytes: [UInt8]
            do {
                bytes = try fileSystem.read(path)
            } catch {
                let location = includedFrom ?? SourceLocation(file: path, line: 0)
                compiler.diagnostics.append(Diagnostic(location, includedFrom == nil
                    ? "cannot read \(path): \(describe(error))"
                    : "included file \"\(path)\" cannot be read: \(describe(error))"))
                continue
            }
            compiler.files.append(path)
            let root: XMLElementNode
            do {
                root = try XMLSource.parse(bytes, file: path)
            } catch {
                compiler.diagnostics.append(Diagnostic(error.location, error.reason))
                continue
            }
            for include in compiler.compileFile(root, file: path) {
                let target = DialplanPath.normalize(DialplanPath.join(DialplanPath.directory(of: path), include.path))
                queue.append((target, include.location))
            }
        }
        var diagnostics = compiler.diagnostics
        let dialplan = compiler.finish()
        var checker = Checker(dialplan: dialplan, environment: environment)
        diagnostics += checker.check()
        diagnostics = diagnostics.enumerated().sorted { a, b in
            // Files in load order, then by position; otherwise keep discovery order.
            let fa = compiler.files.firstIndex(of: a.element.location.file) ?? Int.max
            let fb = compiler.files.firstIndex(of: b.element.location.file) ?? Int.max
            if fa != fb { return fa < fb }
            let la = (a.element.location.line, a.element.location.column ?? 0)
            let lb = (b.element.location.line, b.element.location.column ?? 0)
            if la != lb { return la < lb }
            return a.offset < b.offset
        }.map(\.element)
        let clean = !diagnostics.contains { $0.severity == .error }
        return DialplanLoadResult(dialplan: clean ? dialplan : nil, diagnostics: diagnostics)
    }

    /// Loads one document from text, for tests and tools.
    public static func load(text: String, file: String = "dialplan.xml",
                            environment: DialplanEnvironment = .unchecked) -> DialplanLoadResult {
        load(files: [file], environment: environment, fileSystem: InMemoryFileSystem([file: text]))
    }

    /// What went wrong reading, in words: the system's own for an errno, never a Foundation code.
    static func describe(_ error: any Error) -> String {
        let ns = error as NSError
        if let e = error as? CocoaError, e.code == .fileNoSuchFile || e.code == .fileReadNoSuchFile { return "no such file" }
        if let e = error as? CocoaError, e.code == .fileReadNoPermission { return "permission denied" }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return "unreadable"
    }
}
