import FluentKit
import SQLKit

/// Scores and their history, triage and temperature on leads, consultants' caps and hours, tasks,
/// notifications and per-clinic settings (scoring words, routing rules, LLM).
struct M010CreateScoringAndAssignment: AsyncMigration {
    var name: String { "010-create-scoring-and-assignment" }

    func prepare(on database: any Database) async throws {
        // One column per ALTER: SQLite adds a single column per statement.
        for (name, type) in [("max_open_leads", DatabaseSchema.DataType.int), ("working_hours", .string), ("last_assigned_at", .datetime)] {
            try await database.schema("users").field(.definition(name: .key(.string(name)), dataType: type, constraints: [])).update()
        }
        for (name, type) in [("score", DatabaseSchema.DataType.int), ("temperature", .string), ("urgent", .bool), ("language", .string), ("scored_at", .datetime)] {
            try await database.schema("leads").field(.definition(name: .key(.string(name)), dataType: type, constraints: [])).update()
        }
        try await database.schema("lead_scores")
            .id()
            .field("clinic_id", .uuid, .required)
            .field("lead_id", .uuid, .required, .references("leads", "id", onDelete: .cascade))
            .field("score", .int, .required)
            .field("temperature", .string, .required)
            .field("confidence", .double, .required)
            .field("reasons", .string, .required)
            .field("procedure", .string)
            .field("budget_mentioned", .bool, .required)
            .field("urgency", .string, .required)
            .field("scorer", .string, .required)
            .field("fallback_reason", .string)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("tasks")
            .id()
            .field("clinic_id", .uuid, .required, .references("clinics", "id", onDelete: .cascade))
            .field("lead_id", .uuid)
            .field("assignee_id", .uuid)
            .field("kind", .string, .required)
            .field("priority", .string, .required)
            .field("title", .string, .required)
            .field("status", .string, .required)
            .field("due_at", .datetime)
            .field("idempotency_key", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "idempotency_key", name: "tasks_idempotency_key")
            .create()
        try await database.schema("notifications")
            .id()
            .field("clinic_id", .uuid, .required, .references("clinics", "id", onDelete: .cascade))
            .field("user_id", .uuid)
            .field("lead_id", .uuid)
            .field("kind", .string, .required)
            .field("title", .string, .required)
            .field("idempotency_key", .string)
            .field("created_at", .datetime, .required)
            .field("read_at", .datetime)
            .unique(on: "idempotency_key", name: "notifications_idempotency_key")
            .create()
        try await database.schema("clinic_settings")
            .field("clinic_id", .uuid, .identifier(auto: false), .references("clinics", "id", onDelete: .cascade))
            .field("scoring", .string)
            .field("routing", .string)
            .field("llm", .string)
            .field("llm_api_key", .data)
            .field("updated_at", .datetime, .required)
            .create()
        let sql = database.sql
        try await sql.raw("CREATE INDEX lead_scores_lead ON lead_scores (lead_id, created_at)").run()
        try await sql.raw("CREATE INDEX tasks_clinic_status ON tasks (clinic_id, status, created_at)").run()
        try await sql.raw("CREATE INDEX notifications_clinic ON notifications (clinic_id, created_at)").run()
        try await sql.raw("CREATE INDEX leads_owner_status ON leads (owner_id, status)").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["clinic_settings", "notifications", "tasks", "lead_scores"] { try await database.schema(table).delete() }
        for name in ["score", "temperature", "urgent", "language", "scored_at"] {
            try await database.schema("leads").deleteField(.key(.string(name))).update()
        }
        for name in ["max_open_leads", "working_hours", "last_assigned_at"] {
            try await database.schema("users").deleteField(.key(.string(name))).update()
        }
    }
}
