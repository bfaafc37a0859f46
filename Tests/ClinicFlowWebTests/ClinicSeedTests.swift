import ClinicFlowDomain
import ClinicFlowTestSupport
@testable import ClinicFlowWeb
import Foundation
import Testing

@Suite struct ClinicSeedTests {
    @Test(arguments: TestDatabase.available)
    func seedsCreateThenUpdateClinicsAndEncryptedChannels(database: TestDatabase) async throws {
        let location = try await database.makeLocation()
        defer { Task { await location.cleanup() } }
        func start(secret: String, name: String) async throws -> ClinicFlowServices {
            var config = try ConfigLoader.load(
                environment: ["CLINICFLOW_ENV": "testing", "META_APP_SECRET": secret, "SUFFIX": "x"],
                fileText: ClinicSeedConfigTests.file.replacingOccurrences(of: "name: WhatsApp principal", with: "name: \(name)"),
                persistDevelopmentSecrets: false
            ).config
            config.database.location = location.location
            config.secrets.encryptionKey = Array(repeating: 7, count: 16) + Array(repeating: 9, count: 16)
            return try await ClinicFlowServices.start(config: config, logger: .quiet)
        }
        let channelID = try #require(UUID(uuidString: "6f1c2b1e-7d0a-4c55-9d7e-0c6a3e1b9f21"))

        let first = try await start(secret: "one", name: "WhatsApp principal")
        let clinic = try #require(try await first.engine.clinics.find(slug: "sorriso"))
        let (channel, credentials) = try #require(try await first.engine.channels.findWithCredentials(id: channelID))
        #expect(channel.clinicID == clinic.id)
        #expect(credentials["app_secret"] == "one")
        // At rest the secret is ciphertext.
        let raw = try await first.store.sql().raw("SELECT credentials FROM channels WHERE name = 'WhatsApp principal'").first(decodingColumn: "credentials", as: Data.self)
        #expect(raw.map { !String(decoding: $0, as: UTF8.self).contains("one") } == true)
        await first.shutdown()

        // A restart with a rotated secret and a renamed channel updates the same rows.
        let second = try await start(secret: "two", name: "WhatsApp SP")
        #expect(try await second.engine.clinics.all().count == 1)
        #expect(try await second.engine.clinics.find(slug: "sorriso")?.id == clinic.id)
        let updated = try #require(try await second.engine.channels.findWithCredentials(id: channelID))
        #expect(updated.0.name == "WhatsApp SP")
        #expect(updated.1["app_secret"] == "two")
        #expect(try await second.engine.channels.list(clinicID: clinic.id).count == 2)
        await second.shutdown()
    }

    /// Servers started together on a fresh database: they migrate and apply clinicflow.yml in turn,
    /// all start, and the clinic and its channel exist once.
    @Test(arguments: TestDatabase.available)
    func serversStartingTogetherCreateTheClinicOnce(database: TestDatabase) async throws {
        let location = try await database.makeLocation()
        var config = try ConfigLoader.load(
            environment: ["CLINICFLOW_ENV": "testing", "META_APP_SECRET": "one", "SUFFIX": "x"],
            fileText: ClinicSeedConfigTests.file, persistDevelopmentSecrets: false
        ).config
        config.database.location = location.location
        config.secrets.encryptionKey = Array(repeating: 7, count: 16) + Array(repeating: 9, count: 16)
        let shared = config
        let started = await withTaskGroup(of: Result<ClinicFlowServices, any Error>.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    do { return .success(try await ClinicFlowServices.start(config: shared, logger: .quiet)) } catch { return .failure(error) }
                }
            }
            return await group.reduce(into: [Result<ClinicFlowServices, any Error>]()) { $0.append($1) }
        }
        let services = started.compactMap { try? $0.get() }
        #expect(services.count == 3, "every server starts: \(started.compactMap { if case .failure(let error) = $0 { String(reflecting: error) } else { nil } })")
        if let first = services.first {
            #expect(try await first.engine.clinics.all().count == 1)
            let clinic = try #require(try await first.engine.clinics.find(slug: "sorriso"))
            #expect(try await first.engine.channels.list(clinicID: clinic.id).count == 2)
        }
        for each in services { await each.shutdown() }
        await location.cleanup()
    }
}
