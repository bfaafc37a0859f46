import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

/// Score history, tasks, notifications and clinic settings.
public struct ScoringRepository: Sendable {
    public let store: Store
    private let box: SecretBox
    private let clock: @Sendable () -> Date
    /// Scoring, intake and the assistant read these for every message; people change them rarely.
    private let recentSettings = RecentReads<UUID, (ClinicSettings, llmAPIKey: String?)>()
    private let recentAssistantSettings = RecentReads<UUID, AssistantSettings>()

    public init(store: Store, secretBox: SecretBox, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.box = secretBox
        self.clock = clock
    }

    // MARK: Score history

    public func record(_ score: LeadScore, leadID: UUID, clinicID: UUID, on database: (any Database)? = nil) async throws {
        let values: [any Encodable & Sendable] = [
            UUID.timeOrdered(), clinicID, leadID, score.score, score.temperature.rawValue, score.confidence,
            try JSONCoding.plainText(score.reasons), score.procedure, score.budgetMentioned,
            score.urgency.rawValue, score.scorer, score.fallbackReason, clock(),
        ]
        try await Self.insertScore.bind(values, on: (database ?? store.db).sql).run()
    }

    // What scoring writes for most leads (a score, often a task and a notification): written once
    // (`FixedStatement`).
    private static let insertScore = FixedStatement(arity: 13) { sql, values in
        sql.insert(into: "lead_scores")
            .columns("id", "clinic_id", "lead_id", "score", "temperature", "confidence", "reasons", "procedure", "budget_mentioned", "urgency", "scorer", "fallback_reason", "created_at")
            .values(values)
            .query
    }
    private static let insertTask = FixedStatement(arity: 12) { sql, values in
        sql.insert(into: "tasks")
            .columns("id", "clinic_id", "lead_id", "assignee_id", "kind", "priority", "title", "status", "due_at", "idempotency_key", "created_at", "updated_at")
            .values(values)
            .ignoringConflicts(with: ["idempotency_key"])
            .queryReturningOnPostgres("id")
    }
    private static let insertNotification = FixedStatement(arity: 8) { sql, values in
        sql.insert(into: "notifications")
            .columns("id", "clinic_id", "user_id", "lead_id", "kind", "title", "idempotency_key", "created_at")
            .values(values)
            .ignoringConflicts(with: ["idempotency_key"])
            .query
    }

    /// A lead's scores, newest first.
    public func history(leadID: UUID, clinicID: UUID, limit: Int = 50, on database: (any Database)? = nil) async throws -> [(score: LeadScore, at: Date)] {
        try await (database ?? store.db).sql.select()
            .columns("score", "temperature", "confidence", "reasons", "procedure", "budget_mentioned", "urgency", "scorer", "fallback_reason", "created_at")
            .from("lead_scores").where("lead_id", .equal, leadID).where("clinic_id", .equal, clinicID)
            .orderBy("created_at", .descending).limit(limit).all()
            .map { row in
                let score = LeadScore(
                    score: try row.decode(column: "score", as: Int.self),
                    temperature: Temperature(rawValue: try row.decode(column: "temperature", as: String.self)) ?? .cold,
                    confidence: try row.decode(column: "confidence", as: Double.self),
                    reasons: (try? JSONCoding.plainDecoder.decode([String].self, from: Data(try row.decode(column: "reasons", as: String.self).utf8))) ?? [],
                    procedure: try row.decode(column: "procedure", as: String?.self),
                    budgetMentioned: try row.decode(column: "budget_mentioned", as: Bool.self),
                    urgency: Urgency(rawValue: try row.decode(column: "urgency", as: String.self)) ?? .none,
                    scorer: try row.decode(column: "scorer", as: String.self), fallbackReason: try row.decode(column: "fallback_reason", as: String?.self)
                )
                return (score, try row.decode(column: "created_at", as: Date.self))
            }
    }

    // MARK: Tasks and notifications

    public struct Task: Sendable, Equatable, Codable {
        public var id: UUID
        public var clinicID: UUID
        public var leadID: UUID?
        public var assigneeID: UUID?
        /// `urgent_triage`, `call_hot_lead`, …
        public var kind: String
        /// `urgent`, `high`, `normal`.
        public var priority: String
        public var title: String
        public var status: String
        public var dueAt: Date?
        public var createdAt: Date

        public init(id: UUID = .timeOrdered(), clinicID: UUID, leadID: UUID?, assigneeID: UUID?, kind: String, priority: String, title: String, status: String = "open", dueAt: Date? = nil, createdAt: Date = Date()) {
            self.id = id
            self.clinicID = clinicID
            self.leadID = leadID
            self.assigneeID = assigneeID
            self.kind = kind
            self.priority = priority
            self.title = title
            self.status = status
            self.dueAt = dueAt
            self.createdAt = createdAt
        }
    }

    /// Creates the task unless one with the same key exists; returns whether it was created.
    @discardableResult
    public func createTask(_ task: Task, key: String, on database: (any Database)? = nil) async throws -> Bool {
        let now = clock()
        let values: [any Encodable & Sendable] = [
            task.id, task.clinicID, task.leadID, task.assigneeID, task.kind, task.priority, task.title, task.status, task.dueAt, key, now, now,
        ]
        return try await Self.insertTask.bind(values, on: (database ?? store.db).sql).changes().count == 1
    }

    public func tasks(clinicID: UUID, status: String? = "open", limit: Int = 100, offset: Int = 0, on database: (any Database)? = nil) async throws -> [Task] {
        var query = (database ?? store.db).sql.select()
            .columns("id", "clinic_id", "lead_id", "assignee_id", "kind", "priority", "title", "status", "due_at", "created_at")
            .from("tasks").where("clinic_id", .equal, clinicID)
        if let status { query = query.where("status", .equal, status) }
        return try await query.orderBy("created_at", .descending).limit(limit).offset(offset).all().map { row in
            Task(
                id: try row.decode(column: "id", as: UUID.self), clinicID: try row.decode(column: "clinic_id", as: UUID.self),
                leadID: try row.decode(column: "lead_id", as: UUID?.self), assigneeID: try row.decode(column: "assignee_id", as: UUID?.self),
                kind: try row.decode(column: "kind", as: String.self), priority: try row.decode(column: "priority", as: String.self),
                title: try row.decode(column: "title", as: String.self), status: try row.decode(column: "status", as: String.self),
                dueAt: try row.decode(column: "due_at", as: Date?.self), createdAt: try row.decode(column: "created_at", as: Date.self)
            )
        }
    }

    public func completeTask(_ id: UUID, clinicID: UUID, on database: (any Database)? = nil) async throws -> Bool {
        try await (database ?? store.db).sql.update("tasks").set("status", to: "done").set("updated_at", to: clock())
            .where("id", .equal, id).where("clinic_id", .equal, clinicID).returning("id").first() != nil
    }

    public struct Notification: Sendable, Equatable, Codable {
        public var id: UUID
        public var clinicID: UUID
        /// Nil: for everyone in the clinic.
        public var userID: UUID?
        public var leadID: UUID?
        public var kind: String
        public var title: String
        public var createdAt: Date
        public var readAt: Date?
    }

    public func notify(clinicID: UUID, userID: UUID?, leadID: UUID?, kind: String, title: String, key: String, on database: (any Database)? = nil) async throws {
        try await Self.insertNotification.bind(
            [UUID.timeOrdered(), clinicID, userID, leadID, kind, title, key, clock()], on: (database ?? store.db).sql
        ).run()
    }

    /// Notifications for this user (theirs and the clinic-wide ones), newest first.
    public func notifications(clinicID: UUID, userID: UUID, limit: Int = 50, on database: (any Database)? = nil) async throws -> [Notification] {
        try await (database ?? store.db).sql.select()
            .columns("id", "clinic_id", "user_id", "lead_id", "kind", "title", "created_at", "read_at")
            .from("notifications").where("clinic_id", .equal, clinicID)
            .where { $0.where("user_id", .equal, userID).orWhere("user_id", .is, SQLLiteral.null) }
            .orderBy("created_at", .descending).limit(limit).all()
            .map { row in
                Notification(
                    id: try row.decode(column: "id", as: UUID.self), clinicID: try row.decode(column: "clinic_id", as: UUID.self),
                    userID: try row.decode(column: "user_id", as: UUID?.self), leadID: try row.decode(column: "lead_id", as: UUID?.self),
                    kind: try row.decode(column: "kind", as: String.self), title: try row.decode(column: "title", as: String.self),
                    createdAt: try row.decode(column: "created_at", as: Date.self), readAt: try row.decode(column: "read_at", as: Date?.self)
                )
            }
    }

    // MARK: Settings

    /// May answer from a copy read up to two seconds ago (see `RecentReads`).
    public func settings(clinicID: UUID, on database: (any Database)? = nil) async throws -> (ClinicSettings, llmAPIKey: String?) {
        try await recentSettings.value(for: clinicID, on: database) { try await readSettings(clinicID: clinicID, on: database) } ?? (ClinicSettings(), nil)
    }

    private func readSettings(clinicID: UUID, on database: (any Database)?) async throws -> (ClinicSettings, llmAPIKey: String?) {
        guard let row = try await (database ?? store.db).sql.select().columns("scoring", "routing", "llm", "llm_api_key")
            .from("clinic_settings").where("clinic_id", .equal, clinicID).first()
        else { return (ClinicSettings(), nil) }
        func decode<T: Decodable>(_ column: String, _ type: T.Type) throws -> T? {
            try row.decode(column: column, as: String?.self).map { try JSONCoding.plainDecoder.decode(T.self, from: Data($0.utf8)) }
        }
        let settings = ClinicSettings(
            vocabulary: try decode("scoring", ScoringVocabulary.self) ?? .empty, routing: try decode("routing", RoutingRules.self) ?? .init(),
            llm: try decode("llm", LLMSettings.self) ?? .init()
        )
        let key = try row.decode(column: "llm_api_key", as: Data?.self).map { String(decoding: try box.open($0, boundTo: clinicID), as: UTF8.self) }
        return (settings, key)
    }

    /// Saves the settings; the API key is kept when `llmAPIKey` is nil, removed when empty.
    public func save(_ settings: ClinicSettings, llmAPIKey: String?, clinicID: UUID, on database: (any Database)? = nil) async throws {
        defer { recentSettings.forget(clinicID) }
        let sql = (database ?? store.db).sql
        let existingKey = try await sql.select().column("llm_api_key").from("clinic_settings").where("clinic_id", .equal, clinicID)
            .first(decodingColumn: "llm_api_key", as: Data?.self) ?? nil
        let key: Data? = switch llmAPIKey {
        case nil: existingKey
        case ""?: nil
        case let value?: try box.seal(Data(value.utf8), boundTo: clinicID)
        }
        try await ensureRow(clinicID, on: sql)
        try await sql.update("clinic_settings")
            .set("scoring", to: try JSONCoding.plainText(settings.vocabulary)).set("routing", to: try JSONCoding.plainText(settings.routing))
            .set("llm", to: try JSONCoding.plainText(settings.llm))
            .set("llm_api_key", to: bindOrNull(key)).set("updated_at", to: clock())
            .where("clinic_id", .equal, clinicID).run()
    }

    /// May answer from a copy read up to two seconds ago (see `RecentReads`).
    public func assistantSettings(clinicID: UUID, on database: (any Database)? = nil) async throws -> AssistantSettings {
        try await recentAssistantSettings.value(for: clinicID, on: database) { try await readAssistantSettings(clinicID: clinicID, on: database) } ?? AssistantSettings()
    }

    private func readAssistantSettings(clinicID: UUID, on database: (any Database)?) async throws -> AssistantSettings {
        guard let json = try await (database ?? store.db).sql.select().column("assistant").from("clinic_settings").where("clinic_id", .equal, clinicID)
            .first(decodingColumn: "assistant", as: String?.self) ?? nil
        else { return AssistantSettings() }
        return try JSONCoding.plainDecoder.decode(AssistantSettings.self, from: Data(json.utf8))
    }

    public func saveAssistantSettings(_ settings: AssistantSettings, clinicID: UUID, on database: (any Database)? = nil) async throws {
        defer { recentAssistantSettings.forget(clinicID) }
        let sql = (database ?? store.db).sql
        try await ensureRow(clinicID, on: sql)
        try await sql.update("clinic_settings").set("assistant", to: try JSONCoding.plainText(settings))
            .set("updated_at", to: clock()).where("clinic_id", .equal, clinicID).run()
    }

    public func schedulingSettings(clinicID: UUID, on database: (any Database)? = nil) async throws -> SchedulingSettings {
        guard let json = try await (database ?? store.db).sql.select().column("scheduling").from("clinic_settings").where("clinic_id", .equal, clinicID)
            .first(decodingColumn: "scheduling", as: String?.self) ?? nil
        else { return SchedulingSettings() }
        return try JSONCoding.plainDecoder.decode(SchedulingSettings.self, from: Data(json.utf8))
    }

    public func saveSchedulingSettings(_ settings: SchedulingSettings, clinicID: UUID, on database: (any Database)? = nil) async throws {
        let sql = (database ?? store.db).sql
        try await ensureRow(clinicID, on: sql)
        try await sql.update("clinic_settings").set("scheduling", to: try JSONCoding.plainText(settings))
            .set("updated_at", to: clock()).where("clinic_id", .equal, clinicID).run()
    }

    private func ensureRow(_ clinicID: UUID, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "clinic_settings").columns("clinic_id", "updated_at").values(SQLBind(clinicID), SQLBind(clock()))
            .ignoringConflicts(with: "clinic_id").run()
    }
}
