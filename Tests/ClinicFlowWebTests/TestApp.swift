import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
@testable import ClinicFlowWeb
import Foundation
import Logging
import Synchronization
import Vapor
import VaporTesting

/// Collects log lines in memory so tests can check what is (and is not) logged.
final class CapturedLogs: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var sink: LogSink { LogSink { line in self.lines.withLock { $0.append(line) } } }

    func logger(level: Logger.Level = .info) -> Logger {
        let sink = self.sink
        return Logger(label: "clinicflow.test") { label in JSONLogHandler(label: label, level: level, sink: sink) }
    }
}

/// A configured application on a fresh test database, using the real `configure`.
func withApp(
    _ database: TestDatabase,
    environment: [String: String] = [:],
    jobs: JobRegistry = JobRegistry(),
    logs: CapturedLogs = CapturedLogs(),
    logLevel: Logger.Level = .info,
    _ body: (Application, ClinicFlowServices) async throws -> Void
) async throws {
    let location = try await database.makeLocation()
    // Suites send hundreds of requests from one address: limits are off unless a test sets them.
    var env = [
        "CLINICFLOW_ENV": "testing", "CLINICFLOW_JOBS_IN_PROCESS": "false", "CLINICFLOW_RATE_LIMIT_PER_MINUTE": "0",
        "CLINICFLOW_TOKEN_RATE_LIMIT_PER_MINUTE": "0", "CLINICFLOW_WEBHOOK_RATE_LIMIT_PER_MINUTE": "0",
    ]
    env.merge(environment) { _, new in new }
    var config = try ConfigLoader.load(environment: env, fileText: nil, persistDevelopmentSecrets: false).config
    config.database.location = location.location
    let services = try await ClinicFlowServices.start(config: config, logger: logs.logger(level: logLevel), jobs: jobs)
    let app = try await ClinicFlowApp.makeApplication(services: services)
    do {
        try await body(app, services)
    } catch {
        await app.server.shutdown()
        try? await app.asyncShutdown()
        await location.cleanup()
        throw error
    }
    // A test that started the HTTP server may have stopped it; if not, it stops here, whichever way the
    // test ended (Vapor asserts when a started server is released running).
    await app.server.shutdown()
    try await app.asyncShutdown()
    await location.cleanup()
}

extension TestingHTTPResponse {
    func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(buffer: body))
        guard let dictionary = object as? [String: Any] else { throw TestAppError.notAnObject }
        return dictionary
    }
}

enum TestAppError: Error {
    case notAnObject
}
