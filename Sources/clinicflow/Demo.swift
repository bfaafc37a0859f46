import ArgumentParser
import ClinicFlowWeb

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Try ClinicFlow: SQLite in ./data, development secrets, http://localhost:8080."
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Port to listen on.")
    var port: Int?

    func run() async throws {
        let (config, logger) = try Bootstrap.load(options) { config in
            if let port { config.port = port }
            config.jobs.runInProcess = true
        }
        logger.notice("ClinicFlow demo: open http://localhost:\(config.port) (database: \(config.database.location.kind.rawValue))")
        try await Serve.serve(config: config, logger: logger)
    }
}
