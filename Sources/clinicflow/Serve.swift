import ArgumentParser
import ClinicFlowWeb
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP server (webhooks, API, console) with job workers in the same process."
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Address to listen on (default 127.0.0.1, or $CLINICFLOW_HOST).")
    var host: String?

    @Option(help: "Port to listen on (default 8080, or $CLINICFLOW_PORT).")
    var port: Int?

    @Flag(name: .customLong("no-workers"), help: "Do not run jobs here; leave them to `clinicflow worker` processes.")
    var noWorkers = false

    func run() async throws {
        let (config, logger) = try Bootstrap.load(options) { config in
            if let host { config.host = host }
            if let port { config.port = port }
            if noWorkers { config.jobs.runInProcess = false }
        }
        try await Self.serve(config: config, logger: logger)
    }

    static func serve(config: AppConfig, logger: Logger) async throws {
        let services = try await ClinicFlowServices.start(config: config, logger: logger)
        try await ClinicFlowApp.serve(services: services)
    }
}
