import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import Foundation
import Vapor

/// Booking from the console and the API: free slots, appointments and their status, practitioners'
/// hours and exceptions, and the clinic's scheduling settings (reminders, recalls, retention…).
enum SchedulingEndpoints {
    static let all: [APIEndpoint] = [
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/slots", operationID: "listFreeSlots",
            summary: "Free slots: practitioners' hours and exceptions minus live appointments, soonest first.", tag: "scheduling", access: .clinic(.viewer),
            query: [
                Parameter(name: "type", schema: .string(), description: "Appointment type key (its length and procedure)."),
                Parameter(name: "practitioner_id", schema: .uuid, description: "Only this practitioner."),
                Parameter(name: "after", schema: .dateTime, description: "From this moment (default now)."),
                Parameter(name: "limit", schema: .integer(minimum: 1, maximum: 50), description: "How many (default 10)."),
            ],
            response: ItemList<SlotDTO>.self
        ) { context in
            let clinic = try context.requiredClinic
            let engine = context.services.engine
            let settings = try await engine.scoring.schedulingSettings(clinicID: clinic.id)
            let type = try appointmentType(context.stringQuery("type"), settings)
            let defaultMinutes = try await engine.scoring.assistantSettings(clinicID: clinic.id).appointmentMinutes
            let minutes = type?.minutes ?? defaultMinutes
            var practitioners = try await engine.scheduling.practitioners(clinicID: clinic.id)
            if let only = try context.uuidQuery("practitioner_id") {
                practitioners = practitioners.filter { $0.id == only }
                guard !practitioners.isEmpty else { throw Abort(.unprocessableEntity, reason: "no practitioner \(only) in this clinic") }
            }
            let after = try dateQuery(context, "after") ?? Date()
            let slots = SlotFinder(duration: TimeInterval(minutes * 60), horizonDays: 28).free(
                practitioners: practitioners, booked: try await engine.scheduling.bookedSlots(clinicID: clinic.id, after: after), after: after,
                timeZone: TimeZone(identifier: clinic.timeZone) ?? .gmt, procedure: type?.procedure, limit: try context.intQuery("limit", default: 10, range: 1...50)
            )
            return try context.json(ItemList(items: slots.map(SlotDTO.init)))
        },
        APIEndpoint(
            method: .POST, path: "/clinics/{clinicID}/appointments", operationID: "bookAppointment",
            summary: "Book an appointment; its reminders are scheduled. 409 when the practitioner's time is taken.", tag: "scheduling",
            access: .clinic(.consultant), requestBody: AppointmentRequest.self, successStatus: .created, response: AppointmentDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            let engine = context.services.engine
            let body = try context.decode(AppointmentRequest.self)
            guard let contact = try await engine.contacts.find(id: body.contactId, clinicID: clinic.id) else {
                throw Abort(.unprocessableEntity, reason: "no contact \(body.contactId) in this clinic")
            }
            // An unknown type is refused even when `minutes` sets the length: it would be stored on the appointment.
            let type = try appointmentType(body.type, try await engine.scoring.schedulingSettings(clinicID: clinic.id))
            let slot = try await slot(context, practitionerID: body.practitionerId, startsAt: body.startsAt, minutes: body.minutes ?? type?.minutes)
            guard slot.startsAt > Date() else { throw Abort(.unprocessableEntity, reason: "starts_at is in the past") }
            let lead = try await engine.leads.openLead(contactID: contact.id)
            let user = try context.principalUser
            let result = try await engine.store.db.withTransaction { database in
                try await AppointmentBook(components: engine).book(
                    .init(slot: slot, clinicID: clinic.id, contactID: contact.id, leadID: lead?.id, source: context.source, appointmentType: body.type,
                          procedure: type?.procedure ?? lead?.procedure),
                    by: user.id, correlationID: context.request.correlationID, on: database
                )
            }
            switch result {
            case .success(let appointment): return try context.json(AppointmentDTO(appointment), status: .created)
            case .failure(let problem): throw Abort(.conflict, reason: problem.description)
            }
        },
        APIEndpoint(
            method: .PATCH, path: "/clinics/{clinicID}/appointments/{appointmentID}", operationID: "updateAppointment",
            summary: "Confirm, cancel, mark no-show or done (no-show and done set off their follow-up and recall), or move it.", tag: "scheduling",
            access: .clinic(.consultant), requestBody: AppointmentUpdate.self, response: AppointmentDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            let engine = context.services.engine
            let id = try context.id("appointmentID")
            guard let original = try await engine.scheduling.appointment(id: id, clinicID: clinic.id) else { throw Abort(.notFound, reason: "no appointment \(id)") }
            let body = try context.decode(AppointmentUpdate.self)
            let status = try body.status.map { text in
                guard let status = AppointmentStatus(rawValue: text) else {
                    throw Abort(.unprocessableEntity, reason: "status must be one of \(AppointmentStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return status
            }
            let newSlot: Slot? = body.startsAt != nil || body.practitionerId != nil
                ? try await slot(
                    context, practitionerID: body.practitionerId ?? original.practitionerID, startsAt: body.startsAt ?? original.startsAt,
                    minutes: Int(original.endsAt.timeIntervalSince(original.startsAt) / 60)
                ) : nil
            let user = try context.principalUser
            let correlationID = context.request.correlationID
            let result: Result<SchedulingRepository.Appointment, AppointmentBook.Problem> = try await engine.store.db.withTransaction { database in
                let book = AppointmentBook(components: engine)
                var appointment = original
                if let newSlot {
                    switch try await book.reschedule(appointment, to: newSlot, by: user.id, correlationID: correlationID, on: database) {
                    case .success(let moved): appointment = moved
                    case .failure(let problem): return .failure(problem)
                    }
                }
                guard let status else { return .success(appointment) }
                return try await book.setStatus(appointment, to: status, by: user.id, correlationID: correlationID, on: database)
            }
            switch result {
            case .success(let updated): return try context.json(AppointmentDTO(updated))
            case .failure(.slotTaken): throw Abort(.conflict, reason: AppointmentBook.Problem.slotTaken.description)
            case .failure(let problem): throw Abort(.unprocessableEntity, reason: problem.description)
            }
        },
        APIEndpoint(
            method: .PUT, path: "/clinics/{clinicID}/practitioners/{practitionerID}", operationID: "updatePractitioner",
            summary: "Replace a practitioner's name, hours, procedures, calendar email and exceptions (holidays, changed shifts).", tag: "scheduling",
            access: .clinic(.clinicAdmin), requestBody: PractitionerRequest.self, response: PractitionerDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            let id = try context.id("practitionerID")
            guard try await context.services.engine.scheduling.practitioners(clinicID: clinic.id).contains(where: { $0.id == id }) else {
                throw Abort(.notFound, reason: "no practitioner \(id)")
            }
            let practitioner = try context.decode(PractitionerRequest.self).practitioner(id: id, clinicID: clinic.id)
            _ = try await context.services.engine.scheduling.update(practitioner)
            return try context.json(PractitionerDTO(practitioner))
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/settings/scheduling", operationID: "getSchedulingSettings",
            summary: "Appointment types, reminders, no-show follow-up, recalls, follow-up templates, consent period, retention, deposits, missed-call text-back.",
            tag: "settings", access: .clinic(.clinicAdmin), response: SchedulingSettingsDocument.self
        ) { context in
            try SchedulingSettingsDocument.response(try await context.services.engine.scoring.schedulingSettings(clinicID: try context.requiredClinic.id))
        },
        APIEndpoint(
            method: .PUT, path: "/clinics/{clinicID}/settings/scheduling", operationID: "putSchedulingSettings",
            summary: "Replace the scheduling settings; fields left out take their defaults.", tag: "settings", access: .clinic(.clinicAdmin),
            requestBody: SchedulingSettingsDocument.self, response: SchedulingSettingsDocument.self
        ) { context in
            let clinic = try context.requiredClinic
            let settings = try SchedulingSettingsDocument.decode(context)
            try await context.services.engine.scoring.saveSchedulingSettings(settings, clinicID: clinic.id)
            return try SchedulingSettingsDocument.response(try await context.services.engine.scoring.schedulingSettings(clinicID: clinic.id))
        },
    ]

    static func appointmentType(_ key: String?, _ settings: SchedulingSettings) throws -> AppointmentType? {
        guard let key else { return nil }
        guard let type = settings.appointmentType(key) else {
            throw Abort(.unprocessableEntity, reason: "no appointment type \(key) (known: \(settings.appointmentTypes.map(\.key).joined(separator: ", ")))")
        }
        return type
    }

    static func dateQuery(_ context: APIContext, _ name: String) throws -> Date? {
        guard let text = context.stringQuery(name) else { return nil }
        guard let date = try? Date(text, strategy: .iso8601) else { throw Abort(.badRequest, reason: "\(name) must be an ISO 8601 date-time") }
        return date
    }

    /// The slot a request asks for: a practitioner of this clinic, for `minutes` or the clinic's default length.
    static func slot(_ context: APIContext, practitionerID: UUID, startsAt: Date, minutes: Int?) async throws -> Slot {
        let clinic = try context.requiredClinic
        let engine = context.services.engine
        guard try await engine.scheduling.practitioners(clinicID: clinic.id).contains(where: { $0.id == practitionerID && $0.active }) else {
            throw Abort(.unprocessableEntity, reason: "no active practitioner \(practitionerID) in this clinic")
        }
        let length: Int
        if let minutes { length = minutes } else { length = try await engine.scoring.assistantSettings(clinicID: clinic.id).appointmentMinutes }
        guard (5...480).contains(length) else { throw Abort(.unprocessableEntity, reason: "minutes must be between 5 and 480") }
        return Slot(practitionerID: practitionerID, startsAt: startsAt, endsAt: startsAt.addingTimeInterval(TimeInterval(length * 60)))
    }
}

extension APIContext {
    /// `console` when the request came from the console's session, else `api`.
    var source: String { request.requestTarget.hasPrefix("/console/") ? "console" : "api" }
}
