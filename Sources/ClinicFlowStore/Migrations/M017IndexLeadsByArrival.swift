import FluentKit
import SQLKit

/// A clinic's leads by arrival, newest first: the dashboard's window. Without it the dashboard
/// sorted every lead the clinic ever had on each load (140 ms at 50,000 leads, growing). A lead's
/// `created_at` never changes, so the pipeline pays one insert at the index's newest end per lead.
struct M017IndexLeadsByArrival: AsyncMigration {
    var name: String { "017-index-leads-by-arrival" }

    func prepare(on database: any Database) async throws {
        try await database.sql.raw("CREATE INDEX leads_clinic_created ON leads (clinic_id, created_at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX leads_clinic_created").run()
    }
}
