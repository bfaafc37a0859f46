import Foundation
import JWT
import Vapor

/// Builds the HTTP application. `serve`, `demo` and the tests all go through here.
public enum ClinicFlowApp {
    /// A Vapor application serving `services`, configured but not yet running.
    /// The application owns `services` from here on and shuts them down with itself.
    public static func makeApplication(services: ClinicFlowServices, arguments: [String] = ["clinicflow", "serve"]) async throws -> Application {
        let environment = Environment(name: services.config.mode.vaporName, arguments: arguments)
        let app = try await Application.make(environment)
        do {
            try await configure(app, services: services)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        return app
    }

    /// Serves HTTP until SIGINT/SIGTERM, then shuts down gracefully (running jobs get their grace period).
    public static func serve(services: ClinicFlowServices) async throws {
        let app: Application
        do {
            app = try await makeApplication(services: services)
        } catch {
            await services.shutdown()
            throw error
        }
        do {
            try await app.execute()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    /// The OpenAPI document, pretty-printed, for `clinicflow openapi`.
    public static func openAPIDocumentJSON() -> String {
        let encoder = JSONEncoder.sorted
        encoder.outputFormatting.insert(.prettyPrinted)
        return (try? String(decoding: encoder.encode(OpenAPIDocument.build(APIEndpoints.all)), as: UTF8.self)) ?? "{}"
    }

    public static func configure(_ app: Application, services: ClinicFlowServices) async throws {
        await app.jwt.keys.add(hmac: HMACKey(from: services.config.secrets.jwtSecret), digestAlgorithm: .sha256)
        let config = services.config
        app.logger = services.logger
        app.http.server.configuration.hostname = config.host
        app.http.server.configuration.port = config.port
        app.http.server.configuration.serverName = "ClinicFlow"
        app.routes.defaultMaxBodySize = ByteCount(integerLiteral: config.maxBodyBytes)

        // JSON in snake_case with ISO-8601 dates, for every API body.
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        ContentConfiguration.global.use(encoder: encoder, for: .json)
        ContentConfiguration.global.use(decoder: decoder, for: .json)

        app.middleware = Middlewares()
        app.middleware.use(CorrelationIDMiddleware())
        // Outside the error middleware, so error answers carry the security headers too.
        app.middleware.use(SecurityHeadersMiddleware(strictTransport: config.publicURL?.hasPrefix("https://") == true))
        app.middleware.use(AccessLogMiddleware(metrics: services.metrics, logLines: config.accessLog))
        app.middleware.use(JSONErrorMiddleware())
        app.middleware.use(BodyLimitMiddleware(maxBytes: config.maxBodyBytes))
        if !config.corsOrigins.isEmpty { app.middleware.use(APICORSMiddleware(origins: config.corsOrigins)) }
        let limits = config.rateLimits
        app.middleware.use(RateLimitMiddleware(
            perAddress: limits.perAddress > 0 ? RateLimiter(perMinute: limits.perAddress) : nil,
            perToken: limits.perToken > 0 ? RateLimiter(perMinute: limits.perToken) : nil,
            webhooksPerAddress: limits.webhooksPerAddress > 0 ? RateLimiter(perMinute: limits.webhooksPerAddress) : nil,
            trustForwardedFor: limits.trustForwardedFor
        ))

        try app.register(collection: HealthController(services: services))
        try app.register(collection: MetricsController(services: services))
        try app.register(collection: WebhookController(services: services))
        try app.register(collection: APIRoutes(services: services, endpoints: APIEndpoints.all))
        try app.register(collection: APIRoutes(services: services, endpoints: APIEndpoints.all, prefix: APIRoutes.consolePrefix, credentials: .session))
        let feeds = ConsoleFeeds()
        try app.register(collection: ConsoleRoutes(services: services, feeds: feeds))

        app.lifecycle.use(StoreLifecycle(services: services))
        if config.jobs.runInProcess {
            app.lifecycle.use(WorkerLifecycle(worker: services.worker))
        }
        // Shut down before the store closes (handlers stop in reverse order): live feeds end first.
        app.lifecycle.use(feeds)
    }
}

extension AppConfig.Mode {
    var vaporName: String {
        switch self {
        case .development: "development"
        case .production: "production"
        case .testing: "testing"
        }
    }
}
