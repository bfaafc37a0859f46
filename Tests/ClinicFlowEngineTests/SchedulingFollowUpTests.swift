import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Testing

/// Reminders, no-show follow-ups and recalls are persistent jobs due at their time: they go out once
/// (even with two workers), through the outbox with the follow-up's own template outside WhatsApp's
/// window, and not at all for an appointment that moved, was cancelled or was followed by a new one.
@Suite struct SchedulingFollowUpTests {
    /// Monday 2026-12-07 10:00 in São Paulo.
    static let monday = try! Date("2026-12-07T10:00:00-03:00", strategy: .iso8601)

    struct Setup {
        let harness: IntakeHarness
        let whatsapp: WhatsAppServer
        let channel: ClinicChannel
        let clock: ManualClock
        let dentist: Practitioner

        var components: EngineComponents { harness.components }

        func contactID() async throws -> UUID { try #require(try await harness.conversation()).contactID }

        func book(_ start: Date, procedure: String? = nil) async throws -> SchedulingRepository.Appointment {
            let contactID = try await contactID()
            let components = self.components
            let result = try await components.store.db.withTransaction { database in
                try await AppointmentBook(components: components).book(
                    .init(slot: Slot(practitionerID: dentist.id, startsAt: start, endsAt: start.addingTimeInterval(1800)), clinicID: harness.clinic.id,
                          contactID: contactID, leadID: nil, source: "console", procedure: procedure),
                    correlationID: nil, on: database
                )
            }
            guard case .success(let appointment) = result else { throw AppointmentBook.Problem.slotTaken }
            return appointment
        }

        func change(_ appointment: SchedulingRepository.Appointment, to status: AppointmentStatus? = nil, moveTo slot: Slot? = nil) async throws -> SchedulingRepository.Appointment {
            let components = self.components
            return try await components.store.db.withTransaction { database in
                var current = appointment
                let book = AppointmentBook(components: components)
                if let slot, case .success(let moved) = try await book.reschedule(current, to: slot, correlationID: nil, on: database) { current = moved }
                if let status, case .success(let changed) = try await book.setStatus(current, to: status, correlationID: nil, on: database) { current = changed }
                return current
            }
        }

        /// Moves the clock and runs whatever became due.
        func run(at date: Date) async {
            clock.advance(by: date.timeIntervalSince(clock.now()))
            await harness.worker.drain()
        }
    }

    func withSetup(_ database: TestDatabase, settings: SchedulingSettings = .init(), _ body: (Setup) async throws -> Void) async throws {
        let whatsapp = try await WhatsAppServer.start()
        do {
            try await withTestStore(database) { store, _ in
                let clock = ManualClock(Self.monday)
                let harness = try await IntakeHarness(store: store, clock: clock.function)
                let channel = try await harness.sendingChannel(whatsapp)
                try await harness.components.scoring.saveAssistantSettings(AssistantSettings(quietHours: nil), clinicID: harness.clinic.id)
                try await harness.components.scoring.saveSchedulingSettings(settings, clinicID: harness.clinic.id)
                let dentist = try await harness.components.scheduling.create(Practitioner(clinicID: harness.clinic.id, name: "Dra. Ana", availability: .always))
                try await harness.say("Oi, quero marcar uma limpeza", id: "wamid.first", on: channel, at: Self.monday)
                try await body(Setup(harness: harness, whatsapp: whatsapp, channel: channel, clock: clock, dentist: dentist))
            }
        } catch {
            await whatsapp.stop()
            throw error
        }
        await whatsapp.stop()
    }

    static let reminderTemplate = WhatsAppTemplate(name: "lembrete_consulta", languageCode: "pt_BR", parameters: ["{name}", "{time}", "{practitioner}"])

    @Test(arguments: TestDatabase.available)
    func remindersGoOutOnceAtTheirTimeAndFollowTheAppointmentWhenItMoves(database: TestDatabase) async throws {
        try await withSetup(database, settings: SchedulingSettings(templates: ["reminder": ["pt": Self.reminderTemplate]])) { setup in
            let thursday = Self.monday.addingTimeInterval(3 * 86_400)  // Thu 10/12 10:00
            let appointment = try await setup.book(thursday)
            await setup.run(at: Self.monday.addingTimeInterval(60))
            #expect(setup.whatsapp.sent.isEmpty, "nothing is due yet")

            // 24 h before: outside the window (the patient last wrote on Monday), so the reminder's own template.
            await setup.run(at: thursday.addingTimeInterval(-24 * 3600 + 60))
            #expect(setup.whatsapp.sent == ["template:lembrete_consulta"])
            let request = try #require(setup.whatsapp.server.requests.last?.json)
            let parameters = ((request["template"] as? [String: Any])?["components"] as? [[String: Any]])?.first?["parameters"] as? [[String: Any]]
            #expect(parameters?.compactMap { $0["text"] as? String } == ["Maria", "qui 10/12 10:00", "Dra. Ana"])

            // Moved to Friday before the 2 h reminder: Thursday's stays silent, Friday gets both.
            let friday = thursday.addingTimeInterval(86_400)
            _ = try await setup.change(appointment, moveTo: Slot(practitionerID: setup.dentist.id, startsAt: friday, endsAt: friday.addingTimeInterval(1800)))
            await setup.run(at: thursday.addingTimeInterval(-2 * 3600 + 60))
            #expect(setup.whatsapp.sent.count == 1)
            // Two workers reach the due time together: the reminder is leased by one of them.
            setup.clock.advance(by: friday.addingTimeInterval(-24 * 3600 + 60).timeIntervalSince(setup.clock.now()))
            let second = JobWorker(
                queue: setup.components.queue, events: setup.components.events, registry: ClinicFlowJobs.registry(setup.components),
                configuration: WorkerConfiguration(concurrency: 4), logger: .quiet
            )
            async let one = setup.harness.worker.drain()
            async let two = second.drain()
            _ = await (one, two)
            #expect(setup.whatsapp.sent.count == 2)
            await setup.run(at: friday.addingTimeInterval(-2 * 3600 + 60))
            #expect(setup.whatsapp.sent.count == 3)
            await setup.run(at: friday.addingTimeInterval(3600))
            #expect(setup.whatsapp.sent.count == 3, "nothing after the appointment")
            let reminders = try await setup.harness.outbound().filter { $0.template?.template.name == "lembrete_consulta" }
            #expect(reminders.count == 3 && reminders.allSatisfy { $0.purpose == .transactional && $0.status == "sent" })
            #expect(reminders.last?.template?.parameters[1] == "sex 11/12 10:00")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aCancelledAppointmentGetsNoReminder(database: TestDatabase) async throws {
        try await withSetup(database) { setup in
            let appointment = try await setup.book(Self.monday.addingTimeInterval(2 * 86_400))
            #expect(try await setup.change(appointment, to: .cancelled).status == .cancelled)
            await setup.run(at: Self.monday.addingTimeInterval(2 * 86_400 - 3600))
            #expect(setup.whatsapp.sent.isEmpty)
            let types = try await setup.components.events.events(inStream: Contact.stream(try await setup.contactID())).map(\.type)
            #expect(types.contains("appointment.booked") && types.contains("appointment.cancelled"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func aNoShowIsFollowedUpUnlessThePatientRebookedOrOptedOut(database: TestDatabase) async throws {
        try await withSetup(database, settings: SchedulingSettings(reminderHours: [])) { setup in
            // Monday 15:00: no-show at once; the follow-up goes two hours after the appointment's end, in the window.
            let first = try await setup.book(Self.monday.addingTimeInterval(5 * 3600))
            setup.clock.advance(by: 6 * 3600)
            #expect(try await setup.change(first, to: .noShow).status == .noShow)
            await setup.run(at: Self.monday.addingTimeInterval(6 * 3600 + 60))
            #expect(setup.whatsapp.sent.isEmpty)
            await setup.run(at: Self.monday.addingTimeInterval(8 * 3600))
            #expect(setup.whatsapp.sent.count == 1)
            #expect(setup.whatsapp.sent.first?.contains("sentimos sua falta") == true, "\(setup.whatsapp.sent)")

            // Tuesday: another no-show, but the patient books again before the follow-up is due.
            let tuesday = Self.monday.addingTimeInterval(86_400)
            let second = try await setup.book(tuesday)
            setup.clock.advance(by: tuesday.addingTimeInterval(3600).timeIntervalSince(setup.clock.now()))
            _ = try await setup.change(second, to: .noShow)
            let rebooked = try await setup.book(tuesday.addingTimeInterval(7 * 86_400))
            await setup.run(at: tuesday.addingTimeInterval(4 * 3600))
            #expect(setup.whatsapp.sent.count == 1, "rebooked: no nudge")
            _ = try await setup.change(rebooked, to: .cancelled)

            // A no-show nudge is proactive: after STOP it is cancelled, not sent.
            try await setup.harness.say("PARAR", id: "wamid.stop", on: setup.channel, at: setup.clock.now())
            let sentBefore = setup.whatsapp.sent.count  // the opt-out confirmation
            let third = try await setup.book(tuesday.addingTimeInterval(6 * 3600))
            setup.clock.advance(by: 6 * 3600 + 1800)
            _ = try await setup.change(third, to: .noShow)
            await setup.run(at: setup.clock.now().addingTimeInterval(3 * 3600))
            #expect(setup.whatsapp.sent.count == sentBefore)
            let nudges = try await setup.harness.outbound().filter { $0.purpose == .proactive }
            #expect(nudges.map(\.status) == ["sent", "cancelled"], "\(nudges.map(\.error))")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aDoneTreatmentIsRecalledAfterTheClinicsMonths(database: TestDatabase) async throws {
        let recall = WhatsAppTemplate(name: "retorno_limpeza", languageCode: "pt_BR", parameters: ["{name}", "{clinic}"])
        try await withSetup(database, settings: SchedulingSettings(reminderHours: [], recallMonths: ["cleaning": 6], templates: ["recall": ["pt": recall]])) { setup in
            let appointment = try await setup.book(Self.monday.addingTimeInterval(3600), procedure: "cleaning")
            setup.clock.advance(by: 2 * 3600)
            _ = try await setup.change(appointment, to: .done)
            await setup.run(at: Self.monday.addingTimeInterval(150 * 86_400))
            #expect(setup.whatsapp.sent.isEmpty, "not before six months")
            await setup.run(at: Self.monday.addingTimeInterval(185 * 86_400))
            #expect(setup.whatsapp.sent == ["template:retorno_limpeza"])
            let message = try #require(try await setup.harness.outbound().last)
            #expect(message.purpose == .proactive && message.template?.parameters == ["Maria", setup.harness.clinic.name])
        }
    }

    @Test(arguments: TestDatabase.available)
    func nightlyHousekeepingExpiresOldConsentAndPurgesOldRawWebhooks(database: TestDatabase) async throws {
        try await withSetup(database, settings: SchedulingSettings(consentMonths: 12, deliveryRetentionDays: 30)) { setup in
            let contactID = try await setup.contactID()
            _ = try await setup.components.consent.record(.optIn, contactID: contactID, clinicID: setup.harness.clinic.id, channelID: nil, source: "form", evidence: "ticked the box")
            let schedule = DailySchedule.standard(queue: setup.components.queue)
            let doneBefore = try await setup.components.store.sql().raw("SELECT id FROM jobs WHERE status = 'done'").all(decodingColumn: "id", as: UUID.self)
            setup.clock.advance(by: 40 * 86_400)
            try await schedule.tick()
            await setup.harness.worker.drain()
            #expect(try await setup.components.consent.latestKind(contactID: contactID) == .optIn, "still within the year")
            #expect(!doneBefore.isEmpty)
            for id in doneBefore { #expect(try await setup.components.queue.job(id: id) == nil, "done 40 days ago: deleted") }
            #expect(try await setup.components.queue.count(status: .done) > 0, "the night's own jobs stay")
            let deliveries = try await setup.components.deliveries.list(channelID: setup.channel.id)
            #expect(!deliveries.isEmpty && deliveries.allSatisfy { $0.body.isEmpty && $0.eventType == DeliveryStore.purged }, "40 days old: bodies gone")

            setup.clock.advance(by: 340 * 86_400)
            try await schedule.tick()
            await setup.harness.worker.drain()
            #expect(try await setup.components.consent.latestKind(contactID: contactID) == .expired)
            let ledger = try await setup.components.consent.ledger(contactID: contactID, clinicID: setup.harness.clinic.id)
            #expect(ledger.map(\.kind) == [.optIn, .expired])
            #expect(try await setup.components.consent.isOptedOut(contactID: contactID) == false, "expired is not an opt-out: replies and reminders still go")
            // But nothing proactive goes until the patient opts in again.
            let conversation = try #require(try await setup.harness.conversation())
            let components = setup.components
            try await components.store.db.withTransaction { database in
                try await Outbox(components: components).enqueue(
                    .init(conversation: conversation, text: "Promoção de clareamento", purpose: .proactive, author: "user:test", key: "promo"), on: database
                )
            }
            await setup.harness.worker.drain()
            let promo = try #require(try await setup.harness.outbound().last)
            #expect(promo.status == "cancelled" && promo.error?.contains("consent expired") == true)
            #expect(setup.whatsapp.sent.isEmpty)
        }
    }
}
