import AsyncHTTPClient
import ClinicFlowDomain
import Foundation
import NIOCore
import NIOHTTP1

/// A client for any OpenAI-compatible `/chat/completions` endpoint (OpenAI, Groq, Ollama, vLLM),
/// asking for JSON that follows a schema (`response_format: json_schema`).
public struct ChatCompletionsClient: Sendable {
    public struct Endpoint: Sendable, Equatable {
        /// Up to the version segment: `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`.
        public var baseURL: String
        public var apiKey: String?
        public var model: String
        public var timeout: TimeInterval

        public init(baseURL: String, apiKey: String?, model: String, timeout: TimeInterval) {
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.model = model
            self.timeout = timeout
        }

        public var url: String {
            let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            return base.hasSuffix("/chat/completions") ? base : base + "/chat/completions"
        }
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case timeout(TimeInterval)
        case status(UInt)
        case transport(String)
        case invalidResponse(String)

        public var description: String {
            switch self {
            case .timeout(let seconds): "no answer within \(Int(seconds)) s"
            case .status(let code): "the endpoint answered HTTP \(code)"
            case .transport(let reason): "could not reach the endpoint: \(reason)"
            case .invalidResponse(let reason): "the answer was not usable: \(reason)"
            }
        }
    }

    private let http: HTTPClient

    public init(http: HTTPClient = .shared) { self.http = http }

    /// The assistant message's content, which the schema makes a JSON document.
    public func complete(system: String, user: String, schemaName: String, schema: [String: Any], endpoint: Endpoint) async throws(Failure) -> String {
        let body: [String: Any] = [
            "model": endpoint.model,
            "temperature": 0,
            "messages": [["role": "system", "content": system], ["role": "user", "content": user]],
            "response_format": ["type": "json_schema", "json_schema": ["name": schemaName, "strict": true, "schema": schema]],
        ]
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let key = endpoint.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        do {
            request.body = .bytes(ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))))
        } catch {
            throw .invalidResponse("the request could not be encoded")
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .milliseconds(Int64(endpoint.timeout * 1000)))
            bytes = try await response.body.collect(upTo: 1 << 20)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw .timeout(endpoint.timeout)
        } catch {
            throw .transport(String(describing: type(of: error)))
        }
        guard (200..<300).contains(response.status.code) else { throw .status(response.status.code) }
        struct Completion: Decodable {
            struct Choice: Decodable {
                struct Message: Decodable { var content: String? }
                var message: Message
            }
            var choices: [Choice]
        }
        guard let completion = try? JSONCoding.plainDecoder.decode(Completion.self, from: Data(bytes.readableBytesView)) else {
            throw .invalidResponse("not a chat completion")
        }
        guard let content = completion.choices.first?.message.content, !content.isEmpty else {
            throw .invalidResponse("no message content")
        }
        return content
    }
}
