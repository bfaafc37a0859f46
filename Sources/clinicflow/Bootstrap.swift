import ArgumentParser
import ClinicFlowWeb
import Foundation
import Logging

/// Start-up shared by the commands: configuration first (so a bad setting fails before anything
/// opens), then JSON logging at the configured level.
enum Bootstrap {
    static func load(_ options: GlobalOptions, adjust: (inout AppConfig) -> Void = { _ in }) throws -> (AppConfig, Logger) {
        MallocTuning.apply()
        var loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.loadFromProcess(configPath: options.config)
        } catch let error as ConfigError {
            FileHandleOutput.standardError(error.description + "\n")
            throw ExitCode(78)  // EX_CONFIG
        }
        adjust(&loaded.config)
        let level = loaded.config.logLevel
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let logger = Logger(label: "clinicflow")
        for notice in loaded.notices { logger.notice("\(notice)") }
        return (loaded.config, logger)
    }
}

enum FileHandleOutput {
    static func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
