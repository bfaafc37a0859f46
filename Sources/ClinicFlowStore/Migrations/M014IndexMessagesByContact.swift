import FluentKit
import SQLKit

/// Messages by contact, newest first: what scoring reads for every inbound message (the person's
/// latest texts across channels), and what opt-out, export and erasure look up. Without it each of
/// those read the whole messages table, so scoring slowed down as a clinic's history grew.
struct M014IndexMessagesByContact: AsyncMigration {
    var name: String { "014-index-messages-by-contact" }

    func prepare(on database: any Database) async throws {
        try await database.sql.raw("CREATE INDEX messages_contact_sent ON messages (contact_id, sent_at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX messages_contact_sent").run()
    }
}
