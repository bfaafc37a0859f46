import ClinicFlowDomain
@testable import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import SQLKit
import Testing

/// Finding who an inbound message is from: exact (kind, value) pairs within one clinic, read through
/// the identities index.
@Suite struct ContactMatchTests {
    @Test(arguments: TestDatabase.available)
    func identitiesMatchByKindAndValueWithinTheClinic(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let clinics = ClinicRepository(store: store)
            let mine = try await clinics.create(Clinic(name: "Mine", slug: "mine"))
            let other = try await clinics.create(Clinic(name: "Other", slug: "other"))
            let contacts = ContactRepository(store: store)
            let ana = try await contacts.create(Contact(
                clinicID: mine.id, name: "Ana", phone: "+5511987654321",
                identities: [.init(kind: .phone, value: "+5511987654321"), .init(kind: .chatwoot, value: "42")]
            ))
            // The same values under another kind, and in another clinic: neither is Ana.
            let bruno = try await contacts.create(Contact(clinicID: mine.id, name: "Bruno", identities: [.init(kind: .hubspot, value: "+5511987654321")]))
            _ = try await contacts.create(Contact(clinicID: other.id, name: "Ana elsewhere", identities: [.init(kind: .chatwoot, value: "42")]))

            let asked: [ContactIdentity] = [.init(kind: .phone, value: "+5511987654321"), .init(kind: .chatwoot, value: "42"), .init(kind: .email, value: "42")]
            let found = try await contacts.matches(asked, clinicID: mine.id)
            #expect(found == [.init(kind: .phone, value: "+5511987654321"): ana.id, .init(kind: .chatwoot, value: "42"): ana.id])
            #expect(try await contacts.matches([.init(kind: .hubspot, value: "+5511987654321")], clinicID: mine.id).values.first == bruno.id)
            #expect(try await contacts.matches([.init(kind: .whatsapp, value: "5511987654321")], clinicID: mine.id).isEmpty)
        }
    }

    /// Every inbound message runs this read. Filtering on the value alone let SQLite use only the
    /// clinic's part of the index, so each message walked all the clinic's identities.
    @Test func theMatchSeeksOnClinicKindAndValue() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let sql = store.sql()
            let query = ContactRepository.matchesQuery(
                [.init(kind: .phone, value: "+5511987654321"), .init(kind: .whatsapp, value: "5511987654321")], clinicID: UUID(), on: sql
            ).query
            let plan = try await sql.raw("EXPLAIN QUERY PLAN \(query)").all().map { try $0.decode(column: "detail", as: String.self) }
            #expect(plan.contains { $0.contains("(clinic_id=? AND kind=? AND value=?)") }, "\(plan)")
        }
    }
}
