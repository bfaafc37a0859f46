import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import FluentKit
import Foundation

/// What bookings, payments, calls and CRM contact changes do besides the timeline: appointments,
/// deposits, transcripts, text-backs and contact sync, all in the intake's transaction.
extension Intake {
    public struct DepositRecorded: Codable, Sendable, Equatable {
        public var leadID: UUID
        public var amountMinor: Int
        public var currency: String?
        public var paymentID: String
    }

    // MARK: Cal.com

    func applyBooking(_ booking: BookingEvent, contactID: UUID, lead: Lead) async throws {
        let book = AppointmentBook(components: components)
        let existing = try await components.scheduling.appointment(externalID: booking.bookingUID, clinicID: clinic.id, on: database)
        switch booking.action {
        case .created, .rescheduled:
            // Cal.com gives a rescheduled booking a new uid: the old appointment is cancelled, the new one booked.
            if let previous = booking.previousBookingUID,
                let old = try await components.scheduling.appointment(externalID: previous, clinicID: clinic.id, on: database), old.status.isLive
            {
                _ = try await book.setStatus(old, to: .cancelled, correlationID: correlationID, on: database)
            }
            guard existing == nil, let start = booking.startsAt else { return }
            guard let practitioner = try await practitioner(for: booking) else {
                return try await task("calcom_unmatched", "Cal.com booking \(booking.title ?? booking.bookingUID): no practitioner with the organizer's email")
            }
            let end = booking.endsAt ?? start.addingTimeInterval(30 * 60)
            let result = try await book.book(
                .init(slot: Slot(practitionerID: practitioner.id, startsAt: start, endsAt: end), clinicID: clinic.id, contactID: contactID, leadID: lead.id,
                      source: "calcom", appointmentType: booking.eventType, procedure: lead.procedure, externalID: booking.bookingUID),
                correlationID: correlationID, on: database
            )
            guard case .success = result else {
                return try await task("calcom_conflict", "Cal.com booked \(practitioner.name) at a time ClinicFlow already has taken: check both calendars")
            }
            try await FollowUpMessenger(components: components).send(
                .bookingConfirmation, contactID: contactID, clinic: clinic, when: start, practitioner: practitioner.name, preferredProvider: .chatwoot,
                key: "booking:\(booking.bookingUID):\(booking.action.rawValue)", correlationID: correlationID, on: database
            )
            if case .success = try await CRMSync(components: components).connection(.twenty, clinicID: clinic.id, on: database) {
                try await components.queue.enqueue(
                    try CRMActivityJob.request(
                        .init(activity: .twentyOpportunity, contactID: contactID, leadID: lead.id, title: booking.title ?? "Appointment", reference: booking.bookingUID, at: start),
                        clinicID: clinic.id, key: booking.bookingUID, correlationID: correlationID
                    ),
                    on: database
                )
            }
        case .cancelled, .rejected:
            if let existing { _ = try await book.setStatus(existing, to: .cancelled, correlationID: correlationID, on: database) }
        case .noShow:
            if let existing { _ = try await book.setStatus(existing, to: .noShow, correlationID: correlationID, on: database) }
        case .meetingEnded:
            if let existing { _ = try await book.setStatus(existing, to: .done, correlationID: correlationID, on: database) }
        case .requested, .paid:
            break
        }
    }

    /// The organizer by calendar email; the clinic's only practitioner when there is just one.
    private func practitioner(for booking: BookingEvent) async throws -> Practitioner? {
        let practitioners = try await components.scheduling.practitioners(clinicID: clinic.id, on: database).filter(\.active)
        if let email = booking.organizerEmail?.lowercased(), let match = practitioners.first(where: { $0.email == email }) { return match }
        return practitioners.count == 1 ? practitioners[0] : nil
    }

    private func task(_ kind: String, _ title: String) async throws {
        _ = try await components.scoring.createTask(
            .init(clinicID: clinic.id, leadID: nil, assigneeID: nil, kind: kind, priority: "high", title: title, dueAt: components.queue.now),
            key: "\(kind):\(eventKey)", on: database
        )
    }

    // MARK: Stripe

    func applyPayment(_ payment: PaymentEvent, contactID: UUID) async throws {
        guard payment.state == .succeeded, let amount = payment.amountMinor, amount > 0 else {
            let lead = try await components.leads.openLead(contactID: contactID, on: database)
            return try await append("payment.\(payment.state.rawValue)", stream: Contact.stream(contactID), CRMEvents.Payment(leadID: lead?.id, payment: payment))
        }
        let paymentID = payment.paymentID ?? payment.objectID
        let depositKey = "deposit:\(clinic.id):\(paymentID)"
        // Checkout and its payment intent both report one payment: it counts once, on the lead it went to.
        if let earlier = try await components.events.event(idempotencyKey: depositKey, on: database) {
            let leadID = try? earlier.decodePayload(as: DepositRecorded.self).leadID
            return try await append("payment.succeeded", stream: Contact.stream(contactID), CRMEvents.Payment(leadID: leadID, payment: payment))
        }
        // A deposit from someone new is a lead too.
        let lead = try await openLead(contactID: contactID, utm: .init(), procedure: payment.metadata["procedure"])
        try await append("payment.succeeded", stream: Contact.stream(contactID), CRMEvents.Payment(leadID: lead.id, payment: payment))
        try await components.events.append(
            try EventDraft(
                clinicID: clinic.id, stream: Contact.stream(contactID), type: "lead.deposit_recorded",
                encoding: DepositRecorded(leadID: lead.id, amountMinor: amount, currency: payment.currency, paymentID: paymentID),
                occurredAt: occurredAt, correlationID: correlationID, causationID: eventKey, idempotencyKey: depositKey
            ),
            on: database
        )
        var updated = lead
        updated.depositMinor = (lead.depositMinor ?? 0) + Int64(amount)
        if updated.currency == nil { updated.currency = payment.currency }
        try await components.leads.save(updated, on: database)
        let settings = try await components.scoring.schedulingSettings(clinicID: clinic.id, on: database)
        if settings.wonOnDeposit, let won = try await components.pipelines.pipeline(clinicID: clinic.id, on: database).stages.first(where: { $0.outcome == .won }) {
            try await advance(updated, to: won.key, reason: "deposit paid (\(paymentID))")
        }
    }

    // MARK: Voice

    func applyCall(_ call: CallEvent, contactID: UUID) async throws {
        if call.phase == .ended, let transcript = call.transcript?.trimmingCharacters(in: .whitespacesAndNewlines), !transcript.isEmpty {
            // The transcript joins the person's messages, so scoring reads it like a message.
            try await recordMessage(
                InboundMessage(providerMessageID: "call:\(call.callID)", senderPhone: call.from, text: transcript, sentAt: occurredAt), contactID: contactID
            )
        }
        guard call.phase == .missed, call.direction?.contains("outbound") != true else { return }
        let settings = try await components.scoring.schedulingSettings(clinicID: clinic.id, on: database)
        guard settings.missedCallTextBack else { return }
        try await FollowUpMessenger(components: components).send(
            .missedCall, contactID: contactID, clinic: clinic, key: "missed_call:\(call.callID)", correlationID: correlationID, on: database
        )
    }

    // MARK: CRM contacts

    /// A contact created or changed in Chatwoot, Twenty or HubSpot: its fields win (it is the newer
    /// word), the fingerprint of what that system holds is stored, and the change goes to the others.
    func applyContactUpsert(_ upsert: ContactUpsert, contactID: UUID) async throws {
        guard !upsert.deleted, let system = SyncSystem(provider: upsert.system),
            var contact = try await components.contacts.find(id: contactID, clinicID: clinic.id, on: database)
        else { return }
        let phone = PhoneNumber.normalize(upsert.phone, defaultRegion: clinic.defaultRegion)?.e164
        let incoming = SyncFingerprint(name: upsert.name, email: upsert.email, phone: phone)
        let before = CRMSync.fingerprint(contact)
        contact.name = incoming.name ?? contact.name
        contact.email = incoming.email ?? contact.email
        contact.phone = phone ?? contact.phone
        let after = CRMSync.fingerprint(contact)
        if after != before {
            try await components.contacts.update(contact, on: database)
            try await append("contact.updated", stream: Contact.stream(contactID), ["system": system.rawValue])
        }
        try await components.sync.save(contactID: contactID, clinicID: clinic.id, system: system, externalID: upsert.externalID, contentHash: after.hash, on: database)
        // The sync job compares with what each system last had: an echo of our own push ends there.
        try await CRMSync(components: components).pushLater(contactID: contactID, clinicID: clinic.id, fingerprint: after, except: system, correlationID: correlationID, on: database)
    }

    /// Pushes a contact ClinicFlow learned about to the mirrored CRMs.
    func syncContact(_ contactID: UUID) async throws {
        // Most clinics mirror no CRM: look at their channels before reading the contact.
        let connections = try await CRMSync(components: components).connections(CRMSync.mirrored, clinicID: clinic.id, on: database)
        guard connections.values.contains(where: { if case .success = $0 { true } else { false } }) else { return }
        guard let contact = try await components.contacts.find(id: contactID, clinicID: clinic.id, on: database) else { return }
        try await components.syncContactLater(contact, correlationID: correlationID, on: database)
    }
}
