import ClinicFlowDomain
import ClinicFlowStore
import Foundation
import Vapor

/// The assistant's settings on the wire (snake_case through the API's coders).
struct AssistantSettingsDTO: APIModel {
    struct Price: Codable, Sendable {
        var procedure: String
        var name: String
        var priceCents: Int
        var currency: String
        var maxInstallments: Int?
    }

    struct Template: Codable, Sendable {
        var name: String
        var languageCode: String
        var parameters: [String]?
    }

    struct Quiet: Codable, Sendable {
        var start: String
        var end: String
    }

    var enabled: Bool
    var useLlm: Bool?
    var priceList: [Price]?
    var templates: [String: Template]?
    var quietHours: Quiet?
    var appointmentMinutes: Int?
    var minimumConfidence: Double?

    init(_ settings: AssistantSettings) {
        enabled = settings.enabled
        useLlm = settings.useLLM
        priceList = settings.priceList.map { Price(procedure: $0.procedure, name: $0.name, priceCents: $0.priceCents, currency: $0.currency, maxInstallments: $0.maxInstallments) }
        templates = settings.templates.mapValues { Template(name: $0.name, languageCode: $0.languageCode, parameters: $0.parameters) }
        quietHours = settings.quietHours.map {
            Quiet(start: String(format: "%02d:%02d", $0.startMinute / 60, $0.startMinute % 60), end: String(format: "%02d:%02d", $0.endMinute / 60, $0.endMinute % 60))
        }
        appointmentMinutes = settings.appointmentMinutes
        minimumConfidence = settings.minimumConfidence
    }

    /// The domain settings, or the first problem in words a clinic admin can act on.
    func settings() throws(ValidationProblem) -> AssistantSettings {
        var settings = AssistantSettings(enabled: enabled, useLLM: useLlm ?? false, quietHours: nil)
        settings.priceList = (priceList ?? []).map {
            PriceItem(procedure: $0.procedure, name: $0.name, priceCents: $0.priceCents, currency: $0.currency.uppercased(), maxInstallments: $0.maxInstallments ?? 1)
        }
        settings.templates = (templates ?? [:]).mapValues { WhatsAppTemplate(name: $0.name, languageCode: $0.languageCode, parameters: $0.parameters ?? []) }
        if let quiet = quietHours {
            do { settings.quietHours = try QuietHours(start: quiet.start, end: quiet.end) } catch {
                throw .init("quiet_hours must be two different HH:MM times, such as 21:00 and 08:00")
            }
        }
        settings.appointmentMinutes = appointmentMinutes ?? settings.appointmentMinutes
        settings.minimumConfidence = minimumConfidence ?? settings.minimumConfidence
        // The domain's rules, the same ones clinicflow.yml is held to.
        if let problem = settings.problem { throw .init(problem) }
        return settings
    }

    static let schema = JSONSchema.object(properties: [
        ("enabled", .boolean), ("use_llm", .boolean),
        ("price_list", .array(.object(properties: [
            ("procedure", .string(description: "Procedure key, e.g. implant")), ("name", .string()), ("price_cents", .integer(minimum: 1)),
            ("currency", .string(description: "ISO 4217")), ("max_installments", .integer(minimum: 1, maximum: 48)),
        ], required: ["procedure", "name", "price_cents", "currency"]))),
        ("templates", .map(.object(properties: [
            ("name", .string()), ("language_code", .string(description: "Meta's code, e.g. pt_BR")),
            ("parameters", .array(.string(description: "{name} and {clinic} are filled in"))),
        ], required: ["name", "language_code"]))),
        ("quiet_hours", .nullable(.object(properties: [("start", .string(description: "HH:MM")), ("end", .string(description: "HH:MM"))], required: ["start", "end"]))),
        ("appointment_minutes", .integer(minimum: 5, maximum: 480)), ("minimum_confidence", .number),
    ], required: ["enabled"])
}

struct ValidationProblem: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

struct SendMessageRequest: APIModel {
    var text: String

    static let schema = JSONSchema.object(properties: [("text", .string(description: "Up to 4,096 characters"))], required: ["text"])
}

struct KnowledgeArticleDTO: APIModel {
    var id: UUID
    var kind: String
    var title: String
    var body: String
    var updatedAt: Date

    init(_ article: KnowledgeRepository.Article) {
        id = article.id
        kind = article.kind
        title = article.title
        body = article.body
        updatedAt = article.updatedAt
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("kind", .string(enumValues: KnowledgeRepository.Article.kinds)), ("title", .string()), ("body", .string()), ("updated_at", .dateTime),
    ], required: ["id", "kind", "title", "body", "updated_at"])
}

struct KnowledgeArticleRequest: APIModel {
    var kind: String?
    var title: String
    var body: String

    static let schema = JSONSchema.object(properties: [
        ("kind", .string(enumValues: KnowledgeRepository.Article.kinds)), ("title", .string(description: "Up to 200 characters")),
        ("body", .string(description: "Up to 20,000 characters")),
    ], required: ["title", "body"])
}

struct ConsentEntryDTO: APIModel {
    var id: UUID
    var kind: String
    var channelId: UUID?
    var source: String
    var evidence: String
    var recordedBy: UUID?
    var createdAt: Date

    init(_ entry: ConsentRepository.Entry) {
        id = entry.id
        kind = entry.kind.rawValue
        channelId = entry.channelID
        source = entry.source
        evidence = entry.evidence
        recordedBy = entry.recordedBy
        createdAt = entry.createdAt
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("kind", .string(enumValues: ["opt_in", "opt_out"])), ("channel_id", .nullable(.uuid)),
        ("source", .string(description: "keyword, api, console, form")), ("evidence", .string()), ("recorded_by", .nullable(.uuid)), ("created_at", .dateTime),
    ], required: ["id", "kind", "source", "evidence", "created_at"])
}

struct ConsentRequest: APIModel {
    var kind: String
    var evidence: String

    static let schema = JSONSchema.object(properties: [
        ("kind", .string(enumValues: ["opt_in", "opt_out"])), ("evidence", .string(description: "What shows consent: the form's wording, a call note")),
    ], required: ["kind", "evidence"])
}

struct PractitionerDTO: APIModel {
    var id: UUID
    var name: String
    var active: Bool
    var availability: [String: [String]]
    var procedures: [String]
    var email: String?
    var exceptions: [ExceptionDTO]

    struct ExceptionDTO: Codable, Sendable {
        var date: String
        var hours: [String]
    }

    init(_ practitioner: Practitioner) {
        id = practitioner.id
        name = practitioner.name
        active = practitioner.active
        availability = practitioner.availability.schedule
        procedures = practitioner.procedures
        email = practitioner.email
        exceptions = practitioner.exceptions.map { ExceptionDTO(date: $0.date, hours: $0.hours) }
    }

    static let exceptionSchema = JSONSchema.object(properties: [
        ("date", .string(format: "date", description: "YYYY-MM-DD in the clinic's time zone")),
        ("hours", .array(.string(description: "HH:MM-HH:MM; empty is a day off"))),
    ], required: ["date", "hours"])

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("name", .string()), ("active", .boolean),
        ("availability", .map(.array(.string(description: "HH:MM-HH:MM")))), ("procedures", .array(.string())),
        ("email", .nullable(.string(format: "email"))), ("exceptions", .array(exceptionSchema)),
    ], required: ["id", "name", "active", "availability", "procedures", "exceptions"])
}

struct PractitionerRequest: APIModel {
    var name: String
    var availability: [String: [String]]
    var procedures: [String]?
    var email: String?
    var active: Bool?
    var exceptions: [PractitionerDTO.ExceptionDTO]?

    static let schema = JSONSchema.object(properties: [
        ("name", .string()), ("availability", .map(.array(.string(description: "Weekday (mon…sun) → HH:MM-HH:MM intervals in the clinic's time zone")))),
        ("procedures", .array(.string(description: "Procedure keys; empty is all"))),
        ("email", .string(format: "email", description: "Calendar address: Cal.com bookings whose organizer has it are theirs")),
        ("active", .boolean), ("exceptions", .array(PractitionerDTO.exceptionSchema)),
    ], required: ["name", "availability"])

    /// The practitioner this request describes; 422 naming the first problem.
    func practitioner(id: UUID, clinicID: UUID) throws -> Practitioner {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else { throw Abort(.unprocessableEntity, reason: "name must be 1 to 200 characters") }
        let hours: WorkingHours
        do { hours = try WorkingHours(availability) } catch { throw Abort(.unprocessableEntity, reason: "availability: \(error)") }
        let email = email?.trimmingCharacters(in: .whitespaces).lowercased()
        if let email, !email.isEmpty, !email.contains("@") { throw Abort(.unprocessableEntity, reason: "email is not an email address") }
        let exceptions = try (exceptions ?? []).map { item in
            guard AvailabilityException.isValidDate(item.date) else { throw Abort(.unprocessableEntity, reason: "exceptions: \(item.date) is not a YYYY-MM-DD date") }
            let exception = AvailabilityException(date: item.date, hours: item.hours)
            do { _ = try exception.intervals() } catch { throw Abort(.unprocessableEntity, reason: "exceptions.\(item.date): \(error)") }
            return exception
        }
        return Practitioner(
            id: id, clinicID: clinicID, name: name, active: active ?? true, availability: hours, procedures: procedures ?? [],
            email: email?.isEmpty == false ? email : nil, exceptions: exceptions
        )
    }
}

struct AppointmentDTO: APIModel {
    var id: UUID
    var contactId: UUID
    var leadId: UUID?
    var practitionerId: UUID
    var startsAt: Date
    var endsAt: Date
    var status: String
    var source: String
    var type: String?
    var procedure: String?
    var externalId: String?

    init(_ appointment: SchedulingRepository.Appointment) {
        id = appointment.id
        contactId = appointment.contactID
        leadId = appointment.leadID
        practitionerId = appointment.practitionerID
        startsAt = appointment.startsAt
        endsAt = appointment.endsAt
        status = appointment.status.rawValue
        source = appointment.source
        type = appointment.appointmentType
        procedure = appointment.procedure
        externalId = appointment.externalID
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("contact_id", .uuid), ("lead_id", .nullable(.uuid)), ("practitioner_id", .uuid), ("starts_at", .dateTime), ("ends_at", .dateTime),
        ("status", .string(enumValues: AppointmentStatus.allCases.map(\.rawValue))), ("source", .string(description: "assistant, console, api, calcom")),
        ("type", .nullable(.string())), ("procedure", .nullable(.string())), ("external_id", .nullable(.string(description: "The Cal.com booking uid"))),
    ], required: ["id", "contact_id", "practitioner_id", "starts_at", "ends_at", "status", "source"])
}

struct AppointmentRequest: APIModel {
    var contactId: UUID
    var practitionerId: UUID
    var startsAt: Date
    var type: String?
    var minutes: Int?

    static let schema = JSONSchema.object(properties: [
        ("contact_id", .uuid), ("practitioner_id", .uuid), ("starts_at", .dateTime),
        ("type", .string(description: "Appointment type key from the scheduling settings")), ("minutes", .integer(minimum: 5, maximum: 480)),
    ], required: ["contact_id", "practitioner_id", "starts_at"])
}

struct AppointmentUpdate: APIModel {
    var status: String?
    var startsAt: Date?
    var practitionerId: UUID?

    static let schema = JSONSchema.object(properties: [
        ("status", .string(enumValues: AppointmentStatus.allCases.map(\.rawValue))), ("starts_at", .dateTime), ("practitioner_id", .uuid),
    ], required: [])
}

struct SlotDTO: APIModel {
    var practitionerId: UUID
    var startsAt: Date
    var endsAt: Date

    init(_ slot: Slot) {
        practitionerId = slot.practitionerID
        startsAt = slot.startsAt
        endsAt = slot.endsAt
    }

    static let schema = JSONSchema.object(properties: [("practitioner_id", .uuid), ("starts_at", .dateTime), ("ends_at", .dateTime)], required: ["practitioner_id", "starts_at", "ends_at"])
}

/// The scheduling settings as their own JSON document: read and written with the domain's coding
/// (snake-case keys, procedure names as map keys untouched), validated by the domain's rules.
struct SchedulingSettingsDocument: APIModel {
    static func decode(_ context: APIContext) throws -> SchedulingSettings {
        guard context.request.headers.contentType == .json else { throw Abort(.unsupportedMediaType, reason: "send the body as application/json") }
        let body = context.request.body.data.map { Data($0.readableBytesView) } ?? Data()
        do {
            return try JSONCoding.plainDecoder.decode(SchedulingSettings.self, from: body)
        } catch let error as DecodingError {
            throw Abort(.unprocessableEntity, reason: error.clientReason)
        } catch let invalid as InvalidSettings {
            throw Abort(.unprocessableEntity, reason: invalid.problem)
        }
    }

    static func response(_ settings: SchedulingSettings) throws -> Response {
        let response = Response(status: .ok)
        response.headers.contentType = .json
        response.body = .init(data: try JSONEncoder().encode(settings))
        return response
    }

    static let template = JSONSchema.object(properties: [
        ("name", .string()), ("language_code", .string(description: "pt_BR, en_US, es, ro")),
        ("parameters", .array(.string(description: "{name}, {clinic}, {time}, {practitioner}"))),
    ], required: ["name", "language_code"])

    static let schema = JSONSchema.object(properties: [
        ("appointment_types", .array(.object(properties: [
            ("key", .string()), ("name", .string()), ("minutes", .integer(minimum: 5, maximum: 480)), ("procedure", .nullable(.string())),
        ], required: ["key", "name", "minutes"]))),
        ("reminder_hours", .array(.integer(minimum: 1, maximum: 336))),
        ("no_show_follow_up_hours", .nullable(.integer(minimum: 0, maximum: 720))),
        ("recall_months", .map(.integer(minimum: 1, maximum: 60))),
        ("templates", .map(.map(template))),
        ("consent_months", .integer(minimum: 1, maximum: 120)),
        ("delivery_retention_days", .integer(minimum: 1, maximum: 3650)),
        ("won_on_deposit", .boolean), ("missed_call_text_back", .boolean),
    ], required: [])
}
