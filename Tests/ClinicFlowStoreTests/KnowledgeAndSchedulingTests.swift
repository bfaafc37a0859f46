import ClinicFlowDomain
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Testing

/// Full-text search behind one interface on SQLite FTS5 and PostgreSQL, and double-booking refused.
@Suite struct KnowledgeAndSchedulingTests {
    func clinic(_ store: Store, slug: String = "c-\(UUID().uuidString.prefix(6).lowercased())") async throws -> Clinic {
        try await ClinicRepository(store: store).create(Clinic(name: "Clinic", slug: slug))
    }

    @Test(arguments: TestDatabase.available)
    func searchFindsArticlesByAnyWordIgnoringAccentsAndOtherClinics(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let knowledge = KnowledgeRepository(store: store)
            let mine = try await clinic(store)
            let other = try await clinic(store)
            let address = try await knowledge.create(.init(clinicID: mine.id, kind: "address", title: "Endereço e estacionamento", body: "Rua das Flores, 100. Estacionamento conveniado ao lado."))
            let implant = try await knowledge.create(.init(clinicID: mine.id, kind: "price", title: "Implantes", body: "O implânte unitário custa a partir de R$ 3.500, em até 10x."))
            _ = try await knowledge.create(.init(clinicID: other.id, kind: "price", title: "Implantes", body: "Implante R$ 2.000 na outra clínica."))

            #expect(try await knowledge.search("Onde fica a clínica? Tem estacionamento?", clinicID: mine.id).map(\.id) == [address.id])
            let prices = try await knowledge.search("quanto custa o implante", clinicID: mine.id)
            #expect(prices.map(\.id) == [implant.id], "accent-folded, and never another clinic's article")
            #expect(try await knowledge.search("a o e", clinicID: mine.id).isEmpty, "little words alone match nothing")
            #expect(try await knowledge.search("\"; DROP TABLE knowledge_articles; --", clinicID: mine.id).isEmpty)

            var edited = implant
            edited.body = "Implante com carga imediata."
            #expect(try await knowledge.update(edited))
            #expect(try await knowledge.search("carga imediata", clinicID: mine.id).map(\.id) == [implant.id])
            #expect(try await knowledge.search("unitário", clinicID: mine.id).isEmpty, "the index follows edits")
            #expect(try await knowledge.delete(id: implant.id, clinicID: mine.id))
            #expect(try await knowledge.search("implante", clinicID: mine.id).isEmpty)
            #expect(try await !knowledge.delete(id: address.id, clinicID: other.id), "another clinic cannot delete it")
            #expect(try await knowledge.list(clinicID: mine.id).total == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aTakenSlotCannotBeBookedTwice(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let clinic = try await clinic(store)
            let scheduling = SchedulingRepository(store: store)
            let contacts = ContactRepository(store: store)
            let dentist = try await scheduling.create(Practitioner(clinicID: clinic.id, name: "Dra. Ana", availability: try WorkingHours(["mon": ["09:00-12:00"]])))
            let first = try await contacts.create(Contact(clinicID: clinic.id, name: "A", phone: "+5511987654321", identities: []))
            let second = try await contacts.create(Contact(clinicID: clinic.id, name: "B", phone: "+5511987654322", identities: []))
            let start = Date(timeIntervalSince1970: 1_764_590_400)
            let slot = Slot(practitionerID: dentist.id, startsAt: start, endsAt: start.addingTimeInterval(1800))
            #expect(try await scheduling.book(slot, clinicID: clinic.id, contactID: first.id, leadID: nil, source: "assistant") != nil)
            #expect(try await scheduling.book(slot, clinicID: clinic.id, contactID: second.id, leadID: nil, source: "assistant") == nil)
            let overlapping = Slot(practitionerID: dentist.id, startsAt: start.addingTimeInterval(900), endsAt: start.addingTimeInterval(2700))
            #expect(try await scheduling.book(overlapping, clinicID: clinic.id, contactID: second.id, leadID: nil, source: "assistant") == nil)
            #expect(try await scheduling.bookedSlots(clinicID: clinic.id, after: start.addingTimeInterval(-60)) == [slot])
            #expect(try await scheduling.practitioners(clinicID: clinic.id).map(\.name) == ["Dra. Ana"])
        }
    }
}
