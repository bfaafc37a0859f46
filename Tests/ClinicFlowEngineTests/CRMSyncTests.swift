import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowProviders
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Testing

/// Two-way contact sync with Chatwoot and Twenty through the job queue, loop-free; Cal.com bookings,
/// HubSpot for HOT leads, Stripe deposits and calls — each against loopback servers speaking the
/// provider's API, with webhooks delivered as the gateway stores them.
@Suite struct CRMSyncTests {
    struct CRMs {
        let harness: IntakeHarness
        let twenty: LoopbackServer
        let twentyRecords: CRMRecords
        let chatwoot: LoopbackServer
        let chatwootRecords: CRMRecords
        let twentyChannel: ClinicChannel
        let chatwootChannel: ClinicChannel

        var components: EngineComponents { harness.components }

        func writes(_ server: LoopbackServer) -> [LoopbackServer.Received] { server.requests.filter { $0.method != "GET" && !$0.path.hasSuffix("/search") } }

        func contact() async throws -> Contact {
            let contacts = try await components.contacts.list(clinicID: harness.clinic.id, .init()).items
            #expect(contacts.count == 1, "one person, however many systems")
            return try #require(contacts.first)
        }
    }

    func withCRMs(_ database: TestDatabase, _ body: (CRMs) async throws -> Void) async throws {
        let twentyRecords = CRMRecords(), chatwootRecords = CRMRecords()
        let twenty = try await TwentyServer.start(twentyRecords)
        let chatwoot = try await ChatwootServer.start(chatwootRecords)
        defer { Task { await twenty.stop(); await chatwoot.stop() } }
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store, retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: 0, jitter: 0))
            let twentyChannel = try await harness.components.channels.create(
                ClinicChannel(clinicID: harness.clinic.id, provider: .twenty, name: "Twenty", settings: ChannelSettings(apiBaseURL: twenty.baseURL)),
                credentials: ChannelCredentials(["webhook_secret": "s", "api_key": TwentyServer.apiKey])
            )
            let chatwootChannel = try await harness.components.channels.create(
                ClinicChannel(
                    clinicID: harness.clinic.id, provider: .chatwoot, name: "Chatwoot", businessAccountID: String(ChatwootServer.inbox),
                    settings: ChannelSettings(apiBaseURL: chatwoot.baseURL, accountID: ChatwootServer.account)
                ),
                credentials: ChannelCredentials(["webhook_secret": "s", "api_access_token": ChatwootServer.token])
            )
            try await body(CRMs(
                harness: harness, twenty: twenty, twentyRecords: twentyRecords, chatwoot: chatwoot, chatwootRecords: chatwootRecords,
                twentyChannel: twentyChannel, chatwootChannel: chatwootChannel
            ))
        }
    }

    static func twentyPerson(_ event: String, id: String, first: String, last: String, at date: String) -> String {
        #"{"targetUrl":"https://clinic.example/hooks/twenty/x","eventName":"person.\#(event)","objectMetadata":{"id":"o","nameSingular":"person"},"workspaceId":"ws","webhookId":"wh","eventDate":"\#(date)","record":{"id":"\#(id)","name":{"firstName":"\#(first)","lastName":"\#(last)"},"emails":{"primaryEmail":"maria@example.com"},"phones":{"primaryPhoneNumber":"11987654321","primaryPhoneCallingCode":"+55"}},"updatedFields":["name"]}"#
    }

    static func chatwootContact(id: Int, name: String, at date: String) -> String {
        #"{"event":"contact_updated","id":\#(id),"name":"\#(name)","email":"maria@example.com","phone_number":"+5511987654321","identifier":null,"custom_attributes":{},"updated_at":"\#(date)","account":{"id":1}}"#
    }

    @Test(arguments: TestDatabase.available)
    func aChangeInTwentyReachesChatwootOnceAndItsEchoGoesNoFurther(database: TestDatabase) async throws {
        try await withCRMs(database) { crms in
            // Maria is already in Chatwoot (from the web widget); she is created in Twenty.
            crms.chatwootRecords.insert("contacts", id: "100", ["name": "Maria", "email": "maria@example.com"])
            crms.twentyRecords.insert("people", id: "p-1", ["firstName": "Maria", "lastName": "Silva", "email": "maria@example.com", "phone": "11987654321", "callingCode": "+55"])
            try await crms.harness.deliver(Self.twentyPerson("created", id: "p-1", first: "Maria", last: "Silva", at: "2026-12-01T10:00:00.000Z"), to: crms.twentyChannel)
            var contact = try await crms.contact()
            #expect(contact.name == "Maria Silva" && contact.phone == "+5511987654321")
            #expect(crms.writes(crms.chatwoot).map(\.method) == ["PUT"], "found by email in Chatwoot and updated, not duplicated")
            #expect(crms.chatwootRecords.find("contacts", id: "100")?.fields["name"] == "Maria Silva")
            #expect(contact.identities.contains(ContactIdentity(kind: .chatwoot, value: "100")))

            // Renamed in Twenty: one PUT to Chatwoot.
            try await crms.harness.deliver(Self.twentyPerson("updated", id: "p-1", first: "Maria", last: "Souza", at: "2026-12-01T11:00:00.000Z"), to: crms.twentyChannel)
            contact = try await crms.contact()
            #expect(contact.name == "Maria Souza")
            #expect(crms.writes(crms.chatwoot).count == 2)
            #expect(crms.writes(crms.chatwoot).last?.path == "/api/v1/accounts/1/contacts/100")
            #expect(crms.writes(crms.chatwoot).last?.json?["name"] as? String == "Maria Souza")

            // Chatwoot tells us about the change we made (twice, as webhooks do): nothing goes back to Twenty.
            try await crms.harness.deliver(Self.chatwootContact(id: 100, name: "Maria Souza", at: "2026-12-01T11:00:01.000Z"), to: crms.chatwootChannel)
            try await crms.harness.deliver(Self.chatwootContact(id: 100, name: "Maria Souza", at: "2026-12-01T11:00:02.000Z"), to: crms.chatwootChannel)
            #expect(crms.writes(crms.twenty).isEmpty, "\(crms.writes(crms.twenty).map(\.path))")
            #expect(crms.writes(crms.chatwoot).count == 2)

            // And the other way: a change made in Chatwoot reaches Twenty once; Twenty's echo stops there.
            try await crms.harness.deliver(Self.chatwootContact(id: 100, name: "Maria S. Souza", at: "2026-12-01T12:00:00.000Z"), to: crms.chatwootChannel)
            #expect(crms.writes(crms.twenty).map(\.method) == ["PATCH"])
            #expect(crms.twentyRecords.find("people", id: "p-1")?.fields["lastName"] == "S. Souza")
            let personID = try #require(try await crms.components.sync.link(contactID: contact.id, system: .twenty)?.externalID)
            #expect(personID == "p-1", "the person the webhook named")
            #expect(crms.writes(crms.twenty).last?.path == "/rest/people/p-1")
            try await crms.harness.deliver(Self.twentyPerson("updated", id: "p-1", first: "Maria", last: "S. Souza", at: "2026-12-01T12:00:01.000Z"), to: crms.twentyChannel)
            #expect(crms.writes(crms.twenty).count == 1)
            #expect(crms.writes(crms.chatwoot).count == 2)
            let stream = try await crms.components.events.events(inStream: Contact.stream(contact.id))
            let pushes = stream.filter { $0.type == "crm.contact_pushed" }
            #expect(pushes.count == 3, "\(stream.map(\.type))")
            #expect(try await crms.components.queue.count(status: .dead) == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aCRMOutageIsRetriedThenDeadLetteredAndReplayedWithoutDoubles(database: TestDatabase) async throws {
        try await withCRMs(database) { crms in
            crms.chatwootRecords.insert("contacts", id: "100", ["name": "Maria", "email": "maria@example.com"])
            crms.twentyRecords.insert("people", id: "p-1", ["firstName": "Maria", "lastName": "Silva", "email": "maria@example.com"])
            // Two 503s: the job backs off and the third attempt gets through.
            crms.chatwootRecords.failNextWrites(2)
            try await crms.harness.deliver(Self.twentyPerson("created", id: "p-1", first: "Maria", last: "Silva", at: "2026-12-01T10:00:00.000Z"), to: crms.twentyChannel)
            #expect(crms.writes(crms.chatwoot).count == 3)
            #expect(crms.chatwootRecords.find("contacts", id: "100")?.fields["name"] == "Maria Silva")

            // A longer outage uses up the attempts: the push waits in dead letters, then a replay completes it once.
            crms.chatwootRecords.failNextWrites(10)
            try await crms.harness.deliver(Self.twentyPerson("updated", id: "p-1", first: "Maria", last: "Souza", at: "2026-12-01T11:00:00.000Z"), to: crms.twentyChannel)
            let dead = try await crms.components.queue.deadLetters()
            #expect(dead.map(\.kind) == [ContactSyncJob.kind])
            #expect(dead.first?.lastError?.contains("HTTP 503") == true)
            #expect(crms.chatwootRecords.find("contacts", id: "100")?.fields["name"] == "Maria Silva")
            crms.chatwootRecords.failNextWrites(0)
            #expect(try await crms.components.queue.replay(id: try #require(dead.first?.id)))
            await crms.harness.worker.drain()
            #expect(crms.chatwootRecords.find("contacts", id: "100")?.fields["name"] == "Maria Souza")
            #expect(try await crms.components.queue.count(status: .dead) == 0)
            #expect(crms.writes(crms.twenty).isEmpty, "nothing went back to where the change came from")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aCalcomBookingBooksMovesTheLeadOpensATwentyOpportunityAndTellsChatwoot(database: TestDatabase) async throws {
        try await withCRMs(database) { crms in
            let harness = crms.harness
            let dentist = try await crms.components.scheduling.create(Practitioner(clinicID: harness.clinic.id, name: "Dra. Ana", availability: .always, email: "ana@sorriso.example"))
            _ = try await crms.components.scheduling.create(Practitioner(clinicID: harness.clinic.id, name: "Dr. Bruno", availability: .always, email: "bruno@sorriso.example"))
            // Maria writes in Chatwoot first: her open conversation there is 77.
            try await harness.deliver(
                #"{"id":501,"content":"Oi, queria uma avaliação","created_at":"2026-12-01T10:05:00.000Z","message_type":"incoming","private":false,"sender":{"id":14,"name":"Maria","email":"maria@example.com"},"inbox":{"id":3},"conversation":{"id":77,"inbox_id":3,"meta":{"sender":{"id":14,"phone_number":"+5511987654321"}}},"event":"message_created"}"#,
                to: crms.chatwootChannel
            )
            let calcom = try await harness.channel(.calcom)
            let start = Date().addingTimeInterval(5 * 86_400).formatted(.iso8601)
            let end = Date().addingTimeInterval(5 * 86_400 + 1800).formatted(.iso8601)
            let booking = #"{"triggerEvent":"BOOKING_CREATED","createdAt":"2026-12-01T10:10:00.000Z","payload":{"type":"avaliacao","title":"Avaliação entre Dra. Ana e Maria","startTime":"\#(start)","endTime":"\#(end)","organizer":{"id":5,"name":"Dra. Ana","email":"ANA@sorriso.example","timeZone":"America/Sao_Paulo"},"attendees":[{"email":"maria@example.com","name":"Maria","timeZone":"America/Sao_Paulo"}],"uid":"bk-1","bookingId":91,"status":"ACCEPTED"}}"#
            try await harness.deliver(booking, to: calcom)
            try await harness.deliver(booking, to: calcom)  // a retried webhook

            let contact = try await crms.contact()
            let appointments = try await crms.components.scheduling.appointments(clinicID: harness.clinic.id)
            #expect(appointments.count == 1)
            let appointment = try #require(appointments.first)
            #expect(appointment.practitionerID == dentist.id && appointment.source == "calcom" && appointment.externalID == "bk-1" && appointment.status == .booked)
            #expect(appointment.appointmentType == "avaliacao")
            let lead = try #require(try await crms.components.leads.openLead(contactID: contact.id))
            #expect(lead.stage == "MEETING_SCHEDULED")
            // Twenty: the person, then the opportunity pointing at them.
            let opportunity = try #require(crms.twentyRecords.all("opportunities").first)
            #expect(crms.twentyRecords.all("opportunities").count == 1)
            #expect(opportunity.fields["name"] == "Avaliação entre Dra. Ana e Maria")
            #expect(crms.twentyRecords.find("people", id: opportunity.fields["pointOfContactId"] ?? "")?.fields["email"] == "maria@example.com")
            // Chatwoot: a confirmation in conversation 77.
            let messages = crms.chatwootRecords.all("messages")
            #expect(messages.count == 1 && messages.first?.fields["conversation"] == "77")
            #expect(messages.first?.fields["content"]?.contains("Dra. Ana") == true)
            #expect(try await crms.components.queue.count(status: .queued) == 2, "its 24 h and 2 h reminders wait")

            // Rescheduled in Cal.com (a new uid): the old appointment is cancelled, the new one booked.
            let later = Date().addingTimeInterval(6 * 86_400).formatted(.iso8601)
            try await harness.deliver(
                #"{"triggerEvent":"BOOKING_RESCHEDULED","createdAt":"2026-12-01T11:00:00.000Z","payload":{"title":"Avaliação","startTime":"\#(later)","organizer":{"email":"ana@sorriso.example"},"attendees":[{"email":"maria@example.com","name":"Maria"}],"uid":"bk-2","rescheduleUid":"bk-1"}}"#,
                to: calcom
            )
            let statuses = try await crms.components.scheduling.appointments(clinicID: harness.clinic.id).map { "\($0.externalID ?? ""):\($0.status.rawValue)" }
            #expect(statuses == ["bk-1:cancelled", "bk-2:booked"])
            try await harness.deliver(
                #"{"triggerEvent":"BOOKING_CANCELLED","createdAt":"2026-12-01T12:00:00.000Z","payload":{"title":"Avaliação","startTime":"\#(later)","attendees":[{"email":"maria@example.com"}],"uid":"bk-2","cancellationReason":"viagem"}}"#,
                to: calcom
            )
            #expect(try await crms.components.scheduling.appointments(clinicID: harness.clinic.id).allSatisfy { $0.status == .cancelled })
        }
    }

    @Test(arguments: TestDatabase.available)
    func aHotLeadReachesHubSpotWithANoteAndATask(database: TestDatabase) async throws {
        let records = CRMRecords()
        let hubspot = try await HubSpotServer.start(records)
        defer { Task { await hubspot.stop() } }
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store)
            _ = try await harness.components.channels.create(
                ClinicChannel(clinicID: harness.clinic.id, provider: .hubspot, name: "HubSpot", settings: ChannelSettings(apiBaseURL: hubspot.baseURL)),
                credentials: ChannelCredentials(["client_secret": "s", "access_token": HubSpotServer.token])
            )
            let whatsapp = try await harness.channel(.meta)
            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.cold", from: "5511912340000", name: "Rui", text: "oi"), to: whatsapp)
            #expect(records.all("contacts").isEmpty, "only HOT leads go to HubSpot")
            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.hot", from: "5511987654321", name: "Maria Silva", text: "Quanto custa o implante? Quero agendar avaliação amanhã"), to: whatsapp)
            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.hot2", from: "5511987654321", name: "Maria Silva", text: "Posso pagar à vista, quero agendar amanhã"), to: whatsapp)
            let contact = try #require(records.all("contacts").first)
            #expect(records.all("contacts").count == 1)
            #expect(contact.fields == ["firstname": "Maria", "lastname": "Silva", "phone": "+5511987654321"])
            let note = try #require(records.all("notes").first)
            #expect(records.all("notes").count == 1 && note.fields["contact"] == contact.id)
            #expect(note.fields["hs_note_body"]?.contains("HOT lead") == true)
            let task = try #require(records.all("tasks").first)
            #expect(records.all("tasks").count == 1 && task.fields["hs_task_subject"] == "Call Maria Silva today (HOT lead)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aPaidDepositCountsOnceAndWinsTheLeadWhenTheClinicSaysSo(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store)
            try await harness.components.scoring.saveSchedulingSettings(SchedulingSettings(wonOnDeposit: true), clinicID: harness.clinic.id)
            let whatsapp = try await harness.channel(.meta)
            try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.1", from: "5511987654321", name: "Maria", text: "Quero o implante"), to: whatsapp)
            let stripe = try await harness.channel(.stripe)
            let checkout = #"{"id":"evt_checkout","object":"event","created":1717000000,"type":"checkout.session.completed","data":{"object":{"id":"cs_1","object":"checkout.session","amount_total":15000,"currency":"brl","payment_intent":"pi_1","customer_details":{"email":"maria@example.com","name":"Maria Silva","phone":"+5511987654321"},"metadata":{"procedure":"implant"}}}}"#
            let intent = #"{"id":"evt_intent","object":"event","created":1717000001,"type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","object":"payment_intent","amount_received":15000,"currency":"brl","receipt_email":"maria@example.com","metadata":{}}}}"#
            try await harness.deliver(checkout, to: stripe)
            try await harness.deliver(intent, to: stripe)
            let leads = try await harness.components.leads.list(clinicID: harness.clinic.id, .init()).items
            #expect(leads.count == 1, "the deposit went to Maria's lead")
            let lead = try #require(leads.first)
            #expect(lead.depositMinor == 15_000 && lead.currency == "BRL")
            #expect(lead.stage == "WON" && lead.status == .won && lead.closedAt != nil)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aCallTranscriptIsScoredAndAMissedCallGetsAWhatsAppBack(database: TestDatabase) async throws {
        let whatsapp = try await WhatsAppServer.start()
        defer { Task { await whatsapp.stop() } }
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store, region: "US")
            _ = try await harness.sendingChannel(whatsapp)
            let missedCall = WhatsAppTemplate(name: "chamada_perdida", languageCode: "en_US", parameters: ["{clinic}"])
            try await harness.components.scoring.saveSchedulingSettings(SchedulingSettings(templates: ["missed_call": ["en": missedCall]]), clinicID: harness.clinic.id)

            let vapi = try await harness.channel(.vapi)
            let report = #"{"message":{"type":"end-of-call-report","endedReason":"customer-ended-call","timestamp":1717000300000,"call":{"id":"call_1","type":"inboundPhoneCall","customer":{"number":"+14155550199"}},"phoneNumber":{"number":"+14155550100"},"customer":{"number":"+14155550199"},"artifact":{"transcript":"AI: How can I help? User: I have severe pain and swelling, how much is an implant? I want an appointment tomorrow."}}}"#
            try await harness.deliver(report, to: vapi)
            let caller = try #require(try await harness.components.contacts.list(clinicID: harness.clinic.id, .init()).items.first)
            let lead = try #require(try await harness.components.leads.openLead(contactID: caller.id))
            #expect(lead.score != nil && lead.scoredAt != nil, "the transcript was scored")
            #expect(lead.urgent, "a red flag said on the phone counts as one written")
            let texts = try await harness.components.conversations.recentInboundTexts(contactID: caller.id, clinicID: harness.clinic.id)
            #expect(texts.first?.contains("severe pain") == true)
            #expect(whatsapp.sent.isEmpty, "an answered call needs no text-back")

            let twilio = try await harness.channel(.twilio)
            let missed = "Called=%2B14155550100&Direction=inbound&CallSid=CA0a1b&To=%2B14155550100&CallStatus=no-answer&From=%2B14155550123&AccountSid=AC0&Caller=%2B14155550123&CallDuration=0"
            try await harness.deliver(missed, to: twilio, mediaType: "application/x-www-form-urlencoded")
            try await harness.deliver(missed, to: twilio, mediaType: "application/x-www-form-urlencoded")
            #expect(whatsapp.sent == ["template:chamada_perdida"], "once, with the template: the caller never wrote on WhatsApp")
            let request = try #require(whatsapp.server.requests.last?.json)
            #expect(request["to"] as? String == "+14155550123")
        }
    }
}
