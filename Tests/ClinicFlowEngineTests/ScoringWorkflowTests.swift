import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Testing

/// Inbound message → score, triage, task, notification and assignment, on real databases.
@Suite struct ScoringWorkflowTests {
    func consultants(_ harness: IntakeHarness, team: String, count: Int) async throws -> [User] {
        var users: [User] = []
        for index in 0..<count {
            users.append(try await harness.components.access.createUser(
                User(email: "c\(index)-\(UUID().uuidString.prefix(4))@example.com", name: "Consultant \(index)", role: .consultant, clinicIDs: [harness.clinic.id]),
                passwordHash: "x"
            ))
        }
        _ = try await harness.components.access.createTeam(Team(clinicID: harness.clinic.id, key: team, name: team, memberIDs: Set(users.map(\.id))))
        return users
    }

    @Test(arguments: TestDatabase.available)
    func aHotLeadIsScoredAssignedAndGetsAHighPriorityTask(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store)
            let team = try await consultants(harness, team: "implants", count: 2)
            let whatsapp = try await harness.channel(.meta, department: "implants")
            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.hot", from: "5511987654321", name: "Maria", text: "Quanto custa o implante? Quero agendar avaliação amanhã"), to: whatsapp)

            let lead = try #require(try await harness.components.leads.list(clinicID: harness.clinic.id, .init()).items.first)
            #expect(lead.temperature == .hot)
            #expect(lead.score == 5)
            #expect(lead.procedure == "implant")
            #expect(lead.language == "pt")
            #expect(!lead.urgent)
            #expect(lead.department == "implants")
            #expect(team.map(\.id).contains(try #require(lead.ownerID)))

            let history = try await harness.components.scoring.history(leadID: lead.id, clinicID: harness.clinic.id)
            #expect(history.count == 1)
            #expect(history[0].score.reasons.contains("asks about implant"))
            let tasks = try await harness.components.scoring.tasks(clinicID: harness.clinic.id)
            #expect(tasks.map(\.kind) == ["call_hot_lead"])
            #expect(tasks.first?.priority == "high")
            #expect(tasks.first?.assigneeID == lead.ownerID)  // assigned in the scoring transaction, before the task
            let notifications = try await harness.components.scoring.notifications(clinicID: harness.clinic.id, userID: lead.ownerID!)
            #expect(Set(notifications.map(\.kind)) == ["hot_lead", "assigned"])
            let types = try await harness.components.events.events(inStream: Contact.stream(lead.contactID)).map(\.type)
            #expect(types.suffix(2) == ["lead.scored", "lead.assigned"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func aPooledLeadIsAssignedWhenItsNextMessageFindsSomeoneAvailable(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store)
            let whatsapp = try await harness.channel(.meta, department: "implants")
            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.p1", from: "5511987654321", name: "Rita", text: "Oi"), to: whatsapp)
            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.p2", from: "5511987654321", name: "Rita", text: "Alguém?", timestamp: 1_749_416_390), to: whatsapp)
            var lead = try #require(try await harness.components.leads.list(clinicID: harness.clinic.id, .init()).items.first)
            #expect(lead.ownerID == nil)  // nobody in implants yet

            let team = try await consultants(harness, team: "implants", count: 1)
            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.p3", from: "5511987654321", name: "Rita", text: "Quero agendar", timestamp: 1_749_416_400), to: whatsapp)
            lead = try #require(try await harness.components.leads.find(id: lead.id, clinicID: harness.clinic.id))
            #expect(lead.ownerID == team[0].id)
            let types = try await harness.components.events.events(inStream: Contact.stream(lead.contactID)).map(\.type)
            #expect(types.filter { $0 == "lead.pooled" }.count == 1)  // pooled twice, said once
            #expect(types.filter { $0 == "lead.assigned" }.count == 1)
        }
    }

    /// A send finishing after the lead was scored and assigned records its first response and
    /// nothing else (it read the lead before either happened).
    @Test(arguments: TestDatabase.available)
    func theFirstResponseIsRecordedOnceWithoutUndoingTheScoreOrOwner(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store)
            let team = try await consultants(harness, team: "implants", count: 1)
            let whatsapp = try await harness.channel(.meta, department: "implants")
            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.fr", from: "5511987654321", name: "Maria", text: "Quanto custa o implante? Quero agendar amanhã"), to: whatsapp)
            let scored = try #require(try await harness.components.leads.list(clinicID: harness.clinic.id, .init()).items.first)
            #expect(scored.ownerID == team[0].id && scored.score != nil && scored.firstResponseAt == nil)

            let first = Date(timeIntervalSince1970: 1_800_000_000)
            try await harness.components.leads.recordFirstResponse(leadID: scored.id, at: first)
            try await harness.components.leads.recordFirstResponse(leadID: scored.id, at: first.addingTimeInterval(60))
            let lead = try #require(try await harness.components.leads.find(id: scored.id, clinicID: harness.clinic.id))
            #expect(lead.firstResponseAt == first)
            #expect(lead.ownerID == scored.ownerID && lead.score == scored.score && lead.temperature == scored.temperature && lead.stage == scored.stage)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aRedFlagMakesTheLeadUrgentAndStopsTheAssistant(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store)
            let whatsapp = try await harness.channel(.meta)
            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.1", from: "5511987654321", name: "João", text: "Oi, vocês fazem clareamento?"), to: whatsapp)
            var lead = try #require(try await harness.components.leads.list(clinicID: harness.clinic.id, .init()).items.first)
            #expect(!lead.urgent)
            #expect(AssistantGate.decide(lead: lead, humanTakeover: false, safetyMessageSent: false) == .answer)

            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.2", from: "5511987654321", name: "João", text: "Meu rosto está muito inchado e estou com febre", timestamp: 1_749_416_400), to: whatsapp)
            lead = try #require(try await harness.components.leads.find(id: lead.id, clinicID: harness.clinic.id))
            #expect(lead.urgent)
            #expect(lead.temperature == .hot)
            guard case .safetyMessageOnly(let message) = AssistantGate.decide(lead: lead, humanTakeover: false, safetyMessageSent: false) else {
                Issue.record("the assistant may still answer an urgent lead"); return
            }
            #expect(message.contains("192"))  // Portuguese, with Brazil's emergency number
            #expect(AssistantGate.decide(lead: lead, humanTakeover: false, safetyMessageSent: true) == .silent(reason: "urgent: waiting for a person"))

            let tasks = try await harness.components.scoring.tasks(clinicID: harness.clinic.id)
            let urgent = try #require(tasks.first { $0.kind == "urgent_triage" })
            #expect(urgent.priority == "urgent")
            #expect(urgent.title.contains("swelling") && urgent.title.contains("fever"))
            #expect(try await harness.components.scoring.notifications(clinicID: harness.clinic.id, userID: UUID()).contains { $0.kind == "urgent" })  // clinic-wide while unowned
            let types = try await harness.components.events.events(inStream: Contact.stream(lead.contactID)).map(\.type)
            #expect(types.contains("lead.triage_flagged"))

            // A calmer message later does not clear it: a person does.
            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.3", from: "5511987654321", name: "João", text: "ok obrigado", timestamp: 1_749_416_500), to: whatsapp)
            #expect(try await harness.components.leads.find(id: lead.id, clinicID: harness.clinic.id)?.urgent == true)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aReturningContactGoesBackToTheirPreviousOwner(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store)
            let team = try await consultants(harness, team: "implants", count: 3)
            let whatsapp = try await harness.channel(.meta, department: "implants")
            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.a", from: "5511987654321", name: "Ana", text: "Quero clareamento"), to: whatsapp)
            var first = try #require(try await harness.components.leads.list(clinicID: harness.clinic.id, .init()).items.first)
            let owner = try #require(first.ownerID)
            // The lead is won; months later she writes again.
            first.status = .won
            first.stage = "WON"
            try await harness.components.leads.save(first)
            // Others got leads meanwhile, so round robin alone would pick someone else.
            for other in team where other.id != owner { try await harness.components.access.markAssigned(other.id, at: Date(timeIntervalSince1970: 0)) }
            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.b", from: "5511987654321", name: "Ana", text: "Oi de novo, quero marcar manutenção", timestamp: 1_760_000_000), to: whatsapp)
            let leads = try await harness.components.leads.list(clinicID: harness.clinic.id, .init(status: .open)).items
            #expect(leads.count == 1)
            #expect(leads.first?.ownerID == owner)
            let reasons = try await harness.components.events.events(inStream: Contact.stream(first.contactID))
                .filter { $0.type == "lead.assigned" }.map { try $0.decodePayload(as: CRMEvents.LeadAssigned.self).reason }
            #expect(reasons.last?.contains("returning contact") == true)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theNightlyRefreshIsScheduledOnceADayAndRescoresStaleLeads(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store)
            let whatsapp = try await harness.channel(.meta)
            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.n", from: "5511987654321", name: "Rui", text: "Quanto custa um implante?"), to: whatsapp)
            var lead = try #require(try await harness.components.leads.list(clinicID: harness.clinic.id, .init()).items.first)
            lead.scoredAt = Date().addingTimeInterval(-3 * 86_400)
            try await harness.components.leads.save(lead)

            let clock = ManualClock(Date(timeIntervalSince1970: 1_795_060_800))  // 04:00 UTC
            let schedule = DailySchedule(entries: [.init(kind: ScoreRefreshJob.kind, hour: 3)], queue: JobQueue(store: store, clock: clock.function))
            #expect(DailySchedule.standard(queue: harness.components.queue).entries.map(\.kind).contains(ScoreRefreshJob.kind))
            try await schedule.tick()
            try await schedule.tick()  // every worker ticks; the day runs once
            #expect(try await harness.components.queue.depth().filter { _ in true }.map(\.count).reduce(0, +) == 1)
            await harness.worker.drain()
            #expect(try await harness.components.scoring.history(leadID: lead.id, clinicID: harness.clinic.id).count == 2)
            clock.advance(by: 86_400)
            try await schedule.tick()
            #expect(try await harness.components.queue.count(status: .queued) == 1)  // the next day
        }
    }
}
