import ClinicFlowDomain
@testable import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import SQLKit
import Testing

/// What the console's board and dashboard read: each column's newest leads, the names on the cards,
/// the conversation each card links to, the latest updated leads. All within one clinic, at a cost
/// that does not grow with its history (the board refreshes live, on SQLite's one connection).
@Suite struct ConsoleReadsTests {
    @Test(arguments: TestDatabase.available)
    func columnsHoldTheirNewestLeadsAndTheDashboardTheLatestUpdated(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let clinics = ClinicRepository(store: store)
            let mine = try await clinics.create(Clinic(name: "Mine", slug: "mine"))
            let other = try await clinics.create(Clinic(name: "Other", slug: "other"))
            let contacts = ContactRepository(store: store)
            let start = Date(timeIntervalSince1970: 1_764_590_400)
            var won: [UUID] = []
            for minute in 0..<5 {
                let leads = LeadRepository(store: store, clock: { start.addingTimeInterval(Double(minute) * 60) })
                let contact = try await contacts.create(Contact(clinicID: mine.id, name: "Patient \(minute)"))
                won.append(try await leads.create(Lead(clinicID: mine.id, contactID: contact.id, stage: "WON", status: .won)).id)
            }
            let fresh = try await contacts.create(Contact(clinicID: mine.id, name: "Fresh"))
            let new = try await LeadRepository(store: store).create(Lead(clinicID: mine.id, contactID: fresh.id, stage: "NEW"))
            let stranger = try await contacts.create(Contact(clinicID: other.id, name: "Elsewhere"))
            _ = try await LeadRepository(store: store).create(Lead(clinicID: other.id, contactID: stranger.id, stage: "NEW"))

            let latest = try await LeadRepository(store: store).items(clinicID: mine.id, .init(limit: 4))
            #expect(latest.map(\.id) == [new.id] + won.reversed().prefix(3), "newest first, this clinic's only")

            let board = try await LeadRepository(store: store).board(clinicID: mine.id, stages: ["NEW", "WON", "LOST"], perColumn: 3)
            #expect(board["WON"]?.leads.map(\.id) == Array(won.reversed().prefix(3)) && board["WON"]?.more == true)
            #expect(board["NEW"]?.leads.map(\.id) == [new.id] && board["NEW"]?.more == false, "not the other clinic's new lead")
            #expect(board["LOST"]?.leads.isEmpty == true && board["LOST"]?.more == false)
        }
    }

    @Test(arguments: TestDatabase.available)
    func namesAndConversationLinksComeFromTheClinicOnly(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let clinics = ClinicRepository(store: store)
            let mine = try await clinics.create(Clinic(name: "Mine", slug: "mine"))
            let other = try await clinics.create(Clinic(name: "Other", slug: "other"))
            let box = SecretBox(key: [UInt8](repeating: 7, count: 32))
            let channels = ChannelRepository(store: store, secretBox: box)
            let whatsapp = try await channels.create(ClinicChannel(clinicID: mine.id, provider: .meta, name: "WhatsApp"), credentials: ChannelCredentials([:]))
            let site = try await channels.create(ClinicChannel(clinicID: mine.id, provider: .webform, name: "Site"), credentials: ChannelCredentials([:]))
            let theirs = try await channels.create(ClinicChannel(clinicID: other.id, provider: .meta, name: "W"), credentials: ChannelCredentials([:]))
            let contacts = ContactRepository(store: store)
            let ana = try await contacts.create(Contact(clinicID: mine.id, name: "Ana"))
            let phoneOnly = try await contacts.create(Contact(clinicID: mine.id, phone: "+5511987654321"))
            let stranger = try await contacts.create(Contact(clinicID: other.id, name: "Elsewhere"))

            #expect(try await contacts.labels(ids: [ana.id, phoneOnly.id, stranger.id, ana.id], clinicID: mine.id) == [ana.id: "Ana", phoneOnly.id: "+5511987654321"])

            let start = Date(timeIntervalSince1970: 1_764_590_400)
            let older = try await ConversationRepository(store: store, clock: { start }).conversation(clinicID: mine.id, contactID: ana.id, channelID: site.id, externalID: nil)
            let latest = try await ConversationRepository(store: store, clock: { start.addingTimeInterval(60) })
                .conversation(clinicID: mine.id, contactID: ana.id, channelID: whatsapp.id, externalID: nil)
            let foreign = try await ConversationRepository(store: store).conversation(clinicID: other.id, contactID: stranger.id, channelID: theirs.id, externalID: nil)
            let links = try await ConversationRepository(store: store).latestConversationIDs(clinicID: mine.id, contactIDs: [ana.id, phoneOnly.id, stranger.id])
            #expect(links == [ana.id: latest.id], "the newer of Ana's two, not \(older.id); nothing of the other clinic (\(foreign.id))")
        }
    }

    /// Each read seeks: by id, by contact, by clinic and stage. With `clinic_id = ?` next to an `IN`
    /// list, SQLite took the clinic's index and read every contact or conversation of the clinic.
    @Test func theBoardsReadsSeek() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let sql = store.sql()
            func plan(_ query: SQLSelectBuilder) async throws -> [String] {
                try await sql.raw("EXPLAIN QUERY PLAN \(query.query)").all().map { try $0.decode(column: "detail", as: String.self) }
            }
            let ids = [UUID(), UUID(), UUID()]
            let labels = try await plan(ContactRepository.labelsQuery(ids, on: sql))
            #expect(labels.contains { $0.contains("USING INDEX sqlite_autoindex_contacts_1 (id=?)") }, "\(labels)")
            let links = try await plan(ConversationRepository.latestConversationsQuery(ids, on: sql))
            #expect(links.contains { $0.contains("USING INDEX conversations_contact (contact_id=?)") }, "\(links)")
            let column = try await plan(LeadRepository.itemsQuery(sql.select().column("id").from("leads"), clinicID: UUID(), .init(stage: "WON", limit: 101)))
            #expect(column.contains { $0.contains("USING INDEX leads_clinic_stage (clinic_id=? AND stage=?)") }, "\(column)")
            #expect(!column.contains { $0 == "USE TEMP B-TREE FOR ORDER BY" }, "ordered by the index: \(column)")
        }
    }
}
