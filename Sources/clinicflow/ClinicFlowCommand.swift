import ArgumentParser
import ClinicFlowWeb

@main
struct ClinicFlowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clinicflow",
        abstract: "ClinicFlow: every patient lead of a clinic in one place, answered fast.",
        version: ClinicFlowVersion.current,
        subcommands: [Serve.self, Worker.self, Migrate.self, Demo.self, CreateUser.self, Simulate.self, EvalScoring.self, OpenAPI.self, BenchQueue.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Path to a clinicflow.yml (default: ./clinicflow.yml when present, or $CLINICFLOW_CONFIG).")
    var config: String?
}
