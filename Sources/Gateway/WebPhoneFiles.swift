import Foundation

/// The web phone's files (web/), read once at start and served from memory under a URL prefix: a
/// handful of small files, so nothing on disk is touched per request and nothing outside the folder
/// can be named.
struct WebPhoneFiles: Sendable {
    struct File: Sendable {
        let contentType: String
        let body: [UInt8]
    }

    let prefix: String
    private let files: [String: File]

    /// Reads every regular file directly in `directory`; `prefix` is the URL path they live under.
    init(directory: String, prefix: String) throws {
        self.prefix = prefix.hasSuffix("/") ? prefix : prefix + "/"
        var files: [String: File] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where !name.hasPrefix(".") {
            let types = ["html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
                         "json": "application/json", "svg": "image/svg+xml", "png": "image/png", "ico": "image/x-icon"]
            guard let type = types[(name as NSString).pathExtension.lowercased()],
                  let data = FileManager.default.contents(atPath: directory + "/" + name) else { continue }
            files[name] = File(contentType: type, body: Array(data))
        }
        self.files = files
    }

    /// The file a request path names: the prefix itself is `index.html`.
    func file(for path: String) -> File? {
        guard path.hasPrefix(prefix) || path + "/" == prefix else { return nil }
        let name = String(path.dropFirst(min(prefix.count, path.count)))
        return files[name.isEmpty ? "index.html" : name]
    }
}
