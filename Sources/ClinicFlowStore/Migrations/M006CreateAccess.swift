import FluentKit
import SQLKit

/// Agencies, users, clinic memberships and teams (departments).
struct M006CreateAccess: AsyncMigration {
    var name: String { "006-create-access" }

    func prepare(on database: any Database) async throws {
        try await database.schema("agencies")
            .id()
            .field("name", .string, .required)
            .field("slug", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "slug", name: "agencies_slug")
            .create()
        try await database.schema("clinics")
            .field("agency_id", .uuid)
            .update()
        try await database.schema("users")
            .id()
            .field("email", .string, .required)
            .field("name", .string, .required)
            .field("password_hash", .string, .required)
            .field("role", .string, .required)
            .field("agency_id", .uuid)
            .field("active", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("last_login_at", .datetime)
            .unique(on: "email", name: "users_email")
            .create()
        try await database.schema("user_clinics")
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("clinic_id", .uuid, .required, .references("clinics", "id", onDelete: .cascade))
            .compositeIdentifier(over: "user_id", "clinic_id")
            .create()
        try await database.schema("teams")
            .id()
            .field("clinic_id", .uuid, .required, .references("clinics", "id", onDelete: .cascade))
            .field("key", .string, .required)
            .field("name", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "clinic_id", "key", name: "teams_clinic_key")
            .create()
        try await database.schema("team_members")
            .field("team_id", .uuid, .required, .references("teams", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .compositeIdentifier(over: "team_id", "user_id")
            .create()
        try await database.sql.raw("CREATE INDEX user_clinics_clinic ON user_clinics (clinic_id)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("team_members").delete()
        try await database.schema("teams").delete()
        try await database.schema("user_clinics").delete()
        try await database.schema("users").delete()
        try await database.schema("clinics").deleteField("agency_id").update()
        try await database.schema("agencies").delete()
    }
}
