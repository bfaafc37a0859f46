import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import Foundation
import Logging

/// Every setting ClinicFlow reads, parsed once at start-up from the environment and `clinicflow.yml`.
public struct AppConfig: Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        case development
        case production
        case testing
    }

    public struct Secrets: Sendable {
        /// Signs API and console tokens.
        public var jwtSecret: String
        /// 32 bytes; encrypts channel credentials at rest.
        public var encryptionKey: [UInt8]
    }

    public struct Jobs: Sendable {
        /// Run job workers inside `serve`. Off when dedicated `worker` processes do the work.
        public var runInProcess: Bool
        public var worker: WorkerConfiguration
        public var defaultMaxAttempts: Int { worker.retryPolicy.maxAttempts }
    }

    public var mode: Mode
    public var host: String
    public var port: Int
    public var database: StoreConfiguration
    public var secrets: Secrets
    public var jobs: Jobs
    public var logLevel: Logger.Level
    /// Requests log one JSON line each when on.
    public var accessLog: Bool
    /// Largest request body accepted; larger ones get 413.
    public var maxBodyBytes: Int
    /// The address providers reach ClinicFlow at (`https://clinic.example.com`). Twilio and HubSpot sign
    /// the full URL they call, so behind a proxy this must be set for their signatures to verify.
    public var publicURL: String?
    /// Clinics and channels declared in `clinicflow.yml`, created or updated at start-up.
    public var seeds: [ClinicSeed] = []
    /// bcrypt cost for passwords: 12 by default; tests lower it.
    public var bcryptCost: Int = 12
    /// Origins allowed to call `/api/` from a browser; none by default.
    public var corsOrigins: [String] = []
    /// Requests a minute per client address (API, console), per token or session, and webhooks per
    /// address; 0 turns one off.
    public var rateLimits = RateLimits()

    public struct RateLimits: Sendable, Equatable {
        public var perAddress = 600
        public var perToken = 1200
        public var webhooksPerAddress = 60_000
        /// Behind a reverse proxy every request comes from the proxy: then the client's address is the
        /// first one in `Forwarded`/`X-Forwarded-For`. Only turn on when a proxy sets (and overwrites) them.
        public var trustForwardedFor = false
        public init() {}
    }

    public init(
        mode: Mode, host: String, port: Int, database: StoreConfiguration, secrets: Secrets, jobs: Jobs,
        logLevel: Logger.Level, accessLog: Bool, maxBodyBytes: Int, publicURL: String? = nil
    ) {
        self.mode = mode
        self.host = host
        self.port = port
        self.database = database
        self.secrets = secrets
        self.jobs = jobs
        self.logLevel = logLevel
        self.accessLog = accessLog
        self.maxBodyBytes = maxBodyBytes
        self.publicURL = publicURL
    }
}
