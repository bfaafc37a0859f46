import ClinicFlowDomain
@testable import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import SQLKit
import Testing

/// Reads about one person: who an inbound message is from (exact kind and value pairs within one
/// clinic, through the identities index), and their conversations.
@Suite struct ContactReadsTests {
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

    /// Every inbound message runs this read: one seek in the (clinic, kind, value) index per
    /// identity. Filtering on the value alone let SQLite use only the clinic's part of the index, so
    /// each message walked all the clinic's identities.
    @Test func theMatchSeeksOnClinicKindAndValueForEachIdentity() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let sql = store.sql()
            for count in [1, 2, 5] {
                let identities = (0..<count).map { ContactIdentity(kind: $0 % 2 == 0 ? .phone : .whatsapp, value: "551198765432\($0)") }
                var serializer = SQLSerializer(database: sql)
                ContactRepository.matchesQuery(identities, clinicID: UUID(), on: sql).query.serialize(to: &serializer)
                #expect(serializer.binds.count == 3 * count)
                let plan = try await sql.raw("EXPLAIN QUERY PLAN \(unsafeRaw: serializer.sql)").all().map { try $0.decode(column: "detail", as: String.self) }
                let seeks = plan.filter { $0.contains("USING INDEX sqlite_autoindex_contact_identities_2 (clinic_id=? AND kind=? AND value=?)") }
                #expect(seeks.count == count, "\(plan)")
            }
        }
    }

    /// Scoring reads a person's lead history for every returning patient: a seek by contact, whatever
    /// other index on the clinic's leads might spare the sort.
    @Test func aPersonsLeadHistorySeeksByContact() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let sql = store.sql()
            let query = LeadRepository.historyQuery(sql.select().column("id").from("leads"), contactID: UUID(), clinicID: UUID()).query
            let plan = try await sql.raw("EXPLAIN QUERY PLAN \(query)").all().map { try $0.decode(column: "detail", as: String.self) }
            #expect(plan.contains { $0.contains("USING INDEX leads_contact (contact_id=?)") }, "\(plan)")
        }
    }

    /// A person's conversations come newest first and page like any list, without another
    /// contact's or another clinic's.
    @Test(arguments: TestDatabase.available)
    func aContactsConversationsAreListedNewestFirst(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let clinics = ClinicRepository(store: store)
            let mine = try await clinics.create(Clinic(name: "Mine", slug: "mine"))
            let other = try await clinics.create(Clinic(name: "Other", slug: "other"))
            let box = SecretBox(key: [UInt8](repeating: 7, count: 32))
            let repository = ChannelRepository(store: store, secretBox: box)
            var channels: [ClinicChannel] = []
            for name in ["WhatsApp", "Instagram", "Site", "SMS"] {
                channels.append(try await repository.create(ClinicChannel(clinicID: mine.id, provider: .meta, name: name), credentials: ChannelCredentials([:])))
            }
            let elsewhere = try await repository.create(ClinicChannel(clinicID: other.id, provider: .meta, name: "W"), credentials: ChannelCredentials([:]))
            let contacts = ContactRepository(store: store)
            let ana = try await contacts.create(Contact(clinicID: mine.id, name: "Ana"))
            let bruno = try await contacts.create(Contact(clinicID: mine.id, name: "Bruno"))
            let stranger = try await contacts.create(Contact(clinicID: other.id, name: "Ana elsewhere"))
            // Opened a minute apart in this order: Instagram, SMS, WhatsApp (newest).
            let start = Date(timeIntervalSince1970: 1_764_590_400)
            var opened: [UUID] = []
            for (minute, channel) in [channels[1], channels[3], channels[0]].enumerated() {
                let conversations = ConversationRepository(store: store, clock: { start.addingTimeInterval(Double(minute) * 60) })
                opened.append(try await conversations.conversation(clinicID: mine.id, contactID: ana.id, channelID: channel.id, externalID: nil).id)
            }
            let conversations = ConversationRepository(store: store)
            _ = try await conversations.conversation(clinicID: mine.id, contactID: bruno.id, channelID: channels[2].id, externalID: nil)
            _ = try await conversations.conversation(clinicID: other.id, contactID: stranger.id, channelID: elsewhere.id, externalID: nil)

            let all = try await conversations.list(clinicID: mine.id, contactID: ana.id)
            #expect(all.items.map(\.id) == opened.reversed() && all.total == 3)
            let second = try await conversations.list(clinicID: mine.id, contactID: ana.id, limit: 1, offset: 1)
            #expect(second.items.map(\.id) == [opened[1]] && second.total == 3)
            #expect(try await conversations.list(clinicID: other.id, contactID: ana.id).total == 0, "not through another clinic")
            #expect(try await conversations.list(clinicID: mine.id).total == 4)
        }
    }
}
