import ArgumentParser
import ClinicFlowWeb

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Try ClinicFlow: SQLite in ./data, a demo clinic with leads, http://localhost:8080."
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Port to listen on.")
    var port: Int?

    func run() async throws {
        let (config, logger) = try Bootstrap.load(options) { config in
            if let port { config.port = port }
            config.jobs.runInProcess = true
        }
        guard config.mode != .production else {
            FileHandleOutput.standardError("the demo seeds known passwords; it does not run with CLINICFLOW_ENV=production\n")
            throw ExitCode(78)
        }
        let services = try await ClinicFlowServices.start(config: config, logger: logger)
        do {
            try await DemoSeeder.seed(services, logger: logger)
        } catch {
            await services.shutdown()
            throw error
        }
        let logins = DemoSeeder.logins.map { "  \($0.email) (\($0.role.rawValue))" }.joined(separator: "\n")
        print("""

            ClinicFlow demo: http://localhost:\(config.port)
            Sign in with any of these, password \(DemoSeeder.password):
            \(logins)
            API: POST http://localhost:\(config.port)/api/v1/auth/login, then /api/v1/clinics (document: /api/v1/openapi.json)

            """)
        try await ClinicFlowApp.serve(services: services)
    }
}
