import ArgumentParser
import ClinicFlowStore
import ClinicFlowWeb

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Bring the database schema up to date.")

    @OptionGroup var options: GlobalOptions

    @Flag(help: "List pending migrations without applying them.")
    var dryRun = false

    @Flag(help: "Revert every migration (drops all ClinicFlow tables and their data).")
    var revertAll = false

    func run() async throws {
        let (config, logger) = try Bootstrap.load(options)
        let store = try await Store.open(config.database, logger: logger)
        do {
            let pending = try await store.pendingMigrations()
            if dryRun {
                print(pending.isEmpty ? "the schema is up to date" : "pending migrations:\n" + pending.map { "  \($0)" }.joined(separator: "\n"))
            } else if revertAll {
                try await store.revertAll()
                print("reverted every migration")
            } else {
                try await store.migrate()
                print(pending.isEmpty ? "the schema was already up to date" : "applied \(pending.count) migration(s): \(pending.joined(separator: ", "))")
            }
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
    }
}
