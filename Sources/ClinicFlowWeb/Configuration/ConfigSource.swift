import Foundation
import Yams

/// Settings as text, from `clinicflow.yml` overlaid by environment variables.
///
/// Each setting has a dotted file key (`server.port`) and an environment variable (`CLINICFLOW_PORT`);
/// the environment wins so a deployment can override a checked-in file.
struct ConfigSource {
    struct Setting {
        var fileKey: String
        var envKeys: [String]
        var name: String { envKeys[0] }
    }

    private var file: [String: String]
    private var environment: [String: String]

    init(environment: [String: String], fileText: String?, fileName: String = "clinicflow.yml") throws {
        self.environment = environment
        self.file = [:]
        if let fileText {
            self.file = try Self.flatten(yaml: fileText, fileName: fileName)
            let unknown = Set(file.keys).subtracting(Self.knownFileKeys).sorted()
            if !unknown.isEmpty {
                throw ConfigError(["\(fileName) has unknown settings: \(unknown.joined(separator: ", "))"])
            }
        }
    }

    /// The raw value and the name to blame if it is invalid.
    func value(_ setting: Setting) -> (value: String, source: String)? {
        for key in setting.envKeys {
            if let value = environment[key], !value.isEmpty { return (value, key) }
        }
        if let value = file[setting.fileKey] { return (value, "\(setting.fileKey) in clinicflow.yml") }
        return nil
    }

    static var knownFileKeys: Set<String> { Set(Settings.all.map(\.fileKey)) }

    /// `server: {port: 8080}` → `["server.port": "8080"]`. Lists are not settings here.
    private static func flatten(yaml: String, fileName: String) throws -> [String: String] {
        let root: Any?
        do {
            root = try Yams.load(yaml: yaml)
        } catch {
            throw ConfigError(["\(fileName) is not valid YAML: \(error)"])
        }
        guard let root else { return [:] }
        guard let mapping = root as? [String: Any] else { throw ConfigError(["\(fileName) must be a mapping of settings"]) }
        var flat: [String: String] = [:]
        func walk(_ node: [String: Any], prefix: String) throws {
            for (key, value) in node {
                // Clinics and channels are a list of records, parsed by ClinicSeedParser.
                if prefix.isEmpty, key == "clinics" { continue }
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                switch value {
                case let nested as [String: Any]: try walk(nested, prefix: path)
                case is [Any]: throw ConfigError(["\(path) in \(fileName) must be a single value, not a list"])
                case is NSNull: continue
                default: flat[path] = "\(value)"
                }
            }
        }
        try walk(mapping, prefix: "")
        return flat
    }
}

/// The catalogue of settings: one place that lists every file key and variable.
enum Settings {
    typealias Setting = ConfigSource.Setting
    static let mode = Setting(fileKey: "environment", envKeys: ["CLINICFLOW_ENV"])
    static let host = Setting(fileKey: "server.host", envKeys: ["CLINICFLOW_HOST"])
    static let port = Setting(fileKey: "server.port", envKeys: ["CLINICFLOW_PORT", "PORT"])
    static let maxBodyBytes = Setting(fileKey: "server.max_body_bytes", envKeys: ["CLINICFLOW_MAX_BODY_BYTES"])
    static let accessLog = Setting(fileKey: "log.access", envKeys: ["CLINICFLOW_ACCESS_LOG"])
    static let logLevel = Setting(fileKey: "log.level", envKeys: ["CLINICFLOW_LOG_LEVEL"])
    static let databaseURL = Setting(fileKey: "database.url", envKeys: ["DATABASE_URL"])
    static let sqlitePath = Setting(fileKey: "database.sqlite_path", envKeys: ["CLINICFLOW_SQLITE_PATH"])
    static let poolSize = Setting(fileKey: "database.pool_size", envKeys: ["CLINICFLOW_DB_POOL_SIZE"])
    static let jwtSecret = Setting(fileKey: "secrets.jwt_secret", envKeys: ["CLINICFLOW_JWT_SECRET"])
    static let encryptionKey = Setting(fileKey: "secrets.encryption_key", envKeys: ["CLINICFLOW_ENCRYPTION_KEY"])
    static let jobsInProcess = Setting(fileKey: "jobs.in_process", envKeys: ["CLINICFLOW_JOBS_IN_PROCESS"])
    static let jobConcurrency = Setting(fileKey: "jobs.concurrency", envKeys: ["CLINICFLOW_JOB_CONCURRENCY"])
    static let jobLease = Setting(fileKey: "jobs.lease_seconds", envKeys: ["CLINICFLOW_JOB_LEASE_SECONDS"])
    static let jobMaxAttempts = Setting(fileKey: "jobs.max_attempts", envKeys: ["CLINICFLOW_JOB_MAX_ATTEMPTS"])
    static let jobRetryBase = Setting(fileKey: "jobs.retry_base_seconds", envKeys: ["CLINICFLOW_JOB_RETRY_BASE_SECONDS"])
    static let jobRetryMax = Setting(fileKey: "jobs.retry_max_seconds", envKeys: ["CLINICFLOW_JOB_RETRY_MAX_SECONDS"])
    static let jobPoll = Setting(fileKey: "jobs.poll_seconds", envKeys: ["CLINICFLOW_JOB_POLL_SECONDS"])
    static let publicURL = Setting(fileKey: "server.public_url", envKeys: ["CLINICFLOW_PUBLIC_URL"])
    static let bcryptCost = Setting(fileKey: "secrets.bcrypt_cost", envKeys: ["CLINICFLOW_BCRYPT_COST"])
    static let corsOrigins = Setting(fileKey: "server.cors_origins", envKeys: ["CLINICFLOW_CORS_ORIGINS"])
    static let rateLimit = Setting(fileKey: "server.rate_limit_per_minute", envKeys: ["CLINICFLOW_RATE_LIMIT_PER_MINUTE"])
    static let tokenRateLimit = Setting(fileKey: "server.token_rate_limit_per_minute", envKeys: ["CLINICFLOW_TOKEN_RATE_LIMIT_PER_MINUTE"])
    static let trustForwardedFor = Setting(fileKey: "server.trust_forwarded_for", envKeys: ["CLINICFLOW_TRUST_FORWARDED_FOR"])
    static let webhookRateLimit = Setting(fileKey: "server.webhook_rate_limit_per_minute", envKeys: ["CLINICFLOW_WEBHOOK_RATE_LIMIT_PER_MINUTE"])

    static let all = [
        mode, host, port, maxBodyBytes, accessLog, logLevel, databaseURL, sqlitePath, poolSize, jwtSecret,
        encryptionKey, jobsInProcess, jobConcurrency, jobLease, jobMaxAttempts, jobRetryBase, jobRetryMax, jobPoll,
        publicURL, bcryptCost, corsOrigins, rateLimit, tokenRateLimit, webhookRateLimit, trustForwardedFor,
    ]
}
