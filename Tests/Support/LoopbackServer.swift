import Foundation
import Synchronization
import Vapor

/// A real HTTP server on 127.0.0.1 that plays a provider (an OpenAI-compatible endpoint, WhatsApp's
/// Graph API, …) in tests: the code under test makes real requests over the loopback interface, and
/// the test reads back exactly what arrived.
public final class LoopbackServer: Sendable {
    public struct Received: Sendable {
        public var method: String
        public var path: String
        /// The query string, undecoded (`q=…&page=2`).
        public var query: String?
        public var headers: [(String, String)]
        public var body: Data

        public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }

        /// A query parameter, percent-decoded.
        public func parameter(_ name: String) -> String? {
            (query ?? "").split(separator: "&").lazy.compactMap { pair -> String? in
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.first == name else { return nil }
                return (parts.count > 1 ? parts[1] : "").replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }.first
        }

        /// The last path component (`/rest/people/<id>` → id).
        public var lastPathComponent: String { String(path.split(separator: "/").last ?? "") }
    }

    public typealias Handler = @Sendable (Received) async throws -> Response

    private let app: Application
    private let log = Mutex<[Received]>([])
    public let baseURL: String

    private init(app: Application, baseURL: String) {
        self.app = app
        self.baseURL = baseURL
    }

    /// Starts a server answering `routes` (method + path → handler); anything else is a 404.
    public static func start(_ routes: [(HTTPMethod, String, Handler)]) async throws -> LoopbackServer {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .error
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        let box = ServerBox()
        for (method, path, handler) in routes {
            app.on(method, path.split(separator: "/").map { PathComponent(stringLiteral: String($0)) }, body: .collect(maxSize: "10mb")) { request async throws -> Response in
                let received = Received(
                    method: request.method.rawValue, path: request.url.path, query: request.url.query,
                    headers: request.headers.map { ($0.name, $0.value) },
                    body: request.body.data.map { Data($0.readableBytesView) } ?? Data()
                )
                box.server?.log.withLock { $0.append(received) }
                return try await handler(received)
            }
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError, reason: "no port") }
        let server = LoopbackServer(app: app, baseURL: "http://127.0.0.1:\(port)")
        box.server = server
        return server
    }

    public var requests: [Received] { log.withLock { $0 } }

    public func stop() async {
        await app.server.shutdown()
        try? await app.asyncShutdown()
    }

    public static func json(_ object: Any, status: HTTPStatus = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(status: status, headers: ["Content-Type": "application/json"], body: .init(data: data))
    }
}

private final class ServerBox: @unchecked Sendable {
    // Written once before the server takes requests, read by handlers afterwards.
    nonisolated(unsafe) var server: LoopbackServer?
}
