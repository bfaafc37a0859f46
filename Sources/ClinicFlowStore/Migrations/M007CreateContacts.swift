import FluentKit
import SQLKit

/// Contacts (one per person per clinic) and the identities that recognise them.
struct M007CreateContacts: AsyncMigration {
    var name: String { "007-create-contacts" }

    func prepare(on database: any Database) async throws {
        try await database.schema("contacts")
            .id()
            .field("clinic_id", .uuid, .required, .references("clinics", "id", onDelete: .cascade))
            .field("name", .string)
            .field("phone", .string)
            .field("email", .string)
            .field("merged_into", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("contact_identities")
            .id()
            .field("clinic_id", .uuid, .required)
            .field("contact_id", .uuid, .required, .references("contacts", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("value", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "clinic_id", "kind", "value", name: "contact_identities_unique")
            .create()
        let sql = database.sql
        try await sql.raw("CREATE INDEX contacts_clinic_updated ON contacts (clinic_id, updated_at)").run()
        try await sql.raw("CREATE INDEX contact_identities_contact ON contact_identities (contact_id)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("contact_identities").delete()
        try await database.schema("contacts").delete()
    }
}
