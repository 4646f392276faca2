import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request to a loopback server: the status and body, or nil when it did not answer
/// within `timeout`.
public func httpRequest(_ url: String, method: String = "GET", headers: [String: String] = [:],
                        timeout: TimeInterval = 10) async -> (status: Int, body: String)? {
    guard let u = URL(string: url) else { return nil }
    var request = URLRequest(url: u, timeoutInterval: timeout)
    request.httpMethod = method
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    guard let (data, response) = try? await URLSession.shared.data(for: request) else { return nil }
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
}
