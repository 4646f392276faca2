import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request to a loopback server: the status and body, or nil when it did not answer
/// within `timeout`.
public func httpRequest(_ url: String, method: String = "GET", headers: [String: String] = [:],
                        timeout: TimeInterval = 10) async -> (status: Int, body: String)? {
    await httpExchange(url, method: method, headers: headers, timeout: timeout).map { ($0.status, $0.body) }
}

/// The same with a request body, and the response's headers too (names lowercased).
public func httpExchange(_ url: String, method: String = "GET", headers: [String: String] = [:], body: [UInt8]? = nil,
                         timeout: TimeInterval = 10) async -> (status: Int, body: String, headers: [String: String])? {
    guard let u = URL(string: url) else { return nil }
    var request = URLRequest(url: u, timeoutInterval: timeout)
    request.httpMethod = method
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    request.httpBody = body.map { Data($0) }
    guard let (data, response) = try? await URLSession.shared.data(for: request), let http = response as? HTTPURLResponse else { return nil }
    var fields: [String: String] = [:]
    for (name, value) in http.allHeaderFields { fields["\(name)".lowercased()] = "\(value)" }
    return (http.statusCode, String(decoding: data, as: UTF8.self), fields)
}
