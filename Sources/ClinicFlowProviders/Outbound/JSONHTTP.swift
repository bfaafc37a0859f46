import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// POSTs JSON and reads a JSON answer, sorting failures into what the outbox does next: connection
/// refused means nothing was sent (retry); a timeout after the request went out may have sent it.
public struct JSONHTTP: Sendable {
    public enum Result: Sendable {
        case response(status: UInt, body: Data)
        case notSent(String)
        case maybeSent(String)
    }

    let client: HTTPClient

    public init(client: HTTPClient = .shared) { self.client = client }

    public func post(_ url: String, headers: [(String, String)], json: [String: Any], timeout: TimeInterval) async -> Result {
        await request(.POST, url, headers: headers, json: json, timeout: timeout)
    }

    /// Any method; `json` nil sends no body (GET).
    public func request(_ method: HTTPMethod, _ url: String, headers: [(String, String)], json: [String: Any]?, timeout: TimeInterval) async -> Result {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            guard let body = try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes]) else {
                return .notSent("the request could not be encoded")
            }
            request.body = .bytes(ByteBuffer(bytes: Array(body)))
        }
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return .response(status: response.status.code, body: Data(bytes.readableBytesView))
        } catch let error as HTTPClientError where error == .connectTimeout {
            return .notSent("could not connect")
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .maybeSent("no answer within \(Int(timeout)) s")
        } catch let error as HTTPClientError where error == .invalidURL || error == .emptyHost || error == .emptyScheme {
            return .notSent("invalid URL")
        } catch {
            // Refused connections surface as NIO socket errors before any byte is written.
            let description = String(describing: error)
            if description.contains("NIOConnectionError") || description.contains("connectionErrors") || description.contains("Connection refused") {
                return .notSent("could not connect")
            }
            return .maybeSent("the connection failed: \(String(describing: type(of: error)))")
        }
    }
}

extension JSONHTTP.Result {
    /// The common reading: 2xx with an id found by `id`, 429/5xx retryable, other 4xx final.
    func outcome(id: (Any) -> String?, error: (Any) -> (code: Int?, message: String)?) -> SendOutcome {
        switch self {
        case .notSent(let reason): return .rejected(code: nil, reason: reason, retryable: true)
        case .maybeSent(let reason): return .unknown(reason: reason)
        case .response(let status, let body):
            let json = try? JSONSerialization.jsonObject(with: body)
            if (200..<300).contains(status) {
                guard let json, let messageID = id(json) else { return .unknown(reason: "HTTP \(status) without a message id") }
                return .sent(providerMessageID: messageID)
            }
            let detail = json.flatMap(error)
            let reason = "HTTP \(status)" + (detail.map { ": \($0.message)" } ?? "")
            return .rejected(code: detail?.code, reason: reason, retryable: status == 429 || status >= 500)
        }
    }
}
