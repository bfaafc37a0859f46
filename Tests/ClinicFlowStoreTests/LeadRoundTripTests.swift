import ClinicFlowDomain
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Testing

/// A lead comes back as it was created and saved, every column (they are written by statements
/// whose text is fixed and whose values, nil included, are bound in order).
@Suite struct LeadRoundTripTests {
    @Test(arguments: TestDatabase.available)
    func everyColumnIsWrittenAndReadBack(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let clinic = try await ClinicRepository(store: store).create(Clinic(name: "Mine", slug: "mine"))
            let contact = try await ContactRepository(store: store).create(Contact(clinicID: clinic.id, name: "Ana"))
            let channel = try await ChannelRepository(store: store, secretBox: SecretBox(key: [UInt8](repeating: 7, count: 32)))
                .create(ClinicChannel(clinicID: clinic.id, provider: .meta, name: "WhatsApp"), credentials: ChannelCredentials([:]))
            let owner = try await AccessRepository(store: store).createUser(
                User(email: "owner@example.com", name: "Owner", role: .consultant, clinicIDs: [clinic.id]), passwordHash: "x"
            )
            let now = Date(timeIntervalSince1970: 1_764_590_400)
            let leads = LeadRepository(store: store, clock: { now })

            var full = Lead(
                clinicID: clinic.id, contactID: contact.id, stage: "QUALIFIED", status: .open, ownerID: owner.id, department: "implants",
                source: "whatsapp", channelID: channel.id, utm: UTM(source: "meta_ads", medium: "whatsapp", campaign: "c1", term: "t", content: "ad"),
                procedure: "implant", valueMinor: 250_000, currency: "BRL", firstInboundAt: now.addingTimeInterval(-60),
                firstResponseAt: now.addingTimeInterval(-30), stageEnteredAt: now.addingTimeInterval(-120), closedAt: nil
            )
            full.score = 4
            full.temperature = .hot
            full.urgent = true
            full.language = "pt"
            full.scoredAt = now.addingTimeInterval(-10)
            full.depositMinor = 5_000
            let created = try await leads.create(full)
            #expect(try await leads.find(id: created.id, clinicID: clinic.id) == created)
            #expect(try await leads.find(id: created.id, clinicID: UUID()) == nil, "another clinic's id finds nothing")

            // Saved with every column changed, most of them to nil.
            var saved = created
            saved.stage = "LOST"
            saved.status = .lost
            saved.ownerID = nil
            saved.department = nil
            saved.procedure = nil
            saved.valueMinor = nil
            saved.currency = nil
            saved.firstInboundAt = nil
            saved.firstResponseAt = nil
            saved.stageEnteredAt = now
            saved.closedAt = now
            saved.score = nil
            saved.temperature = nil
            saved.urgent = false
            saved.language = nil
            saved.scoredAt = nil
            saved.depositMinor = nil
            try await leads.save(saved)
            #expect(try await leads.find(id: created.id, clinicID: clinic.id) == saved)

            // A save under another clinic's id changes nothing.
            var elsewhere = saved
            elsewhere.clinicID = UUID()
            elsewhere.stage = "WON"
            try await leads.save(elsewhere)
            #expect(try await leads.find(id: created.id, clinicID: clinic.id)?.stage == "LOST")
        }
    }
}
