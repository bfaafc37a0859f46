import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import Foundation
import Logging

public struct LoadedConfig: Sendable {
    public var config: AppConfig
    /// Things the operator should know, e.g. that secrets were generated. Never contain secret values.
    public var notices: [String]
}

public enum ConfigLoader {
    public static let defaultSQLitePath = "./data/clinicflow.sqlite"
    public static let defaultFileName = "clinicflow.yml"

    /// Reads `CLINICFLOW_CONFIG` (or `./clinicflow.yml` when present) and the process environment.
    public static func loadFromProcess(configPath: String? = nil) throws -> LoadedConfig {
        let environment = ProcessInfo.processInfo.environment
        let explicit = configPath ?? environment["CLINICFLOW_CONFIG"]
        let path = explicit ?? defaultFileName
        var text: String?
        if FileManager.default.fileExists(atPath: path) {
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ConfigError(["cannot read \(path): \(error.localizedDescription)"])
            }
        } else if explicit != nil {
            throw ConfigError(["the configuration file \(path) does not exist"])
        }
        return try load(environment: environment, fileText: text, fileName: path)
    }

    /// Parses settings; throws a `ConfigError` listing every problem at once.
    /// - Parameter persistDevelopmentSecrets: keep generated development secrets in a file next to
    ///   the SQLite database (off in tests, which want nothing written).
    public static func load(
        environment: [String: String],
        fileText: String?,
        fileName: String = defaultFileName,
        persistDevelopmentSecrets: Bool = true
    ) throws -> LoadedConfig {
        var reader = ConfigReader(source: try ConfigSource(environment: environment, fileText: fileText, fileName: fileName))
        var notices: [String] = []

        let mode = reader.oneOf(Settings.mode, default: AppConfig.Mode.development, AppConfig.Mode.allCases)
        let host = reader.string(Settings.host, default: "127.0.0.1")
        let port = reader.int(Settings.port, default: 8080, in: 1...65535)
        let maxBodyBytes = reader.int(Settings.maxBodyBytes, default: 1 << 20, in: 1024...(64 << 20))
        let accessLog = reader.bool(Settings.accessLog, default: true)
        let logLevel = reader.oneOf(Settings.logLevel, default: Logger.Level.info, Logger.Level.allCases)
        let bcryptCost = reader.int(Settings.bcryptCost, default: 12, in: 4...16)
        let publicURL = reader.raw(Settings.publicURL)
        if let publicURL, URL(string: publicURL)?.host == nil || !(publicURL.hasPrefix("https://") || publicURL.hasPrefix("http://")) {
            reader.fail("CLINICFLOW_PUBLIC_URL must be an absolute http(s) URL such as https://clinic.example.com")
        }

        let corsOrigins = (reader.raw(Settings.corsOrigins) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let bad = corsOrigins.first(where: { !($0.hasPrefix("https://") || $0.hasPrefix("http://")) || URL(string: $0)?.host == nil || $0.hasSuffix("/") }) {
            reader.fail("CLINICFLOW_CORS_ORIGINS: \(bad) is not an origin such as https://app.example.com")
        }
        var rateLimits = AppConfig.RateLimits()
        rateLimits.perAddress = reader.int(Settings.rateLimit, default: rateLimits.perAddress, in: 0...1_000_000)
        rateLimits.perToken = reader.int(Settings.tokenRateLimit, default: rateLimits.perToken, in: 0...1_000_000)
        rateLimits.trustForwardedFor = reader.bool(Settings.trustForwardedFor, default: false)
        rateLimits.webhooksPerAddress = reader.int(Settings.webhookRateLimit, default: rateLimits.webhooksPerAddress, in: 0...10_000_000)

        let sqlitePath = reader.string(Settings.sqlitePath, default: defaultSQLitePath)
        let poolSize = reader.int(Settings.poolSize, default: 8, in: 1...256)
        let location: DatabaseLocation
        if let url = reader.raw(Settings.databaseURL) {
            if !(url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")) {
                reader.fail("DATABASE_URL must start with postgres:// (leave it unset to use SQLite)")
            }
            location = .postgres(url: url)
        } else {
            location = .sqlite(path: sqlitePath)
        }

        let retry = RetryPolicy(
            maxAttempts: reader.int(Settings.jobMaxAttempts, default: 8, in: 1...100),
            baseDelay: reader.seconds(Settings.jobRetryBase, default: 2, in: 0...3600),
            maxDelay: reader.seconds(Settings.jobRetryMax, default: 3600, in: 0...604_800)
        )
        let worker = WorkerConfiguration(
            concurrency: reader.int(Settings.jobConcurrency, default: 4, in: 1...256),
            leaseDuration: reader.seconds(Settings.jobLease, default: 60, in: 5...86_400),
            pollInterval: reader.seconds(Settings.jobPoll, default: 1, in: 0.01...60),
            retryPolicy: retry
        )
        let jobs = AppConfig.Jobs(runInProcess: reader.bool(Settings.jobsInProcess, default: true), worker: worker)

        let secrets = readSecrets(
            &reader, mode: mode, notices: &notices,
            developmentFile: persistDevelopmentSecrets && mode == .development
                ? URL(fileURLWithPath: sqlitePath).deletingLastPathComponent().appendingPathComponent("dev-secrets.json").path
                : nil
        )

        var seeds: [ClinicSeed] = []
        if let fileText {
            do {
                seeds = try ClinicSeedParser.parse(yaml: fileText, fileName: fileName, environment: environment)
            } catch let error as ConfigError {
                reader.problems.append(contentsOf: error.problems)
            }
        }

        guard reader.problems.isEmpty, let secrets else { throw ConfigError(reader.problems) }
        var config = AppConfig(
            mode: mode, host: host, port: port,
            database: StoreConfiguration(location: location, postgresConnectionsPerLoop: poolSize),
            secrets: secrets, jobs: jobs, logLevel: logLevel, accessLog: accessLog, maxBodyBytes: maxBodyBytes,
            publicURL: publicURL
        )
        config.seeds = seeds
        config.bcryptCost = bcryptCost
        config.corsOrigins = corsOrigins
        config.rateLimits = rateLimits
        if mode == .production, bcryptCost < 10 {
            throw ConfigError(["CLINICFLOW_BCRYPT_COST must be at least 10 in production"])
        }
        return LoadedConfig(config: config, notices: notices)
    }

    /// Production requires both secrets and refuses weak ones; development and tests generate missing ones.
    private static func readSecrets(
        _ reader: inout ConfigReader, mode: AppConfig.Mode, notices: inout [String], developmentFile: String?
    ) -> AppConfig.Secrets? {
        var jwt = reader.raw(Settings.jwtSecret)
        var key: [UInt8]?
        if let text = reader.raw(Settings.encryptionKey) {
            switch SecretPolicy.encryptionKey(from: text) {
            case .success(let bytes): key = bytes
            case .failure(let problem): reader.fail("CLINICFLOW_ENCRYPTION_KEY \(problem.explanation)")
            }
        }
        if mode == .production {
            if let jwt, let weakness = SecretPolicy.weakness(ofJWTSecret: jwt) {
                reader.fail("CLINICFLOW_JWT_SECRET \(weakness)")
            } else if jwt == nil {
                reader.fail("CLINICFLOW_JWT_SECRET is not set; production needs a random secret of at least \(SecretPolicy.minimumJWTSecretLength) characters")
            }
            if key == nil, reader.raw(Settings.encryptionKey) == nil {
                reader.fail("CLINICFLOW_ENCRYPTION_KEY is not set; production needs a base64 32-byte key (`openssl rand -base64 32`)")
            }
            guard let jwt, let key else { return nil }
            return .init(jwtSecret: jwt, encryptionKey: key)
        }
        if jwt == nil || key == nil {
            var generated = AppConfig.Secrets(jwtSecret: SecretPolicy.randomJWTSecret(), encryptionKey: SecretPolicy.randomEncryptionKey())
            var whereKept = "for this run only"
            if let developmentFile {
                do {
                    let (stored, created) = try DevelopmentSecretsFile(path: developmentFile).loadOrCreate()
                    generated = stored
                    whereKept = created ? "and saved them to \(developmentFile)" : "reused from \(developmentFile)"
                } catch {
                    notices.append("could not keep development secrets in \(developmentFile); they last for this run only")
                }
            }
            let names = [jwt == nil ? "CLINICFLOW_JWT_SECRET" : nil, key == nil ? "CLINICFLOW_ENCRYPTION_KEY" : nil].compactMap { $0 }
            notices.append("\(mode.rawValue) mode: generated random \(names.joined(separator: " and ")) \(whereKept); set them for production")
            jwt = jwt ?? generated.jwtSecret
            key = key ?? generated.encryptionKey
        }
        guard let jwt, let key else { return nil }
        return .init(jwtSecret: jwt, encryptionKey: key)
    }
}
