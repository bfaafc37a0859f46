import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowProviders
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Testing

@Suite struct InboundIntakeTests {
    @Test(arguments: TestDatabase.available)
    func theSamePersonFromWhatsAppAndAWebFormIsOneContact(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store)
            let whatsapp = try await harness.channel(.meta, department: "implants")
            let form = try await harness.channel(.webform)

            // WhatsApp still knows her by the number without Brazil's ninth digit.
            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.1", from: "551187654321", name: "Maria Silva", text: "Oi, quanto custa o implante?"), to: whatsapp)
            try await harness.deliver(
                #"{"submission_id":"f1","nome":"Maria S.","telefone":"(11) 98765-4321","email":"Maria@Example.com","procedimento":"Implante","utm_source":"google","utm_campaign":"implantes"}"#,
                to: form
            )

            #expect(try await harness.count("contacts") == 1)
            let contacts = try await harness.components.contacts.list(clinicID: harness.clinic.id, .init())
            let contact = try #require(contacts.items.first)
            #expect(contact.phone == "+5511987654321")
            #expect(contact.name == "Maria Silva")  // the first name known is kept
            #expect(contact.email == "maria@example.com")  // gaps are filled
            #expect(Set(contact.identities) == [
                .init(kind: .phone, value: "+5511987654321"), .init(kind: .whatsapp, value: "551187654321"), .init(kind: .email, value: "maria@example.com"),
            ])

            // One open lead, attributed to where she came from first, in the channel's department.
            let leads = try await harness.components.leads.list(clinicID: harness.clinic.id, .init())
            #expect(leads.total == 1)
            let lead = try #require(leads.items.first)
            #expect(lead.stage == "NEW")
            #expect(lead.status == .open)
            #expect(lead.source == "meta")
            #expect(lead.department == "implants")
            #expect(lead.firstInboundAt == Date(timeIntervalSince1970: 1_749_416_383))

            // One conversation per channel; what she wrote on the form is kept as her message there.
            let conversations = try await harness.components.conversations.list(clinicID: harness.clinic.id)
            #expect(conversations.total == 2)
            var bodies: [UUID: [String?]] = [:]
            for conversation in conversations.items {
                bodies[conversation.channelID] = try await harness.components.conversations.messages(conversationID: conversation.id, clinicID: harness.clinic.id).map(\.body)
            }
            #expect(bodies[whatsapp.id] == ["Oi, quanto custa o implante?"])
            #expect(bodies[form.id] == ["(Implante)"])

            let timeline = try await harness.components.events.events(inStream: Contact.stream(contact.id)).map(\.type)
            #expect(timeline == [
                "contact.created", "lead.created", "message.received", "lead.scored", "lead.pooled",  // nobody to assign to
                "contact.identities_linked", "form.submitted", "message.received", "lead.scored",
            ])
        }
    }

    @Test(arguments: TestDatabase.available)
    func processingTheSameEventTwiceChangesNothing(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store)
            let whatsapp = try await harness.channel(.meta)
            let body = IntakeHarness.metaMessage(id: "wamid.twice", from: "351912345678", name: "Inês", text: "Olá")
            try await harness.deliver(body, to: whatsapp)
            let before = try await snapshot(harness)

            // The same event again: a second intake job for it, as a redelivered job would be.
            let eventKey = "inbound:\(whatsapp.id.uuidString.lowercased()):message:wamid.twice"
            try await harness.components.queue.enqueue(JobRequest(kind: InboundIntakeJob.kind, encoding: InboundIntakeJob.Payload(eventKey: eventKey), idempotencyKey: "again"))
            await harness.worker.drain()
            // And the same webhook delivered again in another batch (Meta re-batching).
            try await harness.deliver(body.replacingOccurrences(of: #""id":"1""#, with: #""id":"2""#), to: whatsapp)

            #expect(try await snapshot(harness) == before)
            #expect(try await harness.components.queue.count(status: .dead) == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func concurrentRunsOfOneEventCreateOneContact(database: TestDatabase) async throws {
        try await withTestStore(database) { store, location in
            let harness = try await IntakeHarness(store: store)
            let whatsapp = try await harness.channel(.meta)
            // The delivery's normalisation (which takes the event in) three times over, raced by two
            // workers on two connections, as redelivered jobs after a crash would be.
            let body = IntakeHarness.metaMessage(id: "wamid.race", from: "34612345678", name: "Lucía", text: "Hola")
            let request = WebhookRequest(url: "https://x", headers: ["Content-Type": "application/json"], body: Array(body.utf8))
            let identity = try MetaAdapter().inspect(request)
            let stored = try await harness.components.deliveries.record([NewDelivery(
                clinicID: harness.clinic.id, channelID: whatsapp.id, provider: .meta, dedupeKey: identity.dedupeKey, eventType: nil,
                mediaType: "application/json", body: Array(body.utf8), correlationID: nil, receivedAt: Date()
            )])
            let deliveryID = try #require(stored.first?.id)
            for copy in 0..<2 {
                try await harness.components.queue.enqueue(JobRequest(
                    kind: DeliveryStore.normalizeJobKind, encoding: DeliveryStore.NormalizePayload(deliveryID: deliveryID), idempotencyKey: "copy-\(copy)"
                ))
            }
            let other = try await location.openStore(migrate: false)
            let otherHarness = EngineComponents(store: other, secretBox: SecretBox(key: (0..<32).map { UInt8($0 * 7 % 251) }), defaultMaxAttempts: 3)
            let workers = [
                harness.worker,
                JobWorker(queue: otherHarness.queue, events: otherHarness.events, registry: ClinicFlowJobs.registry(otherHarness), configuration: .init(concurrency: 4), logger: .quiet),
            ]
            await withTaskGroup(of: Void.self) { group in
                for worker in workers { group.addTask { _ = await worker.drain() } }
            }
            await other.shutdown()
            await harness.worker.drain()  // retries of runs that lost the race
            #expect(try await harness.count("contacts") == 1)
            #expect(try await harness.count("leads") == 1)
            #expect(try await harness.count("messages") == 1)
            #expect(try await harness.components.queue.count(status: .dead) == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func deliveryStatusesUpdateOutboundMessages(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store)
            let whatsapp = try await harness.channel(.meta)
            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.in", from: "5511987654321", name: "João", text: "Oi"), to: whatsapp)
            let conversation = try #require(try await harness.components.conversations.list(clinicID: harness.clinic.id).items.first)
            try await harness.components.conversations.insert(Message(
                clinicID: harness.clinic.id, conversationID: conversation.id, contactID: conversation.contactID, channelID: whatsapp.id,
                direction: .outbound, providerMessageID: "wamid.out", body: "Olá João!", status: "sent", author: "assistant", sentAt: Date()
            ))
            try await harness.deliver(IntakeHarness.metaStatus(id: "wamid.out", status: "read", recipient: "5511987654321"), to: whatsapp)
            let messages = try await harness.components.conversations.messages(conversationID: conversation.id, clinicID: harness.clinic.id)
            #expect(messages.first { $0.providerMessageID == "wamid.out" }?.status == "read")
            let types = try await harness.components.events.events(inStream: Contact.stream(conversation.contactID)).map(\.type)
            #expect(types.last == "message.status_changed")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aCalBookingMovesTheLeadToMeetingScheduled(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store)
            let whatsapp = try await harness.channel(.meta)
            let cal = try await harness.channel(.calcom)
            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.b", from: "5511987654321", name: "Ana", text: "Quero marcar"), to: whatsapp)
            try await harness.deliver(
                #"{"triggerEvent":"BOOKING_CREATED","createdAt":"2024-05-24T09:30:00.538Z","payload":{"uid":"bk1","title":"Avaliação","startTime":"2024-06-10T13:00:00Z","endTime":"2024-06-10T13:30:00Z","attendees":[{"email":"ana@example.com","name":"Ana","timeZone":"America/Sao_Paulo"}],"responses":{"attendeePhoneNumber":{"value":"+55 11 98765-4321"}}}}"#,
                to: cal
            )
            #expect(try await harness.count("contacts") == 1)
            let lead = try #require(try await harness.components.leads.list(clinicID: harness.clinic.id, .init()).items.first)
            #expect(lead.stage == "MEETING_SCHEDULED")
            let types = try await harness.components.events.events(inStream: Contact.stream(lead.contactID)).map(\.type)
            #expect(types.suffix(3) == ["contact.identities_linked", "booking.created", "lead.stage_changed"])
        }
    }

    private func snapshot(_ harness: IntakeHarness) async throws -> [Int] {
        [
            try await harness.count("contacts"), try await harness.count("contact_identities"), try await harness.count("leads"),
            try await harness.count("conversations"), try await harness.count("messages"), try await harness.count("events"),
        ]
    }
}
