import ClinicFlowEngine
import ClinicFlowStore
import Foundation
import Logging

/// Creates or updates the clinics and channels declared in `clinicflow.yml`, in one transaction.
enum SeedApplier {
    static func apply(_ seeds: [ClinicSeed], engine: EngineComponents, logger: Logger) async throws {
        guard !seeds.isEmpty else { return }
        try await engine.store.db.withTransaction { transaction in
            for seed in seeds {
                let clinic = try await engine.clinics.upsert(seed.clinic, on: transaction)
                if let assistant = seed.assistant { try await engine.scoring.saveAssistantSettings(assistant, clinicID: clinic.id, on: transaction) }
                if let scheduling = seed.scheduling { try await engine.scoring.saveSchedulingSettings(scheduling, clinicID: clinic.id, on: transaction) }
                for var channelSeed in seed.channels {
                    channelSeed.channel.clinicID = clinic.id
                    if let existing = try await engine.channels.find(id: channelSeed.channel.id, on: transaction) {
                        guard existing.clinicID == clinic.id else {
                            throw ConfigError(["channel \(existing.id) in clinicflow.yml belongs to another clinic in the database"])
                        }
                        try await engine.channels.update(channelSeed.channel, credentials: channelSeed.credentials, on: transaction)
                    } else {
                        _ = try await engine.channels.create(channelSeed.channel, credentials: channelSeed.credentials, on: transaction)
                    }
                }
            }
        }
        for seed in seeds {
            for channel in seed.channels { engine.channelDirectory.invalidate(channel.channel.id) }
        }
        logger.info("applied clinics from clinicflow.yml", metadata: [
            "clinics": "\(seeds.count)", "channels": "\(seeds.map(\.channels.count).reduce(0, +))",
        ])
    }
}
