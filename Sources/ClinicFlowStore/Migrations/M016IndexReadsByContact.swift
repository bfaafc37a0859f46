import FluentKit
import SQLKit

/// A contact's conversations, the contacts merged into one, and a contact's appointments. The
/// contact page, its timeline, export, merges and recalls read these for one person; without the
/// indexes each read walked every conversation of the clinic, every contact, or every appointment,
/// and a clinic a year in (50,000 patients) saw its timeline take 40–55 ms for one person.
///
/// Conversations are indexed by contact alone: their `updated_at` changes with every message, and
/// keeping it in this index too would cost the pipeline an index update per message for a sort
/// over a person's two or three conversations.
struct M016IndexReadsByContact: AsyncMigration {
    var name: String { "016-index-reads-by-contact" }

    func prepare(on database: any Database) async throws {
        let sql = database.sql
        try await sql.raw("CREATE INDEX conversations_contact ON conversations (contact_id)").run()
        // Only merged contacts have it set: a small index, matched by any `merged_into = ?`.
        try await sql.raw("CREATE INDEX contacts_merged_into ON contacts (merged_into) WHERE merged_into IS NOT NULL").run()
        try await sql.raw("CREATE INDEX appointments_contact ON appointments (contact_id, starts_at)").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database.sql
        try await sql.raw("DROP INDEX appointments_contact").run()
        try await sql.raw("DROP INDEX contacts_merged_into").run()
        try await sql.raw("DROP INDEX conversations_contact").run()
    }
}
