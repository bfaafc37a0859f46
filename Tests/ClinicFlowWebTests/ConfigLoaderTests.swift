import ClinicFlowDomain
import ClinicFlowStore
@testable import ClinicFlowWeb
import Foundation
import Logging
import Testing

@Suite struct ConfigLoaderTests {
    static let strongJWT = "q7Xv2mL9pR4tW8zK1nB6cF3hJ5dS0gY2aE7uI9oP4k="
    static let strongKey = Data((0..<32).map { UInt8(($0 * 37 + 11) % 251) }).base64EncodedString()

    func load(_ environment: [String: String], file: String? = nil) throws -> LoadedConfig {
        try ConfigLoader.load(environment: environment, fileText: file, persistDevelopmentSecrets: false)
    }

    @Test func defaultsRunADevelopmentServerOnSQLite() throws {
        let loaded = try load([:])
        let config = loaded.config
        #expect(config.mode == .development)
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 8080)
        #expect(config.database.location == .sqlite(path: "./data/clinicflow.sqlite"))
        #expect(config.jobs.runInProcess)
        #expect(config.jobs.worker.concurrency == 4)
        #expect(config.maxBodyBytes == 1_048_576)
        #expect(config.secrets.jwtSecret.count >= 32)
        #expect(config.secrets.encryptionKey.count == 32)
        #expect(loaded.notices.count == 1)
        #expect(loaded.notices[0].contains("generated random CLINICFLOW_JWT_SECRET and CLINICFLOW_ENCRYPTION_KEY"))
        #expect(!loaded.notices[0].contains(config.secrets.jwtSecret))
    }

    @Test func generatedSecretsDifferEachTimeWhenNotPersisted() throws {
        #expect(try load([:]).config.secrets.jwtSecret != load([:]).config.secrets.jwtSecret)
    }

    @Test func databaseURLSelectsPostgreSQL() throws {
        let config = try load(["DATABASE_URL": "postgres://u:p@db:5432/cf", "CLINICFLOW_DB_POOL_SIZE": "3"]).config
        #expect(config.database.location == .postgres(url: "postgres://u:p@db:5432/cf"))
        #expect(config.database.postgresConnectionsPerLoop == 3)
    }

    @Test func productionRefusesMissingSecretsNamingThemButNotValues() throws {
        let error = try #require(throws: ConfigError.self) { try load(["CLINICFLOW_ENV": "production"]) }
        #expect(error.problems.count == 2)
        #expect(error.problems[0].hasPrefix("CLINICFLOW_JWT_SECRET is not set"))
        #expect(error.problems[1].hasPrefix("CLINICFLOW_ENCRYPTION_KEY is not set"))
    }

    @Test(arguments: [
        "x7Q-tiny",
        "changeme-changeme-changeme-changeme-42",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "abababababababababababababababababababab",
    ])
    func productionRefusesWeakJWTSecrets(secret: String) throws {
        let error = try #require(throws: ConfigError.self) {
            try load(["CLINICFLOW_ENV": "production", "CLINICFLOW_JWT_SECRET": secret, "CLINICFLOW_ENCRYPTION_KEY": Self.strongKey])
        }
        #expect(error.problems.count == 1)
        #expect(error.problems[0].hasPrefix("CLINICFLOW_JWT_SECRET "))
        #expect(!error.description.contains(secret))
    }

    @Test(arguments: [
        ("not base64!", "must be base64"),
        (Data(repeating: 7, count: 16).base64EncodedString(), "must decode to 32 bytes, not 16"),
        (Data(repeating: 0, count: 32).base64EncodedString(), "is not random enough"),
    ])
    func badEncryptionKeysAreRefusedWithTheReason(key: String, reason: String) throws {
        let error = try #require(throws: ConfigError.self) {
            try load(["CLINICFLOW_ENV": "production", "CLINICFLOW_JWT_SECRET": Self.strongJWT, "CLINICFLOW_ENCRYPTION_KEY": key])
        }
        #expect(error.problems == ["CLINICFLOW_ENCRYPTION_KEY \(reason) (generate one with `openssl rand -base64 32`)"])
        #expect(!error.description.contains(key))
    }

    @Test func productionStartsWithStrongSecretsAndSaysNothingAboutThem() throws {
        let loaded = try load([
            "CLINICFLOW_ENV": "production", "CLINICFLOW_JWT_SECRET": Self.strongJWT, "CLINICFLOW_ENCRYPTION_KEY": Self.strongKey,
        ])
        #expect(loaded.config.mode == .production)
        #expect(loaded.config.secrets.jwtSecret == Self.strongJWT)
        #expect(Data(loaded.config.secrets.encryptionKey).base64EncodedString() == Self.strongKey)
        #expect(loaded.notices.isEmpty)
    }

    @Test func theFileIsReadAndTheEnvironmentOverridesIt() throws {
        let file = """
            environment: development
            server:
              host: 0.0.0.0
              port: 9000
            database:
              sqlite_path: /var/lib/clinicflow/db.sqlite
            jobs:
              concurrency: 12
              in_process: false
              retry_base_seconds: 0.5
            log:
              level: debug
              access: false
            """
        let config = try load(["CLINICFLOW_PORT": "9100"], file: file).config
        #expect(config.host == "0.0.0.0")
        #expect(config.port == 9100)
        #expect(config.database.location == .sqlite(path: "/var/lib/clinicflow/db.sqlite"))
        #expect(config.jobs.worker.concurrency == 12)
        #expect(config.jobs.runInProcess == false)
        #expect(config.jobs.worker.retryPolicy.baseDelay == 0.5)
        #expect(config.logLevel == .debug)
        #expect(config.accessLog == false)
    }

    @Test func mistakesInTheFileAreReportedTogether() throws {
        let unknown = try #require(throws: ConfigError.self) { try load([:], file: "server:\n  prot: 80\nlogs: x\n") }
        #expect(unknown.problems == ["clinicflow.yml has unknown settings: logs, server.prot"])

        let invalid = try #require(throws: ConfigError.self) {
            try load(["CLINICFLOW_JOB_CONCURRENCY": "lots"], file: "server:\n  port: 70000\nenvironment: staging\n")
        }
        #expect(invalid.problems.contains("environment in clinicflow.yml must be one of: development, production, testing"))
        #expect(invalid.problems.contains("server.port in clinicflow.yml must be a whole number from 1 to 65535"))
        #expect(invalid.problems.contains("CLINICFLOW_JOB_CONCURRENCY must be a whole number from 1 to 256"))

        let broken = try #require(throws: ConfigError.self) { try load([:], file: "server: [unclosed") }
        #expect(broken.problems.first?.hasPrefix("clinicflow.yml is not valid YAML") == true)
    }

    @Test func aNonPostgresDatabaseURLIsRefused() throws {
        let error = try #require(throws: ConfigError.self) { try load(["DATABASE_URL": "mysql://x"]) }
        #expect(error.problems == ["DATABASE_URL must start with postgres:// (leave it unset to use SQLite)"])
    }

    @Test func developmentSecretsAreKeptAcrossRestarts() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cf-config-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = ["CLINICFLOW_SQLITE_PATH": directory.appendingPathComponent("db.sqlite").path]
        let first = try ConfigLoader.load(environment: environment, fileText: nil)
        let second = try ConfigLoader.load(environment: environment, fileText: nil)
        #expect(first.config.secrets.jwtSecret == second.config.secrets.jwtSecret)
        #expect(first.config.secrets.encryptionKey == second.config.secrets.encryptionKey)
        #expect(first.notices.first?.contains("saved them to") == true)
        #expect(second.notices.first?.contains("reused from") == true)
        let path = directory.appendingPathComponent("dev-secrets.json").path
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
    }
}

@Suite struct ClinicSeedConfigTests {
    static let file = """
        clinics:
          - slug: sorriso
            name: Clínica Sorriso
            time_zone: America/Sao_Paulo
            default_region: br
            channels:
              - id: 6F1C2B1E-7D0A-4C55-9D7E-0C6A3E1B9F21
                provider: meta
                name: WhatsApp principal
                business_number: "+5511940028922"
                business_account_id: "106540352242922"
                department: odontologia
                credentials:
                  app_secret: ${META_APP_SECRET}
                  verify_token: fixed-${SUFFIX}
              - id: 0a5e4f0e-29d4-4c1c-8f0e-5d8f6c1b2a33
                provider: chatwoot
                name: Chatwoot
                require_signature: false
                signature_tolerance_seconds: 600
        """

    @Test func clinicsAndChannelsAreReadWithSecretsFromTheEnvironment() throws {
        let loaded = try ConfigLoader.load(
            environment: ["META_APP_SECRET": "s3cr3t", "SUFFIX": "x"], fileText: Self.file, persistDevelopmentSecrets: false
        )
        let seeds = loaded.config.seeds
        #expect(seeds.count == 1)
        #expect(seeds[0].clinic.slug == "sorriso")
        #expect(seeds[0].clinic.defaultRegion == "BR")
        #expect(seeds[0].channels.count == 2)
        let meta = seeds[0].channels[0]
        #expect(meta.channel.id == UUID(uuidString: "6f1c2b1e-7d0a-4c55-9d7e-0c6a3e1b9f21"))
        #expect(meta.channel.provider == .meta)
        #expect(meta.channel.department == "odontologia")
        #expect(meta.credentials["app_secret"] == "s3cr3t")
        #expect(meta.credentials["verify_token"] == "fixed-x")
        let chatwoot = seeds[0].channels[1]
        #expect(chatwoot.channel.settings == ChannelSettings(signatureToleranceSeconds: 600, requireSignature: false))
    }

    @Test func mistakesInClinicsAreNamedWithoutSecretValues() throws {
        let broken = Self.file
            .replacingOccurrences(of: "provider: chatwoot", with: "provider: telegram")
            .replacingOccurrences(of: "slug: sorriso", with: "slug: Sorriso Centro")
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(environment: ["SUFFIX": "x"], fileText: broken, persistDevelopmentSecrets: false)
        }
        #expect(error.problems.contains { $0.hasPrefix("clinics[0].slug Sorriso Centro must be") })
        #expect(error.problems.contains { $0.hasPrefix("clinics[0].channels[0].credentials.app_secret refers to ${META_APP_SECRET}, which is not set") })
        #expect(error.problems.contains { $0.hasPrefix("clinics[0].channels[1].provider telegram is not one of") })

        let noID = Self.file.replacingOccurrences(of: "id: 0a5e4f0e-29d4-4c1c-8f0e-5d8f6c1b2a33", with: "id: two")
        let idError = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(environment: ["META_APP_SECRET": "s", "SUFFIX": "x"], fileText: noID, persistDevelopmentSecrets: false)
        }
        #expect(idError.problems.first?.hasPrefix("clinics[0].channels[1].id must be a UUID that stays the same") == true)
    }

    @Test func theAssistantAndSendingSettingsAreRead() throws {
        let sending = "        require_signature: false\n        api_base_url: https://chatwoot.example.com\n        account_id: \"7\"\n        sandbox: true"
        let assistant = """

                assistant:
                  enabled: true
                  quiet_hours: { start: "22:00", end: "07:30" }
                  price_list:
                    - { procedure: implant, name: Implante, price_cents: 350000, currency: BRL, max_installments: 10 }
                  templates:
                    pt: { name: retomar_conversa, language_code: pt_BR }
            """
        let file = Self.file.replacingOccurrences(of: "        require_signature: false", with: sending) + assistant
        let seeds = try ConfigLoader.load(environment: ["META_APP_SECRET": "s", "SUFFIX": "x"], fileText: file, persistDevelopmentSecrets: false).config.seeds
        let settings = try #require(seeds.first?.assistant)
        #expect(settings.enabled)
        #expect(settings.quietHours == (try QuietHours(start: "22:00", end: "07:30")))
        #expect(settings.priceList.first?.installmentCents == 35_000)
        #expect(settings.templates["pt"]?.languageCode == "pt_BR")
        let chatwoot = try #require(seeds.first?.channels.last?.channel.settings)
        #expect(chatwoot.apiBaseURL == "https://chatwoot.example.com" && chatwoot.accountID == "7" && chatwoot.sandbox)
    }

    @Test func schedulingSettingsAreReadAndTheirRulesChecked() throws {
        let scheduling = """

                scheduling:
                  reminder_hours: [48, 2]
                  recall_months: { cleaning: 6 }
                  won_on_deposit: true
                  templates:
                    reminder:
                      pt: { name: lembrete_consulta, language_code: pt_BR, parameters: ["{name}", "{time}"] }
            """
        let seeds = try ConfigLoader.load(environment: ["META_APP_SECRET": "s", "SUFFIX": "x"], fileText: Self.file + scheduling, persistDevelopmentSecrets: false).config.seeds
        let settings = try #require(seeds.first?.scheduling)
        #expect(settings.reminderHours == [48, 2] && settings.recallMonths == ["cleaning": 6] && settings.wonOnDeposit)
        #expect(settings.template(.reminder, language: "pt")?.parameters == ["{name}", "{time}"])
        let broken = Self.file + scheduling.replacingOccurrences(of: "[48, 2]", with: "[0]")
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(environment: ["META_APP_SECRET": "s", "SUFFIX": "x"], fileText: broken, persistDevelopmentSecrets: false)
        }
        #expect(error.problems == ["clinics in clinicflow.yml: scheduling: reminder_hours must be between 1 and 336"])
    }
}
