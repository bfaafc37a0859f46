import ClinicFlowEngine
import ClinicFlowProviders
import ClinicFlowStore
import ClinicFlowTestSupport
@testable import ClinicFlowWeb
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite struct OperationsEndpointTests {
    @Test(arguments: TestDatabase.available)
    func liveAndReadyAnswerWhenTheDatabaseIsUp(database: TestDatabase) async throws {
        try await withApp(database) { app, _ in
            let tester = try app.testing()
            let live = try await tester.sendRequest(.GET, "/live")
            #expect(live.status == .ok)
            #expect(try live.json()["status"] as? String == "live")
            let ready = try await tester.sendRequest(.GET, "/ready")
            #expect(ready.status == .ok)
            #expect(try ready.json()["database"] as? String == "ok")
        }
    }

    @Test func readyIsUnavailableWhenTheDatabaseIsUnreachable() async throws {
        var config = try ConfigLoader.load(environment: ["CLINICFLOW_ENV": "testing"], fileText: nil, persistDevelopmentSecrets: false).config
        // Port 1 on loopback: connection refused at once.
        config.database.location = .postgres(url: "postgres://nobody@127.0.0.1:1/none?sslmode=disable")
        config.jobs.runInProcess = false
        let services = try await ClinicFlowServices.start(config: config, logger: .quiet, migrate: false)
        let app = try await ClinicFlowApp.makeApplication(services: services)
        let tester = try app.testing()
        let ready = try await tester.sendRequest(.GET, "/ready")
        let live = try await tester.sendRequest(.GET, "/live")
        let health = try await tester.sendRequest(.GET, "/health")
        try await app.asyncShutdown()

        #expect(ready.status == .serviceUnavailable)
        #expect(try ready.json()["database"] as? String == "unreachable")
        #expect(live.status == .ok)  // the process itself is fine; restarting it would not help
        #expect(health.status == .serviceUnavailable)
        #expect(try health.json()["status"] as? String == "degraded")
    }

    @Test(arguments: TestDatabase.available)
    func healthSummarisesTheQueue(database: TestDatabase) async throws {
        try await withApp(database) { app, services in
            try await services.queue.enqueue(JobRequest(kind: "a"))
            try await services.queue.enqueue(JobRequest(kind: "b", queue: "outbox"))
            try await services.queue.enqueue(JobRequest(kind: "c", maxAttempts: 1))
            await services.worker.drain()  // no handlers registered: all three are dead letters now
            try await services.queue.enqueue(JobRequest(kind: "d"))

            let response = try await app.testing().sendRequest(.GET, "/health")
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(body["status"] as? String == "ok")
            #expect(body["mode"] as? String == "testing")
            let jobs = try #require(body["jobs"] as? [String: Any])
            #expect(jobs["queued"] as? Int == 1)
            #expect(jobs["dead"] as? Int == 3)
            #expect(jobs["running"] as? Int == 0)
            let db = try #require(body["database"] as? [String: Any])
            #expect(db["kind"] as? String == database.rawValue)
        }
    }

    @Test(arguments: TestDatabase.available)
    func metricsExposeRequestsJobsAndQueueDepth(database: TestDatabase) async throws {
        var jobs = JobRegistry()
        jobs.register("ok") { _ in }
        jobs.register("broken") { _ in throw PermanentJobError("nope") }
        try await withApp(database, jobs: jobs) { app, services in
            try await services.queue.enqueue(JobRequest(kind: "ok"))
            try await services.queue.enqueue(JobRequest(kind: "ok"))
            try await services.queue.enqueue(JobRequest(kind: "broken"))
            await services.worker.drain()
            try await services.queue.enqueue(JobRequest(kind: "ok", queue: "outbox", runAt: Date().addingTimeInterval(3600)))

            let tester = try app.testing()
            _ = try await tester.sendRequest(.GET, "/live")
            _ = try await tester.sendRequest(.GET, "/no/such/page")
            let response = try await tester.sendRequest(.GET, "/metrics")
            #expect(response.status == .ok)
            #expect(response.headers.contentType?.description.hasPrefix("text/plain") == true)
            let text = String(buffer: response.body)
            #expect(text.contains(#"http_requests_total{method="GET",route="/live",status="200"} 1"#))
            #expect(text.contains(#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#))
            #expect(text.contains(#"http_request_duration_seconds_count{method="GET",route="/live"} 1"#))
            #expect(text.contains(#"clinicflow_jobs_total{kind="ok",outcome="succeeded"} 2"#))
            #expect(text.contains(#"clinicflow_jobs_total{kind="broken",outcome="dead_lettered"} 1"#))
            #expect(text.contains(#"clinicflow_queue_depth_jobs{queue="outbox",status="queued"} 1.0"#))
            #expect(text.contains(#"clinicflow_queue_depth_jobs{queue="default",status="dead"} 1.0"#))
            #expect(text.contains(#"clinicflow_queue_depth_jobs{queue="default",status="queued"} 0.0"#))
        }
    }

    @Test func unknownRoutesGetAJSONErrorWithTheCorrelationID() async throws {
        try await withApp(.sqlite) { app, _ in
            let tester = try app.testing()
            let response = try await tester.sendRequest(.GET, "/nowhere", headers: ["X-Correlation-ID": "req-7f3a"])
            #expect(response.status == .notFound)
            #expect(response.headers.first(name: "X-Correlation-ID") == "req-7f3a")
            let body = try response.json()
            #expect(body["error"] as? String == "not_found")
            #expect(body["reason"] as? String == "no route for GET /nowhere")
            #expect(body["correlation_id"] as? String == "req-7f3a")

            let wrongMethod = try await tester.sendRequest(.POST, "/health")
            #expect(wrongMethod.status == .notFound)
            #expect(wrongMethod.headers.contentType == .json)
        }
    }

    @Test func unsafeCorrelationIDsAreReplaced() async throws {
        try await withApp(.sqlite) { app, _ in
            let tester = try app.testing()
            let injected = try await tester.sendRequest(.GET, "/live", headers: ["X-Correlation-ID": "evil\",\"level\":\"error"])
            let generated = try #require(injected.headers.first(name: "X-Correlation-ID"))
            #expect(UUID(uuidString: generated) != nil)
            let requestID = try await tester.sendRequest(.GET, "/live", headers: ["X-Request-ID": "abc.123:x"])
            #expect(requestID.headers.first(name: "X-Correlation-ID") == "abc.123:x")
        }
    }

    @Test func accessLogsCarryTheCorrelationIDButNotQueryStrings() async throws {
        let logs = CapturedLogs()
        try await withApp(.sqlite, logs: logs) { app, _ in
            _ = try await app.testing().sendRequest(
                .GET, "/live?hub.verify_token=s3cr3t-token&hub.challenge=1", headers: ["X-Correlation-ID": "trace-1"]
            )
        }
        let line = try #require(logs.all.first { $0.contains(#""msg":"request""#) })
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(fields["correlation_id"] as? String == "trace-1")
        #expect(fields["path"] as? String == "/live")
        #expect(fields["status"] as? String == "200")
        #expect(fields["level"] as? String == "info")
        #expect(!logs.all.joined().contains("s3cr3t-token"))
    }

    /// Even at `trace`, a webhook's way through ingest and intake leaves no message text, phone number
    /// or name in the logs (the SQL log printed every bound value until it was switched off).
    @Test(arguments: TestDatabase.available)
    func traceLogsCarryNoPatientData(database: TestDatabase) async throws {
        let logs = CapturedLogs()
        try await withApp(database, logs: logs, logLevel: .trace) { app, services in
            let channel = try await app.makeChannel(services, provider: .meta, credentials: ["app_secret": ProviderCase.metaSecret])
            let body = ProviderCase.metaMessage(id: "wamid.LOG", text: "Sangramento na gengiva XQ7781")
                .replacingOccurrences(of: "\"Maria\"", with: "\"Joaquina Albuquerque\"")
            let response = try await app.testing().sendRequest(.POST, "/hooks/meta/\(channel.id)", headers: [
                "Content-Type": "application/json",
                "X-Hub-Signature-256": "sha256=" + Digest.hmacSHA256Hex(key: ProviderCase.metaSecret, message: Array(body.utf8)),
            ], body: ByteBuffer(string: body))
            #expect(response.status == .ok)
            await services.worker.drain()
            let contacts = try await services.store.sql().raw("SELECT COUNT(*) AS n FROM contacts").first(decodingColumn: "n", as: Int.self)
            #expect(contacts == 1, "the message was taken in")
        }
        let text = logs.all.joined()
        #expect(logs.all.count > 20, "trace logging was on")
        for secret in ["XQ7781", "Sangramento", "987654321", "Joaquina", "Albuquerque"] {
            #expect(!text.contains(secret), "\(secret) appears in the logs")
        }
    }
}
