@testable import ClinicFlowStore
import ClinicFlowTestSupport
import SQLKit
import Testing

/// Column lists quoted once read exactly as SQLKit would quote them, on each database.
@Suite struct ColumnListTests {
    @Test(arguments: TestDatabase.available)
    func aQuotedOnceListIsTheTextSQLKitWouldWrite(_ database: TestDatabase) async throws {
        try await withTestStore(database, migrate: false) { store, _ in
            let sql = store.sql()
            for list in [LeadRepository.columns, ConversationRepository.messageColumns, JobSnapshot.columns, LeasedJob.columns, JobQueue.insertColumns] {
                let ours = sql.serialize(list).sql
                let sqlkits = sql.serialize(SQLList(list.names.map { SQLIdentifier($0) })).sql
                #expect(ours == sqlkits)
            }
        }
    }
}
