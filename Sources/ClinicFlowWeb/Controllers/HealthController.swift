import ClinicFlowStore
import Foundation
import Vapor

/// `/live` (the process answers), `/ready` (it can reach its database) and `/health` (a summary for people).
struct HealthController: RouteCollection {
    let services: ClinicFlowServices

    func boot(routes: any RoutesBuilder) throws {
        routes.get("live", use: live)
        routes.get("ready", use: ready)
        routes.get("health", use: health)
    }

    struct Status: Content {
        var status: String
        var database: String?
    }

    @Sendable func live(req: Request) async throws -> Status {
        Status(status: "live")
    }

    @Sendable func ready(req: Request) async throws -> Response {
        let reachable = await databaseReachable()
        let body = Status(status: reachable ? "ready" : "not_ready", database: reachable ? "ok" : "unreachable")
        let response = Response(status: reachable ? .ok : .serviceUnavailable)
        try response.content.encode(body)
        return response
    }

    struct Health: Content {
        var status: String
        var version: String
        var mode: String
        var uptime_seconds: Int
        var database: Database
        var jobs: Jobs

        struct Database: Content {
            var kind: String
            var reachable: Bool
        }

        struct Jobs: Content {
            var in_process_workers: Bool
            var queued: Int?
            var running: Int?
            var dead: Int?
        }
    }

    @Sendable func health(req: Request) async throws -> Response {
        let depth = try? await services.queue.depth()
        func total(_ status: JobStatus) -> Int? { depth.map { $0.filter { $0.status == status }.reduce(0) { $0 + $1.count } } }
        let reachable = depth != nil
        let body = Health(
            status: reachable ? "ok" : "degraded",
            version: ClinicFlowVersion.current,
            mode: services.config.mode.rawValue,
            uptime_seconds: Int(Date().timeIntervalSince(services.startedAt)),
            database: .init(kind: services.store.kind.rawValue, reachable: reachable),
            jobs: .init(
                in_process_workers: services.config.jobs.runInProcess,
                queued: total(.queued), running: total(.running), dead: total(.dead)
            )
        )
        let response = Response(status: reachable ? .ok : .serviceUnavailable)
        try response.content.encode(body)
        return response
    }

    private func databaseReachable() async -> Bool {
        do {
            try await services.store.ping()
            return true
        } catch {
            return false
        }
    }
}
